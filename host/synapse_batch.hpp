// Host side of the synapse-ensemble model: the chunk's structure-of-arrays fields (one X-macro list, so the host
// vectors, the device vectors and the kernel View are generated from the same names), and chunk assembly.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "host/chunk_engine.hpp"
#include "host/spec.hpp"

namespace nb {

// Inputs, (n,) each: kernel coefficients, initial state, recording rows (-1: not recorded).
#define NB_SYNAPSE_INPUTS(X)                                                                                   \
  X(std::uint64_t, instance_id)                                                                                \
  X(float, decay) X(float, keep) X(std::uint32_t, train) X(std::uint64_t, phase_increment)                            \
  X(std::uint32_t, poisson_threshold) X(std::uint32_t, transient_steps) X(float, pre_V_inf_mV)               \
  X(float, pre_decay) X(float, pre_noise_mV) X(float, pre_V_reset_mV) X(float, pre_V_th_mV)                  \
  X(std::uint32_t, pre_refractory_steps) X(std::int32_t, trace_row) X(std::int32_t, spike_row)

// State, (n,) each, initialised from the inputs.
#define NB_SYNAPSE_STATE(X)                                                                                    \
  X(float, s) X(float, s_peak) X(std::uint64_t, phase) X(double, s_sum) X(double, s_sq_sum) X(float, pre_V_mV)        \
  X(std::uint32_t, pre_refractory_left) X(std::uint32_t, pre_spike_count) X(std::uint32_t, pre_first_spike_step) \
  X(std::uint32_t, pre_last_spike_step) X(std::uint64_t, pre_isi_sq_sum)

// Observables, (n,) each, in the order of the model's observable list (pre_spike_count comes from the state).
#define NB_SYNAPSE_OBSERVABLES(X) \
  X(double, s_mean) X(double, s_sd) X(double, s_peak_out) X(double, s_final) X(double, pre_rate_Hz) X(double, pre_isi_cv)

struct SynapseChunk {
#define NB_FIELD(type, name) std::vector<type> name;
  NB_SYNAPSE_INPUTS(NB_FIELD)
  NB_SYNAPSE_STATE(NB_FIELD)  // initial values
#undef NB_FIELD
  std::uint64_t seed = 0;
  bool any_poisson = false, any_lif = false;
  std::uint32_t trace_rows = 0, trace_every = 1, trace_samples = 0, spike_rows = 0, spike_capacity = 0;
  std::size_t n = 0;  // instances (Buffers::load may take the arrays)
  std::size_t size() const { return n; }
};

SynapseChunk assemble_synapse_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids);

// Bytes per instance on a backend: inputs + state + observables.
constexpr std::size_t kSynapseBytesPerInstance = 8 + 4 * 4 + 8 + 4 * 3 + 4 * 5 + 4 + 2 * 4   // inputs
                                                 + 4 * 2 + 8 * 3 + 4 * 5 + 8                   // state
                                                 + 8 * 6;                                      // observables

std::unique_ptr<ChunkEngine> make_synapse_chunk_engine(const EngineConfig& config);

// CUDA engine (host/synapse_cuda_engine.cu); BackendUnavailable in CPU-only builds.
std::unique_ptr<ChunkEngine> make_synapse_cuda_engine(const EngineConfig& config);

}  // namespace nb
