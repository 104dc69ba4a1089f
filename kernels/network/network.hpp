// Spiking E/I networks of conductance-based LIF neurons (docs/models/network.md: Vogels & Abbott 2005, Brette et al.
// 2007 benchmark 1 "COBA"), many networks per run:
//
//     C dV/dt = G_L (E_L - V) + g_e (E_e - V) + g_i (E_i - V) + I_ext
//     dg_e/dt = -g_e / tau_e,  dg_i/dt = -g_i / tau_i;  a spike of an E (I) cell adds w_e (w_i) to g_e (g_i) of
//     its targets `delay` steps later; Poisson kick (first kick_ms) and external drive add kick_w / ext_w to g_e.
//
// Neurons 0 .. N_E - 1 are excitatory, N_E .. N - 1 inhibitory. Step n of neuron j:
//   (a) arrivals: g_e += w_e * (E spikes arriving at step n), g_i += w_i * (I spikes); Poisson events likewise
//   (b) V: refractory -> held at V_reset, else forward Euler with the conductances after (a)
//   (c) threshold: V >= V_th -> spike at step n (stamped (n + 1) dt), V = V_reset, refractory t_ref
//   (d) decay: g *= exp(-dt / tau) (factors computed in double on the host; 0 once subnormal: subnormal.hpp)
//   (e) the spike is pushed to the targets' arrival counters of step n + delay.
//
// Determinism: arrivals are integer counts. A spike adds 1 to each target's counter (atomically on the GPU), and
// a conductance receives w times the count, so the order in which spikes are pushed (threads, atomics) cannot
// change a single bit. It costs one integer counter per neuron, per population and per pending delay slot, and one
// multiply per step; weights are therefore per population and per network (not per synapse).
//
// Connectivity: each ordered pair (i, j), i != j, with probability p. Targets of neuron i are drawn by geometric
// skipping: gap = floor(log(u) / log(1 - p)) with u the m-th uniform of (key, instance, neuron i,
// RandomStream::network_connectivity), so building costs O(p N^2) draws, identically on every backend. The
// result is a CSR out-list per network (offsets (N + 1), targets (synapses)), or one shared by every network.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common/exact_math.hpp"
#include "kernels/common/hd.hpp"
#include "kernels/common/math_mode.hpp"
#include "kernels/common/random.hpp"
#include "kernels/common/subnormal.hpp"

