// Synapse-ensemble kernels: the per-instance field lists, the view of a chunk and its accessors, the bookkeeping
// shared by both backends, and the launchers: the only way host code reaches the synapse kernels (plain pointers,
// no CUDA types; the CUDA launchers exist only in CUDA builds).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/synapse/synapse.hpp"

namespace nb {
namespace synapse {

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

// Observables, (n,) each, written by finalize (the host model sets their output order; pre_spike_count is state).
#define NB_SYNAPSE_OBSERVABLES(X) \
  X(double, s_mean) X(double, s_sd) X(double, s_peak_out) X(double, s_final) X(double, pre_rate_Hz) X(double, pre_isi_cv)

// Structure-of-arrays view of one chunk, in one backend's memory (host or device).
struct View {
  std::size_t n = 0;
  std::uint64_t seed = 0;
  bool any_poisson = false;  // some instance draws Poisson words (else the generator is skipped)
  bool any_lif = false;      // some instance has a noisy presynaptic LIF neuron
#define NB_FIELD(type, name) type* name = nullptr;
  NB_SYNAPSE_INPUTS(NB_FIELD)
  NB_SYNAPSE_STATE(NB_FIELD)
  NB_SYNAPSE_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  // trace_row and spike_row (inputs) are null when nothing of the chunk is traced or has its spikes recorded.
  // Traces (rows, trace_samples): sample k at step k * trace_every; null when not traced.
  float* trace_s = nullptr;
  float* trace_V_pre_mV = nullptr;
  std::uint32_t trace_every = 1, trace_samples = 0;
  // Presynaptic spike steps (rows, spike_capacity)
  std::uint32_t* spike_steps = nullptr;
  std::uint32_t spike_capacity = 0;

  bool recording() const { return trace_row != nullptr || spike_row != nullptr; }
};

NB_HD Coefficients coefficients_at(const View& v, std::size_t i) {
  Coefficients c;
  c.decay = v.decay[i];
  c.keep = v.keep[i];
  c.train = v.train[i];
  c.phase_increment = v.phase_increment[i];
  c.poisson_threshold = v.poisson_threshold[i];
  c.pre = lif::Coefficients{v.pre_V_inf_mV[i], v.pre_decay[i],   v.pre_noise_mV[i],
                            v.pre_V_reset_mV[i], v.pre_V_th_mV[i], v.pre_refractory_steps[i]};
  c.transient_steps = v.transient_steps[i];
  return c;
}

NB_HD State state_at(const View& v, std::size_t i) {
  return State{v.s[i], v.s_peak[i], v.phase[i], v.s_sum[i], v.s_sq_sum[i]};
}

NB_HD lif::State pre_state_at(const View& v, std::size_t i) {
  return lif::State{v.pre_V_mV[i], v.pre_refractory_left[i], v.pre_spike_count[i], v.pre_first_spike_step[i],
                    v.pre_last_spike_step[i], v.pre_isi_sq_sum[i]};
}

NB_HD void store_state(const View& v, std::size_t i, const State& st, const lif::State& pre) {
  v.s[i] = st.s;
  v.s_peak[i] = st.s_peak;
  v.phase[i] = st.phase;
  v.s_sum[i] = st.s_sum;
  v.s_sq_sum[i] = st.s_sq_sum;
  v.pre_V_mV[i] = pre.V_mV;
  v.pre_refractory_left[i] = pre.refractory_left;
  v.pre_spike_count[i] = pre.spike_count;
  v.pre_first_spike_step[i] = pre.first_spike_step;
  v.pre_last_spike_step[i] = pre.last_spike_step;
  v.pre_isi_sq_sum[i] = pre.isi_sq_sum_steps2;
}

NB_HD void record_sample(const View& v, std::size_t i, float s, float V_pre_mV, std::uint32_t k) {
  const std::size_t at = static_cast<std::size_t>(v.trace_row[i]) * v.trace_samples + k;
  v.trace_s[at] = s;
  v.trace_V_pre_mV[at] = V_pre_mV;
}

// What happened at step t_after: trace sample, presynaptic spike time. Shared by both backends.
NB_HD void record_step(const View& v, std::size_t i, const State& st, const lif::State& pre, bool spiked,
                       std::uint32_t t_after) {
  if (v.trace_row != nullptr && v.trace_row[i] >= 0 && t_after % v.trace_every == 0u) {
    record_sample(v, i, st.s, pre.V_mV, t_after / v.trace_every);
  }
  if (spiked && v.spike_row != nullptr && v.spike_row[i] >= 0 && pre.spike_count <= v.spike_capacity) {
    v.spike_steps[static_cast<std::size_t>(v.spike_row[i]) * v.spike_capacity + (pre.spike_count - 1u)] = t_after;
  }
}

NB_HD void finalize_at(const View& v, std::size_t i, double dt_ms, std::uint32_t n_steps) {
  const Observables o = synapse_finalize(state_at(v, i), pre_state_at(v, i), coefficients_at(v, i), dt_ms, n_steps);
  v.s_mean[i] = o.s_mean;
  v.s_sd[i] = o.s_sd;
  v.s_peak_out[i] = o.s_peak;
  v.s_final[i] = o.s_final;
  v.pre_rate_Hz[i] = o.pre.rate_Hz;
  v.pre_isi_cv[i] = o.pre.isi_cv;
}

// ---- CPU reference (synapse_cpu.cpp) ----
void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads);
void finalize_cpu(const View& v, double dt_ms, std::uint32_t n_steps, int threads);

// ---- CUDA (synapse_cuda_exact.cu / synapse_cuda_fast.cu); device pointers ----
void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void finalize_cuda(const View& v, double dt_ms, std::uint32_t n_steps);

}  // namespace synapse
}  // namespace nb
