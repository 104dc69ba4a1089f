// Leaky integrate-and-fire neuron: the one source of truth for its math (docs/models/lif.md).
//
//     C dV/dt = -G_L (V - V_L) + I,      V += sigma sqrt(dt) xi after each deterministic step
//
// Both integrators are the same affine map V <- V_inf + (V - V_inf) * decay with a per-instance factor the host
// computes in double (host/models/lif/lif_model.cpp):
//     exact: decay = exp(-dt/tau)   (exact for constant input between steps)
//     euler: decay = 1 - dt/tau     (the notebook's forward Euler, O(dt) error)
// so the per-step code has no transcendental function at all; only the noise needs log and sin/cos.
//
// Spike rule: a spike is recorded at step n when V > V_th after the update; V jumps to V_reset and is held there
// for `refractory_steps` steps. Time is counted in steps: a spike found while advancing from step n to n+1 is
// stamped n+1 (time (n+1) dt), so inter-spike intervals are whole numbers of steps and their sums are exact
// integers: the ISI statistics need no floating-point accumulation and are identical on every backend.
//
// The CPU loop (lif_cpu.cpp) and the CUDA kernel (lif_cuda.cuh) both call membrane_step, tally_spike and
// lif_finalize.
#pragma once

#include <cstdint>

#include "kernels/common/hd.hpp"
#include "kernels/common/random.hpp"

namespace nb {
namespace lif {

// Per-instance constants, derived from the user's parameters on the host.
struct Coefficients {
  float V_inf_mV;   // steady state V_L + I / G_L
  float decay;      // per-step factor, see above
  float noise_mV;   // sigma * sqrt(dt)
  float V_reset_mV;
  float V_th_mV;
  std::uint32_t refractory_steps;  // round(t_ref / dt)
};

// Per-instance dynamic state and the streaming spike statistics.
struct State {
  float V_mV;
  std::uint32_t refractory_left;   // steps still clamped at V_reset
  std::uint32_t spike_count;
  std::uint32_t first_spike_step;  // valid when spike_count >= 1
  std::uint32_t last_spike_step;   // valid when spike_count >= 1
  std::uint64_t isi_sq_sum_steps2; // sum of squared ISIs; exact: every ISI <= n_steps < 2^32
};

NB_HD State initial_state(float V_init_mV) { return State{V_init_mV, 0u, 0u, 0u, 0u, 0u}; }

// Adds a spike at step t_after to the streaming ISI statistics when `spike` is true; leaves them alone otherwise.
// Branch-free for the CPU lanes; the GPU calls it only for spiking threads (spike == true folds away), which keeps
// the 64-bit arithmetic off the common path. Same function, same results.
NB_HD void tally_spike(State& s, bool spike, std::uint32_t t_after) {
  const std::uint64_t isi = static_cast<std::uint64_t>(t_after - s.last_spike_step);
  const bool has_previous = s.spike_count > 0u;
  s.isi_sq_sum_steps2 += (spike && has_previous) ? isi * isi : std::uint64_t(0);
  s.first_spike_step = (spike && !has_previous) ? t_after : s.first_spike_step;
  s.last_spike_step = spike ? t_after : s.last_spike_step;
  s.spike_count += spike ? 1u : 0u;
}

// Advances the membrane of one instance by one step (from step `t_after - 1` to `t_after`). `xi` is a standard
// normal draw (ignored when noise_mV == 0, where it adds exactly +-0). Branch-free so that CPU lanes vectorise
// and GPU warps do not diverge. Returns whether the neuron spiked; the caller tallies it (tally_spike).
NB_HD bool membrane_step(State& s, const Coefficients& c, float xi) {
  const bool refractory = s.refractory_left > 0u;
  const float V_free = c.V_inf_mV + (s.V_mV - c.V_inf_mV) * c.decay + c.noise_mV * xi;
  const bool spike = !refractory && V_free > c.V_th_mV;
  s.V_mV = (refractory || spike) ? c.V_reset_mV : V_free;
  s.refractory_left = spike ? c.refractory_steps : (refractory ? s.refractory_left - 1u : 0u);
  return spike;
}

// One full step, branch-free: membrane update and spike tally. Returns whether the neuron spiked.
NB_HD bool lif_step(State& s, const Coefficients& c, float xi, std::uint32_t t_after) {
  const bool spike = membrane_step(s, c, xi);
  tally_spike(s, spike, t_after);
  return spike;
}

// Per-instance observables, written once at the end of a run. NaN where undefined: no spike (first spike,
// ISI mean), fewer than two ISIs (ISI SD and CV use the unbiased sample SD, ddof = 1).
struct Observables {
  std::uint32_t spike_count;
  double rate_Hz;
  double first_spike_ms;
  double isi_mean_ms;
  double isi_sd_ms;
  double isi_cv;
};

NB_HD Observables lif_finalize(const State& s, double dt_ms, std::uint32_t n_steps) {
  const double nan = bits_double_nan();
  Observables o;
  o.spike_count = s.spike_count;
  o.rate_Hz = static_cast<double>(s.spike_count) / (static_cast<double>(n_steps) * dt_ms * 1e-3);
  o.first_spike_ms = s.spike_count >= 1u ? static_cast<double>(s.first_spike_step) * dt_ms : nan;
  const double n_isi = static_cast<double>(s.spike_count) - 1.0;
  // Sum of ISIs telescopes to last - first; both sums are exact integers in double (< 2^53 here).
  const double sum_steps = static_cast<double>(s.last_spike_step - s.first_spike_step);
  const double mean_steps = sum_steps / n_isi;
  o.isi_mean_ms = s.spike_count >= 2u ? mean_steps * dt_ms : nan;
  double var_steps2 = (static_cast<double>(s.isi_sq_sum_steps2) - mean_steps * sum_steps) / (n_isi - 1.0);
  var_steps2 = var_steps2 > 0.0 ? var_steps2 : 0.0;  // rounding can leave -tiny when all ISIs are equal
  const double sd_steps = sqrt_double_portable(var_steps2);
  o.isi_sd_ms = s.spike_count >= 3u ? sd_steps * dt_ms : nan;
  o.isi_cv = s.spike_count >= 3u ? sd_steps / mean_steps : nan;
  return o;
}

}  // namespace lif
}  // namespace nb