namespace nb {
namespace network {

// Per-network coefficients, (n,) each.
#define NB_NETWORK_COEFFICIENTS(X)                                                                             \
  X(float, dt_over_C) X(float, G_L_nS) X(float, E_L_mV) X(float, V_th_mV) X(float, V_reset_mV) X(float, E_e_mV) \
  X(float, E_i_mV) X(float, decay_e) X(float, decay_i) X(float, w_e_nS) X(float, w_i_nS) X(float, I_ext_pA)   \
  X(std::uint32_t, refractory_steps) X(std::uint32_t, kick_steps) X(std::uint32_t, kick_threshold)          \
  X(float, kick_w_nS) X(std::uint32_t, ext_threshold) X(float, ext_w_nS) X(std::uint32_t, kinetic)              \
  X(float, g_max_e_nS) X(float, g_max_i_nS) X(float, log_keep_e) X(float, log_keep_i)

struct Coefficients {
#define NB_FIELD(type, name) type name;
  NB_NETWORK_COEFFICIENTS(NB_FIELD)
#undef NB_FIELD
};

// Per-neuron state, (n * N,) each, network-major.
struct NeuronState {
  float V_mV, g_e_nS, g_i_nS;
  std::uint32_t refractory_left;
};

// ---- Connectivity -------------------------------------------------------------------------------------------

// The skip generator of neuron i's targets: calls f(j) for every target in increasing j; returns the count.
// log(1 - p) is passed in (host double, rounded to float: the same number on every backend).
template <class F>
NB_HD std::uint32_t for_each_target(std::uint64_t key, std::uint64_t instance, std::uint32_t i, std::uint32_t N,
                                    float log_1mp, bool all, F f) {
  std::uint32_t count = 0;
  if (all) {  // p = 1
    for (std::uint32_t j = 0; j < N; ++j) {
      if (j != i) {
        f(j);
        ++count;
      }
    }
    return count;
  }
  if (!(log_1mp < 0.0f)) return 0;  // p = 0
  // Candidates are the N - 1 neurons other than i, indexed 0 .. N - 2; candidate k is neuron k + (k >= i).
  std::uint64_t k = 0;
  Philox4x32Words w{};
  for (std::uint32_t m = 0;; ++m) {
    if ((m & 3u) == 0u) w = random_words(key, instance, i, RandomStream::network_connectivity, m >> 2);
    const float u = uniform_open01(w.w[m & 3u]);
    const float gap = exact::log(u) / log_1mp;  // >= 0
    if (!(gap < float(N))) break;               // beyond every candidate
    k += static_cast<std::uint64_t>(gap);
    if (k >= N - 1u) break;
    const std::uint32_t j = static_cast<std::uint32_t>(k) + (static_cast<std::uint32_t>(k) >= i ? 1u : 0u);
    f(j);
    ++count;
    ++k;
  }
  return count;
}

// Fixed in-degree: the K distinct inputs of cell j by Floyd's sampling, as candidates 0 .. N - 2 (candidate k is
// cell k + (k >= j)) in the order drawn, into chosen[0 .. K). Draw m is word m % 4 of Philox block m / 4 of
// (key, instance, cell j, RandomStream::network_indegree), scaled to [0, t] in double (one rounded product, an
// exact division by 2^32: the same integer on every backend). Whether a draw was taken before is looked up in
// `seen`, a zeroed bitmap of N - 1 bits (left zeroed again), where one is given: O(K) per cell, as the host
// builds lists; without one (a GPU thread has no room for it) by a linear search of the draws so far: O(K^2),
// fine for in-degrees of a few thousand. The lookup cannot change the result.
NB_HD void draw_inputs(std::uint64_t key, std::uint64_t instance, std::uint32_t j, std::uint32_t N, std::uint32_t K,
                       std::uint32_t* chosen, std::uint64_t* seen = nullptr) {
  Philox4x32Words w{};
  std::uint32_t m = 0;
  for (std::uint32_t t = N - 1u - K; t < N - 1u; ++t, ++m) {
    if ((m & 3u) == 0u) w = random_words(key, instance, j, RandomStream::network_indegree, m >> 2);
    const std::uint32_t r = static_cast<std::uint32_t>(double(w.w[m & 3u]) * double(t + 1u) / 4294967296.0);
    bool taken = false;
    if (seen != nullptr) {
      taken = ((seen[r >> 6] >> (r & 63u)) & 1u) != 0u;
    } else {
      for (std::uint32_t q = 0; q < m; ++q) taken |= chosen[q] == r;
    }
    chosen[m] = taken ? t : r;  // t is new: every earlier draw is below it
    if (seen != nullptr) seen[chosen[m] >> 6] |= std::uint64_t(1) << (chosen[m] & 63u);
  }
  if (seen != nullptr) {
    for (std::uint32_t q = 0; q < K; ++q) seen[chosen[q] >> 6] &= ~(std::uint64_t(1) << (chosen[q] & 63u));
  }
}

// The cell a candidate of cell j's inputs stands for (the candidates skip j itself).
NB_HD std::uint32_t input_cell(std::uint32_t candidate, std::uint32_t j) { return candidate + (candidate >= j ? 1u : 0u); }

// ---- One step of one neuron ---------------------------------------------------------------------------------

// Bernoulli Poisson event of a step: word < threshold (rate dt as a 32-bit fraction). The word of step n is word
// n % 4 of block n / 4, so one Philox call serves 4 steps of a cell (the CPU keeps the 4 words, the GPU redraws).
NB_HD std::uint32_t poisson_from_word(std::uint32_t word, std::uint32_t threshold) { return word < threshold ? 1u : 0u; }

NB_HD std::uint32_t poisson_event(std::uint64_t seed, std::uint64_t instance, std::uint32_t neuron, RandomStream s,
                                  std::uint32_t step, std::uint32_t threshold) {
  const Philox4x32Words w = random_words(seed, instance, neuron, s, step >> 2);
  // Word step % 4 by selects: a dynamic index would put the words in GPU local memory.
  const std::uint32_t k = step & 3u;
  const std::uint32_t word = k == 0u ? w.w[0] : (k == 1u ? w.w[1] : (k == 2u ? w.w[2] : w.w[3]));
  return poisson_from_word(word, threshold);
}

// Steps (a) to (d) for neuron j at step n; returns whether it spiked. in_e, in_i: arriving spike counts;
// kick, ext: Poisson events (0 or 1).
// Kinetic (saturating) synapses: each arriving spike moves the conductance a fraction `jump` of the way to g_max,
// g <- g_max - (g_max - g) (1 - jump)^k for k arrivals (the kinetic synapse of docs/models/synapse.md with a short
// transmitter pulse, aggregated over a cell's synapses of one kind); exponential synapses add w k.
template <class Math, bool Kinetic>
NB_HD bool neuron_step(const Coefficients& c, NeuronState& s, std::uint32_t in_e, std::uint32_t in_i,
                       std::uint32_t kick, std::uint32_t ext) {
  // Counts converted through int32 (exact below 2^31): unsigned conversions are not vector instructions everywhere.
  const auto to_float = [](std::uint32_t k) { return static_cast<float>(static_cast<std::int32_t>(k)); };
  if (Kinetic) {
    // (1 - jump)^k; k = 0 is selected to 1 (0 x log(0) would be NaN for jump = 1).
    const float keep_e = select(in_e == 0u, 1.0f, Math::exp(to_float(in_e) * c.log_keep_e));
    const float keep_i = select(in_i == 0u, 1.0f, Math::exp(to_float(in_i) * c.log_keep_i));
    s.g_e_nS = c.g_max_e_nS - (c.g_max_e_nS - s.g_e_nS) * keep_e;
    s.g_i_nS = c.g_max_i_nS - (c.g_max_i_nS - s.g_i_nS) * keep_i;
  } else {
    s.g_e_nS = s.g_e_nS + c.w_e_nS * to_float(in_e);
    s.g_i_nS = s.g_i_nS + c.w_i_nS * to_float(in_i);
  }
  s.g_e_nS = (s.g_e_nS + c.kick_w_nS * to_float(kick)) + c.ext_w_nS * to_float(ext);
  const float current_pA = ((c.G_L_nS * (c.E_L_mV - s.V_mV) + s.g_e_nS * (c.E_e_mV - s.V_mV)) +
                            s.g_i_nS * (c.E_i_mV - s.V_mV)) + c.I_ext_pA;  // nS mV = pA
  // Branch-free (selects, no short-circuit logic) so that the CPU's cell loop vectorises.
  const bool refractory = s.refractory_left > 0u;
  const float V = select(refractory, c.V_reset_mV, s.V_mV + c.dt_over_C * current_pA);
  const bool spike = (!refractory) & (V >= c.V_th_mV);
  s.V_mV = select(spike, c.V_reset_mV, V);
  const std::uint32_t counted_down = s.refractory_left - static_cast<std::uint32_t>(refractory);
  s.refractory_left = spike ? c.refractory_steps : counted_down;
  s.g_e_nS = flush_subnormal(s.g_e_nS * c.decay_e);  // in silence the conductances decay geometrically towards 0
  s.g_i_nS = flush_subnormal(s.g_i_nS * c.decay_i);
  return spike;
}

NB_HD double cv_of(std::uint32_t spikes, std::uint64_t isi_sum, std::uint64_t isi_sq_sum) {
  const double k = double(spikes) - 1.0;  // intervals
  const double mean = double(isi_sum) / k;
  const double var = (double(isi_sq_sum) - double(isi_sum) * mean) / (k - 1.0);
  return sqrt_double_portable(var > 0.0 ? var : 0.0) / mean;
}

}  // namespace network
}  // namespace nb
