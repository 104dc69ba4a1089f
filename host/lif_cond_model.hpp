// The conductance-driven LIF model as the host sees it: LIF neurons driven through AMPA, NMDA and GABA_A kinetic
// synapses by K_E excitatory and K_I inhibitory Poisson inputs (MODELS.md sections 1 and 2).
#pragma once

#include <memory>

#include "host/chunk_engine.hpp"
#include "host/model_registry.hpp"

namespace nb {

const ModelInfo& lif_cond_model_info();

// CUDA engine (host/lif_cond_cuda_engine.cu); BackendUnavailable in CPU-only builds.
std::unique_ptr<ChunkEngine> make_lif_cond_cuda_engine(const EngineConfig& config);

}  // namespace nb
