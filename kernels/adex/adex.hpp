// Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005): the one source of truth for its math
// (docs/models/adex.md).
//
//     C dV/dt = -g_L (V - E_L) + g_L Delta_T exp((V - V_T) / Delta_T) - w + I(t)
//     tau_w dw/dt = a (V - E_L) - w
//     V > V_peak:  V <- V_r, w <- w + b, V held at V_r for `refractory_steps` steps
//
// Units: pF, nS, mV, ms, pA (pA / nS = mV and pF / nS = ms, so no factor appears anywhere).
//
// One step from V, w at step n (both integrators share the code; `Exponential` picks the V update):
//   x  = min((V - V_T) / Delta_T, x_cap)            the exponent, bounded so that exp(x) cannot overflow
//   f  = -g_L (V - E_L) + g_L Delta_T exp(x) - w + I   the membrane current (pA)
//   euler:        V' = V + (dt / C) f
//   exponential:  V' = V + (dt / C) f phi1(z),  z = (dt / C) g_L (exp(x) - 1) = dt df/dV,  phi1(z) = (e^z - 1) / z
//                 (exponential Rosenbrock-Euler: exact for the V equation linearised at V, w and I frozen;
//                 stable for any dt on the leak, and it follows the exponential upswing instead of lagging it)
//   w' = w + k_w (a (V - E_L) - w),  k_w = dt / tau_w (euler) or 1 - exp(-dt / tau_w) (exponential: exact
//        relaxation towards a (V - E_L) with V frozen over the step); k_w is computed on the host in double.
//   then V' += sigma sqrt(dt) xi, and a spike when V' > V_peak.
//
// Spike rule and time stamps as in the LIF (kernels/lif/lif.hpp): a spike found while advancing from step n to
// n + 1 is stamped n + 1, so every ISI is a whole number of steps and the ISI sums are exact integers.
//
// The per-spike statistics (tally_spike) run only for spiking instances: the CPU loop calls them from a scalar
// loop over the lanes that spiked, the GPU from an `if (spiked)`. The membrane step is branch-free.
#pragma once

#include <cstdint>

#include "kernels/common/hd.hpp"
#include "kernels/common/random.hpp"

