// Self-sustained kernels: the per-instance field lists, the view of a chunk, the bookkeeping shared by both
// backends (crossings and probe, observables, trace samples), and the launchers: the only way host code reaches
// the self-sustained kernels (plain pointers, no CUDA types; the CUDA launchers exist only in CUDA builds).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/self_sustained/self_sustained.hpp"

namespace nb {
namespace self_sustained {

// Per-instance inputs, (n,) each. Rates in 1/ms so that dt [ms] multiplies them directly.
#define NB_SELF_SUSTAINED_INPUTS(X)                                                                             \
  X(float, a_Hz_per_nA) X(float, b_Hz) X(float, d_s) X(float, gamma_per_ms) X(float, inv_tau_per_ms)            \
  X(float, g_E_nA) X(float, I_0_nA) X(float, dt_ms) X(std::uint32_t, exponential)                               \
  X(std::uint32_t, pulse1_begin) X(std::uint32_t, pulse1_end) X(float, pulse1_nA)                               \
  X(std::uint32_t, pulse2_begin) X(std::uint32_t, pulse2_end) X(float, pulse2_nA)                               \
  X(float, s_switch) X(std::uint32_t, probe_step) X(std::int32_t, trace_row)

// Per-instance state, (n,) each. Crossing steps are 0 while no crossing happened (steps are counted from 1).
#define NB_SELF_SUSTAINED_STATE(X) \
  X(float, s) X(float, s_probe) X(std::uint32_t, up_step) X(std::uint32_t, down_step)

#define NB_SELF_SUSTAINED_OBSERVABLES(X)                                                                        \
  X(double, s_final) X(double, rate_final_Hz) X(double, s_probe_out) X(double, switch_up_ms) X(double, switch_down_ms)

struct View {
  std::size_t n = 0;
#define NB_FIELD(type, name) type* name = nullptr;
  NB_SELF_SUSTAINED_INPUTS(NB_FIELD)
  NB_SELF_SUSTAINED_STATE(NB_FIELD)
  NB_SELF_SUSTAINED_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  float* trace_s = nullptr;  // (rows, trace_samples): s at step k * trace_every; null when not traced
  float* trace_r_Hz = nullptr;
  std::uint32_t trace_every = 1, trace_samples = 0;
};

// Bookkeeping after step n -> n + 1 (t_after = n + 1): crossings of s_switch and the probe.
NB_HD void observe(const View& v, std::size_t i, float s_before, float s_after, std::uint32_t t_after,
                   float& s_probe, std::uint32_t& up_step, std::uint32_t& down_step) {
  const float th = v.s_switch[i];
  up_step = (up_step == 0u && s_before < th && s_after >= th) ? t_after : up_step;
  down_step = (down_step == 0u && s_before >= th && s_after < th) ? t_after : down_step;
  s_probe = t_after == v.probe_step[i] ? s_after : s_probe;
}

template <class Math>
NB_HD void finalize_at(const View& v, std::size_t i) {
  const double nan = bits_double_nan();
  const float s = v.s[i];
  v.s_final[i] = s;
  v.rate_final_Hz[i] = rate_Hz<Math>(v, i, v.g_E_nA[i] * s + v.I_0_nA[i]);  // the recurrent state, pulses off
  v.s_probe_out[i] = v.s_probe[i];
  const double dt = v.dt_ms[i];
  v.switch_up_ms[i] = v.up_step[i] != 0u ? static_cast<double>(v.up_step[i]) * dt : nan;
  v.switch_down_ms[i] = v.down_step[i] != 0u ? static_cast<double>(v.down_step[i]) * dt : nan;
}

NB_HD void record_sample(const View& v, std::size_t i, float s, float r_Hz, std::uint32_t k) {
  const std::size_t at = static_cast<std::size_t>(v.trace_row[i]) * v.trace_samples + k;
  v.trace_s[at] = s;
  v.trace_r_Hz[at] = r_Hz;
}

void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads);
void finalize_cpu(const View& v, int threads);
void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void finalize_cuda(const View& v);

}  // namespace self_sustained
}  // namespace nb
