// The one factory every model's ModelInfo::make_engine points at: BufferedEngine<Traits, Backend> on the configured
// backend. The CPU engine is instantiated where the model's traits are (its .cpp); the CUDA engine only in
// host/engine/cuda_engines.cu, which nvcc compiles once for every model in CMake's NB_MODELS list.
#pragma once

#include <memory>

#include "host/common/errors.hpp"
#include "host/engine/buffered_engine.hpp"
#include "host/engine/chunk_engine.hpp"

namespace nb {

// Defined in host/engine/cuda_engines.cu for every model's traits (CUDA builds only).
template <class Traits>
std::unique_ptr<ChunkEngine> make_cuda_engine(const EngineConfig& config);

template <class Traits>
std::unique_ptr<ChunkEngine> make_engine(const EngineConfig& config) {
  if (config.backend == "cuda") {
#if defined(NB_HAVE_CUDA)
    return make_cuda_engine<Traits>(config);
#else
    throw BackendUnavailable("--backend cuda: this build has no CUDA backend");
#endif
  }
  return std::make_unique<BufferedEngine<Traits, CpuBackend>>(config);
}

}  // namespace nb