namespace nb {
namespace adex {

constexpr int kCurrentSlots = 4;  // the step current and three pulses, each [begin, end) in steps

// Firing-pattern classes written by adex_finalize (the `pattern` observable); docs/models/adex.md explains
// the rules.
enum Pattern : std::uint32_t {
  quiescent = 0,
  tonic = 1,
  adapting = 2,
  initial_burst = 3,
  regular_bursting = 4,
  accelerating = 5,  // Naud et al.'s "delayed accelerating"
  delayed_regular_bursting = 6,
  transient = 7,
  irregular = 8,
};

// Classification constants (docs/models/adex.md, "Firing patterns").
constexpr std::uint32_t kPauseRatio = 3;   // an ISI longer than 3x the previous one is a pause (ends a burst)
constexpr double kRegularPauseCv = 0.1;    // pauses this regular (and equal bursts) make a regular burster
constexpr double kAdaptingRatio = 1.2;     // last ISI / reference ISI above this: adapting; below 1/1.2: accelerating
constexpr double kDelayedFraction = 0.5;   // first spike later than half the mean pause: delayed bursting

// Per-instance constants, derived from the user's parameters on the host (host/models/adex/adex_model.cpp).
struct Coefficients {
  float dt_over_C;        // dt / C, ms/pF
  float g_L_nS;
  float g_L_Delta_T;      // g_L Delta_T, pA
  float E_L_mV;
  float V_T_mV;
  float inv_Delta_T;      // 1 / Delta_T, 1/mV
  float x_cap;            // min((V_peak - V_T) / Delta_T, kExpArgMax)
  float a_nS;
  float k_w;              // dt / tau_w (euler) or 1 - exp(-dt / tau_w) (exponential)
  float b_pA;
  float V_r_mV;
  float V_peak_mV;
  float noise_mV;         // sigma sqrt(dt)
  std::uint32_t refractory_steps;
};

// Upper bound of the exponent: exp(40) = 2.4e17. A membrane above V_T + 40 Delta_T has left any sensible
// threshold region (the exponential current there is 1e17 g_L Delta_T); bounding x keeps every term finite at
// any parameters and any dt. Below V_peak the bound only acts when V_peak - V_T > 40 Delta_T.
constexpr float kExpArgMax = 40.0f;
// Bound of z in phi1(z): expm1(80) is finite in float, and a step with z > 80 spikes anyway.
constexpr float kPhiArgMax = 80.0f;

// Per-instance dynamic state and the streaming spike statistics.
struct State {
  float V_mV;
  float w_pA;
  double w_sum_pA;                 // sum of w over the steps, for w_mean_pA
  std::uint32_t refractory_left;   // steps still clamped at V_r
  std::uint32_t spike_count;
  std::uint32_t first_spike_step;  // valid when spike_count >= 1
  std::uint32_t last_spike_step;   // valid when spike_count >= 1
};

// Statistics updated at spikes only (tally_spike), kept apart from State so the CPU lane loop carries less.
struct SpikeStats {
  std::uint64_t isi_sq_sum_steps2;  // sum of squared ISIs
  std::uint32_t isi_max_steps;
  std::uint32_t prev_isi_steps;     // the latest ISI (0: none yet)
  std::uint32_t ref_isi_steps;      // ISI number skip + 1 (0: not reached), the reference of isi_ratio
  float adapt_sum;                  // sum of (ISI_j - ISI_{j-1}) / (ISI_j + ISI_{j-1}) over j >= skip + 2
  std::uint32_t pause_count;
  std::uint32_t pause_sum_steps;
  std::uint64_t pause_sq_sum_steps2;
  std::uint32_t burst_spikes;       // spikes since the last pause (or since the first spike)
  std::uint32_t initial_burst;      // spikes before the first pause (0: no pause)
  std::uint32_t burst_size;         // size of the second burst (the one that ends at the second pause)
  std::uint32_t burst_sizes_vary;   // 1 if a later burst differs in size from the second
};

NB_HD State initial_state(float V_mV, float w_pA) { return State{V_mV, w_pA, 0.0, 0u, 0u, 0u, 0u}; }
NB_HD SpikeStats initial_stats() { return SpikeStats{0u, 0u, 0u, 0u, 0.0f, 0u, 0u, 0u, 0u, 0u, 0u, 0u}; }

// One slot of the injected current at step t: amp inside [begin, end), 0 outside. The current is the sum of the
// kCurrentSlots slots in slot order, ((I0 + I1) + I2) + I3, on every backend (current_at).
NB_HD float slot_current(std::uint32_t t, std::uint32_t begin, std::uint32_t end, float amp) {
  return (t >= begin && t < end) ? amp : 0.0f;
}

// phi1(z) = (exp(z) - 1) / z, 1 at z = 0; z is bounded above by kPhiArgMax.
template <class Math>
NB_HD float phi1(float z) {
  const float zc = z < kPhiArgMax ? z : kPhiArgMax;
  const float zs = zc == 0.0f ? 1.0f : zc;  // keeps the division defined; the select below takes 1
  return zc == 0.0f ? 1.0f : Math::div(Math::expm1(zs), zs);
}

// Advances V and w of one instance by one step with injected current I_pA and a standard normal xi (ignored when
// noise_mV == 0, where it adds exactly +-0). Branch-free. Returns whether the neuron spiked; the caller adds
// w to the running sum (accumulate_w) and tallies the spike (tally_spike).
template <class Math, bool Exponential>
NB_HD bool membrane_step(State& s, const Coefficients& c, float I_pA, float xi) {
  const bool refractory = s.refractory_left > 0u;
  const float V = s.V_mV, w = s.w_pA;
  const float x = (V - c.V_T_mV) * c.inv_Delta_T;
  const float e = Math::exp(x < c.x_cap ? x : c.x_cap);
  const float f = (c.g_L_Delta_T * e - c.g_L_nS * (V - c.E_L_mV)) + (I_pA - w);
  float dV = c.dt_over_C * f;
  if (Exponential) dV = dV * phi1<Math>(c.dt_over_C * (c.g_L_nS * (e - 1.0f)));
  const float V_free = (V + dV) + c.noise_mV * xi;
  const float w_free = w + c.k_w * (c.a_nS * (V - c.E_L_mV) - w);
  const bool spike = !refractory && V_free > c.V_peak_mV;
  s.V_mV = (refractory || spike) ? c.V_r_mV : V_free;
  s.w_pA = spike ? w_free + c.b_pA : w_free;
  s.refractory_left = spike ? c.refractory_steps : (refractory ? s.refractory_left - 1u : 0u);
  return spike;
}

NB_HD void accumulate_w(State& s) { s.w_sum_pA += static_cast<double>(s.w_pA); }

// Adds a spike at step t_after to the spike statistics. Called for spiking instances only. `skip` is the number
// of leading ISIs the adaptation index and the ISI ratio leave out.
NB_HD void tally_spike(State& s, SpikeStats& q, std::uint32_t t_after, std::uint32_t skip) {
  if (s.spike_count > 0u) {
    const std::uint32_t isi = t_after - s.last_spike_step;
    const std::uint32_t number = s.spike_count;  // this ISI is ISI number `number` (1-based)
    q.isi_sq_sum_steps2 += static_cast<std::uint64_t>(isi) * isi;
    q.isi_max_steps = isi > q.isi_max_steps ? isi : q.isi_max_steps;
    if (number >= 2u) {
      const std::uint32_t prev = q.prev_isi_steps;
      if (number >= skip + 2u) {
        q.adapt_sum += (static_cast<float>(isi) - static_cast<float>(prev)) /
                       (static_cast<float>(isi) + static_cast<float>(prev));
      }
      if (static_cast<std::uint64_t>(isi) > static_cast<std::uint64_t>(kPauseRatio) * prev) {
        q.pause_count += 1u;
        q.pause_sum_steps += isi;
        q.pause_sq_sum_steps2 += static_cast<std::uint64_t>(isi) * isi;
        if (q.pause_count == 1u) {
          q.initial_burst = q.burst_spikes;
        } else if (q.pause_count == 2u) {
          q.burst_size = q.burst_spikes;
        } else if (q.burst_spikes != q.burst_size) {
          q.burst_sizes_vary = 1u;
        }
        q.burst_spikes = 0u;
      }
    }
    if (number == skip + 1u) q.ref_isi_steps = isi;
    q.prev_isi_steps = isi;
  } else {
    s.first_spike_step = t_after;
  }
  q.burst_spikes += 1u;
  s.last_spike_step = t_after;
  s.spike_count += 1u;
}

// Per-instance observables, written once at the end of a run. NaN where undefined (as in the LIF: no spike,
// fewer than two or three ISIs; the adaptation index needs skip + 2 ISIs, the ISI ratio skip + 1).
struct Observables {
  double rate_Hz;
  double first_spike_ms;
  double isi_mean_ms;
  double isi_sd_ms;
  double isi_cv;
  double adaptation_index;
  double isi_ratio;
  double w_mean_pA;
  std::uint32_t pattern;
};

NB_HD Observables adex_finalize(const State& s, const SpikeStats& q, double dt_ms, std::uint32_t n_steps,
                                std::uint32_t skip) {
  const double nan = bits_double_nan();
  Observables o;
  const std::uint32_t n = s.spike_count;
  o.rate_Hz = static_cast<double>(n) / (static_cast<double>(n_steps) * dt_ms * 1e-3);
  o.first_spike_ms = n >= 1u ? static_cast<double>(s.first_spike_step) * dt_ms : nan;
  const double n_isi = static_cast<double>(n) - 1.0;
  const double sum_steps = static_cast<double>(s.last_spike_step - s.first_spike_step);
  const double mean_steps = sum_steps / n_isi;
  o.isi_mean_ms = n >= 2u ? mean_steps * dt_ms : nan;
  double var_steps2 = (static_cast<double>(q.isi_sq_sum_steps2) - mean_steps * sum_steps) / (n_isi - 1.0);
  var_steps2 = var_steps2 > 0.0 ? var_steps2 : 0.0;
  const double sd_steps = sqrt_double_portable(var_steps2);
  o.isi_sd_ms = n >= 3u ? sd_steps * dt_ms : nan;
  o.isi_cv = n >= 3u ? sd_steps / mean_steps : nan;
  // Naud et al. (2008): A = mean over j of (ISI_j - ISI_{j-1}) / (ISI_j + ISI_{j-1}), the first `skip` ISIs left out.
  const double terms = n_isi - static_cast<double>(skip) - 1.0;
  o.adaptation_index = terms >= 1.0 ? static_cast<double>(q.adapt_sum) / terms : nan;
  o.isi_ratio = q.ref_isi_steps > 0u ? static_cast<double>(q.prev_isi_steps) / static_cast<double>(q.ref_isi_steps)
                                     : nan;
  o.w_mean_pA = s.w_sum_pA / static_cast<double>(n_steps);

  // Firing pattern (docs/models/adex.md).
  std::uint32_t p = tonic;
  const std::uint32_t tail = n_steps - s.last_spike_step;
  if (n == 0u) {
    p = quiescent;
  } else if (2.0 * tail > static_cast<double>(n_steps) &&
             static_cast<std::uint64_t>(tail) > 3u * static_cast<std::uint64_t>(q.isi_max_steps)) {
    p = transient;
  } else if (q.pause_count >= 2u) {
    const double np = static_cast<double>(q.pause_count);
    const double pm = static_cast<double>(q.pause_sum_steps) / np;
    double pv = (static_cast<double>(q.pause_sq_sum_steps2) - pm * static_cast<double>(q.pause_sum_steps)) / (np - 1.0);
    pv = pv > 0.0 ? pv : 0.0;
    const bool regular = sqrt_double_portable(pv) < kRegularPauseCv * pm && q.burst_sizes_vary == 0u;
    const bool delayed = static_cast<double>(s.first_spike_step) > kDelayedFraction * pm;
    p = !regular ? irregular : (delayed ? delayed_regular_bursting : regular_bursting);
  } else if (q.pause_count == 1u) {
    p = initial_burst;
  } else if (q.ref_isi_steps > 0u) {
    p = o.isi_ratio > kAdaptingRatio ? adapting : (o.isi_ratio * kAdaptingRatio < 1.0 ? accelerating : tonic);
  }
  o.pattern = p;
  return o;
}

}  // namespace adex
}  // namespace nb
