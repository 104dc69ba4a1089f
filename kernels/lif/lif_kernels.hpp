// LIF launchers: the only way host code reaches the LIF kernels. Plain pointers in, no CUDA types, so host code
// compiles without nvcc (the CUDA launchers exist only in CUDA builds, NB_HAVE_CUDA).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common/math_mode.hpp"
#include "kernels/lif/lif.hpp"

namespace nb {
namespace lif {

// Per-instance inputs, (n,) each: kernel coefficients (derived on the host in double, rounded once to float),
// the global instance index that keys the noise, and the rows of the recording buffers (-1: not recorded).
#define NB_LIF_INPUTS(X)                                                                                        \
  X(std::uint64_t, instance_id)                                                                                 \
  X(float, V_inf_mV) X(float, decay) X(float, noise_mV) X(float, V_reset_mV) X(float, V_th_mV)                 \
  X(float, V_spike_mV) X(std::uint32_t, refractory_steps) X(std::int32_t, trace_row) X(std::int32_t, spike_row)

// Per-instance state, (n,) each (initial values from the host).
#define NB_LIF_STATE(X)                                                                                         \
  X(float, V_mV) X(std::uint32_t, refractory_left) X(std::uint32_t, spike_count) X(std::uint32_t, first_spike_step) \
  X(std::uint32_t, last_spike_step) X(std::uint64_t, isi_sq_sum_steps2)

// Observables, (n,) each, written by finalize (spike_count is state).
#define NB_LIF_OBSERVABLES(X) \
  X(double, rate_Hz) X(double, first_spike_ms) X(double, isi_mean_ms) X(double, isi_sd_ms) X(double, isi_cv)

// Structure-of-arrays view of one chunk of instances, in one backend's memory (host or device).
struct View {
  std::size_t n = 0;
  std::uint64_t seed = 0;
  bool noisy = false;  // any noise_mV != 0; a noiseless batch skips the generator (results are the same)
#define NB_FIELD(type, name) type* name = nullptr;
  NB_LIF_INPUTS(NB_FIELD)
  NB_LIF_STATE(NB_FIELD)
  NB_LIF_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  // Traces: sample k is V at step k * trace_every (k = 0 is the initial value); null when not traced.
  float* trace_V_mV = nullptr;  // (rows, trace_samples)
  std::uint32_t trace_every = 1;
  std::uint32_t trace_samples = 0;
  // Spike times (in steps), the first spike_capacity of each recorded instance; null when not recorded.
  std::uint32_t* spike_steps = nullptr;  // (rows, spike_capacity)
  std::uint32_t spike_capacity = 0;

  bool recording() const { return trace_V_mV != nullptr || spike_steps != nullptr; }
};

NB_HD Coefficients coefficients_at(const View& v, std::size_t i) {
  return Coefficients{v.V_inf_mV[i], v.decay[i], v.noise_mV[i], v.V_reset_mV[i], v.V_th_mV[i],
                      v.refractory_steps[i]};
}

NB_HD State state_at(const View& v, std::size_t i) {
  return State{v.V_mV[i], v.refractory_left[i], v.spike_count[i], v.first_spike_step[i], v.last_spike_step[i],
               v.isi_sq_sum_steps2[i]};
}

NB_HD void store_state(const View& v, std::size_t i, const State& s) {
  v.V_mV[i] = s.V_mV;
  v.refractory_left[i] = s.refractory_left;
  v.spike_count[i] = s.spike_count;
  v.first_spike_step[i] = s.first_spike_step;
  v.last_spike_step[i] = s.last_spike_step;
  v.isi_sq_sum_steps2[i] = s.isi_sq_sum_steps2;
}

NB_HD void store_observables(const View& v, std::size_t i, const Observables& o) {
  v.rate_Hz[i] = o.rate_Hz;
  v.first_spike_ms[i] = o.first_spike_ms;
  v.isi_mean_ms[i] = o.isi_mean_ms;
  v.isi_sd_ms[i] = o.isi_sd_ms;
  v.isi_cv[i] = o.isi_cv;
}

// Records what happened at step t_after for instance i (trace sample, spike time). Shared by both backends.
NB_HD void record_step(const View& v, std::size_t i, const State& s, bool spiked, std::uint32_t t_after) {
  if (v.trace_V_mV != nullptr && v.trace_row[i] >= 0 && t_after % v.trace_every == 0u) {
    const std::size_t k = t_after / v.trace_every;
    v.trace_V_mV[static_cast<std::size_t>(v.trace_row[i]) * v.trace_samples + k] = spiked ? v.V_spike_mV[i] : s.V_mV;
  }
  if (spiked && v.spike_steps != nullptr && v.spike_row[i] >= 0 && s.spike_count <= v.spike_capacity) {
    v.spike_steps[static_cast<std::size_t>(v.spike_row[i]) * v.spike_capacity + (s.spike_count - 1u)] = t_after;
  }
}

// Noise for step t: one normal per step, so the Philox block of 4 is regenerated every 4 steps.
NB_HD StreamBlock membrane_noise_source(std::uint32_t t) {
  return StreamBlock{0u, RandomStream::lif_membrane_noise, t >> 2};
}

template <class Math>
NB_HD Normals4 membrane_noise_block(std::uint64_t seed, std::uint64_t instance, std::uint32_t t) {
  return normals4<Math>(seed, instance, membrane_noise_source(t));
}

// ---- CPU reference backend (lif_cpu.cpp): OpenMP over blocks of instances, SIMD over lanes --------------------
// threads <= 0: OpenMP's default. Advances steps [step_begin, step_end).
void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads);
// The CPU's fast math mode (FastCpuMath, kernels/common/fast_math.hpp): the noise's normal transform only.
void advance_cpu_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads);
void finalize_cpu(const View& v, double dt_ms, std::uint32_t n_steps, int threads);

// ---- CUDA backend (lif_cuda_exact.cu, lif_cuda_fast.cu): one thread per instance ------------------------------
// Pointers in `v` are device pointers. Launches are asynchronous on the default stream; errors are checked.
void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void finalize_cuda(const View& v, double dt_ms, std::uint32_t n_steps);

}  // namespace lif
}  // namespace nb
