// The CUDA engine of every model: BufferedEngine with device buffers (host/engine/cuda_backend.cuh), instantiated
// once per name in CMake's NB_MODELS list (the generated nb_model_list.hpp includes each model's host header, and
// its <m>_cuda.cuh where the model has device-side buffers of its own).
#include <string>

#include "host/common/errors.hpp"
#include "host/engine/cuda_backend.cuh"
#include "host/engine/cuda_device.hpp"
#include "host/engine/make_engine.hpp"
#include "nb_model_list.hpp"

namespace nb {
namespace {

// A model's traits may name other traits for the device (CudaTraits: the network builds its lists there).
template <class Traits, class = void>
struct DeviceTraits {
  using type = Traits;
};
template <class Traits>
struct DeviceTraits<Traits, std::void_t<typename Traits::CudaTraits>> {
  using type = typename Traits::CudaTraits;
};

}  // namespace

template <class Traits>
std::unique_ptr<ChunkEngine> make_cuda_engine(const EngineConfig& config) {
  const std::string reason = cuda_unavailable_reason();
  if (!reason.empty()) throw BackendUnavailable("--backend cuda: " + reason);
  return std::make_unique<BufferedEngine<typename DeviceTraits<Traits>::type, CudaBackend>>(config);
}

#define NB_INSTANTIATE_CUDA_ENGINE(model) \
  template std::unique_ptr<ChunkEngine> make_cuda_engine<model_traits::model>(const EngineConfig&);
NB_FOR_EACH_MODEL(NB_INSTANTIATE_CUDA_ENGINE)
#undef NB_INSTANTIATE_CUDA_ENGINE

}  // namespace nb
