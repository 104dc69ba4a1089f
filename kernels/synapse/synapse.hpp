// Kinetic synapse: the one source of truth for its math (docs/models/synapse.md).
//
//     ds/dt = alpha sum_j delta(t - t_j) (1 - s) - s / tau_s
//
// Both parts are integrated exactly, with factors the host computes once in double:
//     between spikes  s <- s * decay,               decay = exp(-dt / tau_s)   (0 once subnormal: subnormal.hpp)
//     at a spike      s <- 1 - (1 - s) * keep,      keep  = exp(-alpha)        (s+ = 1 - (1 - s-) e^-alpha)
// Update order within a step: decay first, then the jump if the presynaptic neuron spiked during the step. s is
// sampled after the step. For a Poisson train with spike probability p = r dt per step this discrete process has
// the exact stationary mean  p q / (1 - decay (1 - p q)),  q = 1 - keep, which tends to r tau q / (1 + r tau q) as
// dt -> 0 (tests/test_synapse.cpp checks both).
//
// s_mean is the mean of these end-of-step samples (each taken right after any jump). For a given spike train it
// exceeds the continuous-time average of the same trajectory by the factor (dt/tau) / (1 - exp(-dt/tau)) (1.26%
// for AMPA at dt = 0.05 ms; experiments/synapse/ shows it); the tests compare against these discrete values.
//
// Presynaptic trains (one per instance):
//   periodic: a fixed-point phase accumulator (2^32 = one period) in 64 bits, phase += ceil(r dt 2^32) each
//             step; a spike when it reaches 2^32 (integer arithmetic: identical everywhere; rounding the increment
//             up keeps a spike due exactly on a step from slipping to the next; r dt = 1 fires every step; the
//             phase at t = 0 is the fraction of the period already elapsed);
//   poisson:  one random word per step, spike when word < p 2^32 (integer comparison: p is exact to 2^-32);
//   lif:      a presynaptic LIF neuron advanced by the LIF model's own membrane_step (kernels/lif/lif.hpp).
// Whatever the train, its spikes are tallied with the LIF model's tally_spike, so the presynaptic rate and ISI
// statistics come from lif_finalize.
#pragma once

#include <cstdint>

#include "kernels/common/hd.hpp"
#include "kernels/common/random.hpp"
#include "kernels/common/subnormal.hpp"
#include "kernels/lif/lif.hpp"

