// The E/I network model on the CUDA backend: BufferedEngine with device buffers.
#include "host/cuda_backend.cuh"
#include "host/cuda_device.hpp"
#include "host/errors.hpp"
#include "host/network_model.hpp"

namespace nb {

std::unique_ptr<ChunkEngine> make_network_cuda_engine(const EngineConfig& config) {
  const std::string reason = cuda_unavailable_reason();
  if (!reason.empty()) throw BackendUnavailable("--backend cuda: " + reason);
  return std::make_unique<BufferedEngine<NetworkTraits, CudaBackend>>(config);
}

}  // namespace nb
