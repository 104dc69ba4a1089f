// AdEx launchers: the only way host code reaches the AdEx kernels. Plain pointers in, no CUDA types, so host code
// compiles without nvcc (the CUDA launchers exist only in CUDA builds, NB_HAVE_CUDA).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/adex/adex.hpp"
#include "kernels/common/math_mode.hpp"

namespace nb {
namespace adex {

// Per-instance inputs, (n,) each: kernel coefficients (derived on the host in double, rounded once to float), the
// current slots (step current and pulses: [begin, end) in steps, amplitude in pA), the number of ISIs the
// adaptation index leaves out, the global instance index that keys the noise, and the rows of the recording
// buffers (-1: not recorded).
#define NB_ADEX_INPUTS(X)                                                                                       \
  X(std::uint64_t, instance_id)                                                                                 \
  X(float, dt_over_C) X(float, g_L_nS) X(float, g_L_Delta_T) X(float, E_L_mV) X(float, V_T_mV)                 \
  X(float, inv_Delta_T) X(float, x_cap) X(float, a_nS) X(float, k_w) X(float, b_pA) X(float, V_r_mV)           \
  X(float, V_peak_mV) X(float, noise_mV) X(std::uint32_t, refractory_steps)                                     \
  X(std::uint32_t, I0_begin) X(std::uint32_t, I0_end) X(float, I0_pA)                                           \
  X(std::uint32_t, I1_begin) X(std::uint32_t, I1_end) X(float, I1_pA)                                           \
  X(std::uint32_t, I2_begin) X(std::uint32_t, I2_end) X(float, I2_pA)                                           \
  X(std::uint32_t, I3_begin) X(std::uint32_t, I3_end) X(float, I3_pA)                                           \
  X(std::uint32_t, skip) X(std::int32_t, trace_row) X(std::int32_t, spike_row)

// Per-instance state, (n,) each (initial values from the host): the membrane (State) and the spike statistics
// (SpikeStats).
#define NB_ADEX_STATE(X)                                                                                        \
  X(float, V_mV) X(float, w_pA) X(double, w_sum_pA) X(std::uint32_t, refractory_left)                           \
  X(std::uint32_t, spike_count) X(std::uint32_t, first_spike_step) X(std::uint32_t, last_spike_step)            \
  X(std::uint64_t, isi_sq_sum_steps2) X(std::uint32_t, isi_max_steps) X(std::uint32_t, prev_isi_steps)          \
  X(std::uint32_t, ref_isi_steps) X(float, adapt_sum) X(std::uint32_t, pause_count)                             \
  X(std::uint32_t, pause_sum_steps) X(std::uint64_t, pause_sq_sum_steps2) X(std::uint32_t, burst_spikes)        \
  X(std::uint32_t, initial_burst) X(std::uint32_t, burst_size) X(std::uint32_t, burst_sizes_vary)

// Observables, (n,) each, written by finalize (spike_count, initial_burst and pause_count are state).
#define NB_ADEX_OBSERVABLES(X)                                                                                  \
  X(double, rate_Hz) X(double, first_spike_ms) X(double, isi_mean_ms) X(double, isi_sd_ms) X(double, isi_cv)   \
  X(double, adaptation_index) X(double, isi_ratio) X(double, w_mean_pA) X(std::uint32_t, pattern)

// Structure-of-arrays view of one chunk of instances, in one backend's memory (host or device).
struct View {
  std::size_t n = 0;
  std::uint64_t seed = 0;
  bool noisy = false;        // any noise_mV != 0; a noiseless batch skips the generator (results are the same)
  bool exponential = false;  // the integrator: exponential Rosenbrock-Euler (true) or explicit Euler
#define NB_FIELD(type, name) type* name = nullptr;
  NB_ADEX_INPUTS(NB_FIELD)
  NB_ADEX_STATE(NB_FIELD)
  NB_ADEX_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  // The first isi_K ISIs of every instance, in steps (0: no such ISI).
  std::uint32_t* isi_first_steps = nullptr;  // (n, isi_K)
  std::uint32_t isi_K = 0;
  // Traces: sample k is V (w) at step k * trace_every (k = 0 is the initial value); null when not traced.
  float* trace_V_mV = nullptr;  // (rows, trace_samples)
  float* trace_w_pA = nullptr;  // (rows, trace_samples)
  std::uint32_t trace_every = 1;
  std::uint32_t trace_samples = 0;
  // Spike times (in steps), the first spike_capacity of each recorded instance; null when not recorded.
  std::uint32_t* spike_steps = nullptr;  // (rows, spike_capacity)
  std::uint32_t spike_capacity = 0;

