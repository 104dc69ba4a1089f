// Self-sustained activity of one excitatory population with slow recurrent excitation (docs/models/self_sustained.md):
//
//     ds/dt = gamma F(I) (1 - s) - s / tau_s,      I = g_E s + I_0 + I_1(t),      r = F(I)   [Hz]
//
// F is the transfer function of kernels/rate/transfer.hpp. I_1(t) is a sum of rectangular pulses. With F frozen
// over a step the equation is linear in s, so the default integrator is exact for that frozen rate:
//     exponential: s <- s_inf + (s - s_inf) exp(-dt k),  k = gamma F + 1/tau_s,  s_inf = gamma F / k
//     euler:       s <- s + dt (gamma F (1 - s) - s / tau_s)     (the notebook's scheme)
// F is evaluated with the input of the step's start (t_n = n dt). A step that starts inside a pulse
// [onset, onset + duration) gets its amplitude.
//
// Observables: s and r at the end, s at a chosen probe step, and the first upward and downward crossings of a
// threshold s_switch (the "switch" between the low and the high state; choose it between them, e.g. near the
// unstable fixed point).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common/hd.hpp"
#include "kernels/common/math_mode.hpp"
#include "kernels/common/transfer.hpp"

namespace nb {
namespace self_sustained {

constexpr int kPulses = 2;

// The per-instance math reads its coefficients as v.name[i] from any view V with the fields of
// NB_SELF_SUSTAINED_INPUTS (self_sustained_kernels.hpp), the lane loop's and the CUDA thread's alike.

// Input current at the start of step n (pulses are [begin, end) in steps).
template <class V>
NB_HD float input_nA(const V& v, std::size_t i, float s, std::uint32_t n) {
  // Unconditional loads and non-short-circuit logic: conditional loads keep gcc from vectorising the lane loop.
  const float a1 = v.pulse1_nA[i], a2 = v.pulse2_nA[i];
  const float p1 = ((n >= v.pulse1_begin[i]) & (n < v.pulse1_end[i])) ? a1 : 0.0f;
  const float p2 = ((n >= v.pulse2_begin[i]) & (n < v.pulse2_end[i])) ? a2 : 0.0f;
  return v.g_E_nA[i] * s + v.I_0_nA[i] + p1 + p2;
}

template <class Math, class V>
NB_HD float rate_Hz(const V& v, std::size_t i, float I_nA) {
  return rate::transfer_Hz<Math>(I_nA, v.a_Hz_per_nA[i], v.b_Hz[i], v.d_s[i]);
}

// One step n -> n + 1 of instance i.
template <class Math, class V>
NB_HD float step(const V& v, std::size_t i, float s, std::uint32_t n) {
  const float drive = v.gamma_per_ms[i] * rate_Hz<Math>(v, i, input_nA(v, i, s, n));  // gamma F, 1/ms
  const float k = drive + v.inv_tau_per_ms[i];
  const float s_inf = Math::div(drive, k);
  const float dt = v.dt_ms[i];
  const float exponential = s_inf + (s - s_inf) * Math::exp(-dt * k);
  const float euler = s + dt * (drive * (1.0f - s) - s * v.inv_tau_per_ms[i]);
  return v.exponential[i] != 0u ? exponential : euler;
}

}  // namespace self_sustained
}  // namespace nb