namespace nb {
namespace synapse {

enum Train : std::uint32_t { kPeriodic = 0, kPoisson = 1, kLif = 2 };

struct Coefficients {
  float decay;                       // exp(-dt / tau_s)
  float keep;                        // exp(-alpha)
  std::uint32_t train;               // Train
  std::uint64_t phase_increment;     // periodic: ceil(r dt 2^32), one period = 2^32
  std::uint32_t poisson_threshold;   // poisson: round(r dt 2^32), saturating
  lif::Coefficients pre;             // lif: the presynaptic neuron
  std::uint32_t transient_steps;     // statistics use steps t_after > transient_steps
};

// The synapse's own state. The presynaptic side is a separate lif::State (membrane for the lif train, spike
// tally for every train): kept apart rather than nested so that gcc can scalarise both in the CPU lane loop.
struct State {
  float s;
  float s_peak;
  std::uint64_t phase;  // periodic train, in [0, 2^32): 2^32 = one period
  double s_sum;     // over sampled steps
  double s_sq_sum;
};

// Gating update for one step; `spike`: the presynaptic neuron fired during the step.
NB_HD float gate_step(float s, float decay, float keep, bool spike) {
  // Between spikes s decays geometrically towards 0; the flush comes last, after the spike's select, because
  // gcc's vectoriser gave up on lif_cond's gate loops with it inside (a jump leaves s normal either way).
  const float decayed = s * decay;
  return flush_subnormal(spike ? 1.0f - (1.0f - decayed) * keep : decayed);
}

NB_HD float gate(float s, const Coefficients& c, bool spike) { return gate_step(s, c.decay, c.keep, spike); }

NB_HD bool periodic_spike(std::uint64_t& phase, std::uint64_t increment) {
  constexpr std::uint64_t kPeriod = std::uint64_t(1) << 32;
  const std::uint64_t next = phase + increment;
  const bool spike = next >= kPeriod;
  phase = spike ? next - kPeriod : next;
  return spike;
}

NB_HD bool poisson_spike(std::uint32_t word, std::uint32_t threshold) { return word < threshold; }

// The rest of a step once the presynaptic spike is known: tally, gate, statistics.
NB_HD void finish_step(State& st, lif::State& pre, const Coefficients& c, bool spike, std::uint32_t t_after) {
  lif::tally_spike(pre, spike, t_after);
  st.s = gate(st.s, c, spike);
  const bool sampled = t_after > c.transient_steps;
  st.s_sum += sampled ? static_cast<double>(st.s) : 0.0;
  st.s_sq_sum += sampled ? static_cast<double>(st.s) * static_cast<double>(st.s) : 0.0;
  st.s_peak = (sampled && st.s > st.s_peak) ? st.s : st.s_peak;
}

// Presynaptic spike of this step for an instance whose train is known at compile time (the CPU specialises
// blocks whose lanes share a train; vectorising the generic version below defeats gcc).
template <Train T>
NB_HD bool presynaptic_spike_of(State& st, lif::State& pre, const Coefficients& c, std::uint32_t word, float xi) {
  if (T == kPeriodic) return periodic_spike(st.phase, c.phase_increment);
  if (T == kPoisson) return poisson_spike(word, c.poisson_threshold);
  return lif::membrane_step(pre, c.pre, xi);
}

// Presynaptic spike of this step, given the step's random inputs (a uniform word for poisson, a normal for the
// lif neuron's noise; each train ignores the other's).
NB_HD bool presynaptic_spike(State& st, lif::State& pre, const Coefficients& c, std::uint32_t word, float xi) {
  if (c.train == kPeriodic) return presynaptic_spike_of<kPeriodic>(st, pre, c, word, xi);
  if (c.train == kPoisson) return presynaptic_spike_of<kPoisson>(st, pre, c, word, xi);
  return presynaptic_spike_of<kLif>(st, pre, c, word, xi);
}

struct Observables {
  double s_mean, s_sd, s_peak, s_final;
  lif::Observables pre;
};

NB_HD Observables synapse_finalize(const State& st, const lif::State& pre, const Coefficients& c, double dt_ms,
                                   std::uint32_t n_steps) {
  Observables o;
  const double n = static_cast<double>(n_steps - c.transient_steps);
  o.s_mean = st.s_sum / n;
  const double var = st.s_sq_sum / n - o.s_mean * o.s_mean;  // population variance over the sampled steps
  o.s_sd = sqrt_double_portable(var > 0.0 ? var : 0.0);
  o.s_peak = st.s_peak;
  o.s_final = st.s;
  o.pre = lif::lif_finalize(pre, dt_ms, n_steps);
  return o;
}

// Random inputs for steps 4 block .. 4 block + 3: the Poisson train's words and the presynaptic neuron's noise.
NB_HD StreamBlock poisson_source(std::uint32_t block) {
  return StreamBlock{0u, RandomStream::synapse_poisson_train, block};
}
NB_HD StreamBlock pre_noise_source(std::uint32_t block) {
  return StreamBlock{0u, RandomStream::synapse_pre_membrane_noise, block};
}

NB_HD Philox4x32Words poisson_words(std::uint64_t seed, std::uint64_t instance, std::uint32_t block) {
  return random_words(seed, instance, poisson_source(block));
}

template <class Math>
NB_HD Normals4 pre_noise(std::uint64_t seed, std::uint64_t instance, std::uint32_t block) {
  return normals4<Math>(seed, instance, pre_noise_source(block));
}

}  // namespace synapse
}  // namespace nb
