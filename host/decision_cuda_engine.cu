// The decision model on the CUDA backend: BufferedEngine with device buffers.
#include "host/cuda_backend.cuh"
#include "host/cuda_device.hpp"
#include "host/decision_model.hpp"
#include "host/errors.hpp"

namespace nb {

std::unique_ptr<ChunkEngine> make_decision_cuda_engine(const EngineConfig& config) {
  const std::string reason = cuda_unavailable_reason();
  if (!reason.empty()) throw BackendUnavailable("--backend cuda: " + reason);
  return std::make_unique<BufferedEngine<DecisionTraits, CudaBackend>>(config);
}

}  // namespace nb