  bool recording() const { return trace_V_mV != nullptr || spike_steps != nullptr; }
};

NB_HD Coefficients coefficients_at(const View& v, std::size_t i) {
  return Coefficients{v.dt_over_C[i], v.g_L_nS[i],  v.g_L_Delta_T[i], v.E_L_mV[i],    v.V_T_mV[i],
                      v.inv_Delta_T[i], v.x_cap[i], v.a_nS[i],        v.k_w[i],       v.b_pA[i],
                      v.V_r_mV[i],    v.V_peak_mV[i], v.noise_mV[i],  v.refractory_steps[i]};
}

NB_HD State state_at(const View& v, std::size_t i) {
  return State{v.V_mV[i], v.w_pA[i], v.w_sum_pA[i], v.refractory_left[i], v.spike_count[i], v.first_spike_step[i],
               v.last_spike_step[i]};
}

NB_HD void store_state(const View& v, std::size_t i, const State& s) {
  v.V_mV[i] = s.V_mV;
  v.w_pA[i] = s.w_pA;
  v.w_sum_pA[i] = s.w_sum_pA;
  v.refractory_left[i] = s.refractory_left;
  v.spike_count[i] = s.spike_count;
  v.first_spike_step[i] = s.first_spike_step;
  v.last_spike_step[i] = s.last_spike_step;
}

NB_HD SpikeStats stats_at(const View& v, std::size_t i) {
  return SpikeStats{v.isi_sq_sum_steps2[i], v.isi_max_steps[i], v.prev_isi_steps[i],  v.ref_isi_steps[i],
                    v.adapt_sum[i],         v.pause_count[i],   v.pause_sum_steps[i], v.pause_sq_sum_steps2[i],
                    v.burst_spikes[i],      v.initial_burst[i], v.burst_size[i],      v.burst_sizes_vary[i]};
}

NB_HD void store_stats(const View& v, std::size_t i, const SpikeStats& q) {
  v.isi_sq_sum_steps2[i] = q.isi_sq_sum_steps2;
  v.isi_max_steps[i] = q.isi_max_steps;
  v.prev_isi_steps[i] = q.prev_isi_steps;
  v.ref_isi_steps[i] = q.ref_isi_steps;
  v.adapt_sum[i] = q.adapt_sum;
  v.pause_count[i] = q.pause_count;
  v.pause_sum_steps[i] = q.pause_sum_steps;
  v.pause_sq_sum_steps2[i] = q.pause_sq_sum_steps2;
  v.burst_spikes[i] = q.burst_spikes;
  v.initial_burst[i] = q.initial_burst;
  v.burst_size[i] = q.burst_size;
  v.burst_sizes_vary[i] = q.burst_sizes_vary;
}

// The injected current of instance i at step t (current_at's order of additions).
NB_HD float current_at(const View& v, std::size_t i, std::uint32_t t) {
  return ((slot_current(t, v.I0_begin[i], v.I0_end[i], v.I0_pA[i]) +
           slot_current(t, v.I1_begin[i], v.I1_end[i], v.I1_pA[i])) +
          slot_current(t, v.I2_begin[i], v.I2_end[i], v.I2_pA[i])) +
         slot_current(t, v.I3_begin[i], v.I3_end[i], v.I3_pA[i]);
}

// A spike of instance i at step t_after, after the membrane step: the spike statistics (state, stats), and the
// first isi_K ISIs. Shared by both backends; called for spiking instances only.
NB_HD void spike_at(const View& v, std::size_t i, State& s, SpikeStats& q, std::uint32_t t_after) {
  const std::uint32_t number = s.spike_count;  // the ISI this spike ends, 1-based (0: first spike)
  const std::uint32_t isi = t_after - s.last_spike_step;
  tally_spike(s, q, t_after, v.skip[i]);
  if (number >= 1u && number <= v.isi_K) v.isi_first_steps[i * v.isi_K + (number - 1u)] = isi;
}

NB_HD void finalize_at(const View& v, std::size_t i, double dt_ms, std::uint32_t n_steps) {
  const Observables o = adex_finalize(state_at(v, i), stats_at(v, i), dt_ms, n_steps, v.skip[i]);
  v.rate_Hz[i] = o.rate_Hz;
  v.first_spike_ms[i] = o.first_spike_ms;
  v.isi_mean_ms[i] = o.isi_mean_ms;
  v.isi_sd_ms[i] = o.isi_sd_ms;
  v.isi_cv[i] = o.isi_cv;
  v.adaptation_index[i] = o.adaptation_index;
  v.isi_ratio[i] = o.isi_ratio;
  v.w_mean_pA[i] = o.w_mean_pA;
  v.pattern[i] = o.pattern;
}

// Records what happened at step t_after for instance i (trace samples, spike time). Shared by both backends.
NB_HD void record_step(const View& v, std::size_t i, const State& s, bool spiked, std::uint32_t t_after) {
  if (v.trace_V_mV != nullptr && v.trace_row[i] >= 0 && t_after % v.trace_every == 0u) {
    const std::size_t k = static_cast<std::size_t>(v.trace_row[i]) * v.trace_samples + t_after / v.trace_every;
    v.trace_V_mV[k] = spiked ? v.V_peak_mV[i] : s.V_mV;  // a spike is drawn at V_peak
    v.trace_w_pA[k] = s.w_pA;
  }
  if (spiked && v.spike_steps != nullptr && v.spike_row[i] >= 0 && s.spike_count <= v.spike_capacity) {
    v.spike_steps[static_cast<std::size_t>(v.spike_row[i]) * v.spike_capacity + (s.spike_count - 1u)] = t_after;
  }
}

// Sample 0 of the traces: the initial state.
NB_HD void record_initial(const View& v, std::size_t i) {
  if (v.trace_V_mV != nullptr && v.trace_row[i] >= 0) {
    const std::size_t k = static_cast<std::size_t>(v.trace_row[i]) * v.trace_samples;
    v.trace_V_mV[k] = v.V_mV[i];
    v.trace_w_pA[k] = v.w_pA[i];
  }
}

// Noise for step t: one normal per step, so the Philox block of 4 is regenerated every 4 steps.
NB_HD StreamBlock membrane_noise_source(std::uint32_t t) {
  return StreamBlock{0u, RandomStream::adex_membrane_noise, t >> 2};
}

template <class Math>
NB_HD Normals4 membrane_noise_block(std::uint64_t seed, std::uint64_t instance, std::uint32_t t) {
  return normals4<Math>(seed, instance, membrane_noise_source(t));
}

// ---- CPU reference backend (adex_cpu.cpp): OpenMP over blocks of instances, SIMD over lanes -------------------
// threads <= 0: OpenMP's default. Advances steps [step_begin, step_end).
void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads);
void finalize_cpu(const View& v, double dt_ms, std::uint32_t n_steps, int threads);

// ---- CUDA backend (adex_cuda_exact.cu, adex_cuda_fast.cu): one thread per instance -----------------------------
// Pointers in `v` are device pointers. Launches are asynchronous on the default stream; errors are checked.
void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void finalize_cuda(const View& v, double dt_ms, std::uint32_t n_steps);

}  // namespace adex
}  // namespace nb
