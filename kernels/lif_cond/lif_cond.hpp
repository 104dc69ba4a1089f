// Conductance-driven LIF neuron: the one source of truth for its math (docs/models/lif.md and synapse.md).
//
//   C dV/dt = -G_L (V - V_L) - g_A (V - E_A) - g_N B(V) (V - E_N) - g_G (V - E_G) + I,   + sigma sqrt(dt) xi
//   g_A = g_AMPA sum_k s^A_k,  g_N = g_NMDA sum_k s^N_k  (k < K_E, excitatory inputs)
//   g_G = g_GABA sum_k s^G_k                              (k < K_I, inhibitory inputs)
//   B(V) = 1 / (1 + [Mg] exp(-0.062 V) / 3.57)           (NMDA magnesium block, Jahr & Stevens 1990; a switch)
//
// Every input synapse is a kinetic synapse of its own (kernels/synapse/synapse.hpp: exact decay, saturating jump
// s+ = 1 - (1 - s-) e^-alpha) driven by its own Poisson train, one Bernoulli(r dt) draw per synapse and step (a
// 32-bit word compared with r dt 2^32). An excitatory input spike opens its AMPA and its NMDA gate together.
//
// Step n -> n+1: the membrane moves with the conductances of step n (frozen over the step), then every gate
// advances to n+1 and the conductance sums for the next step are formed (in ascending k: a fixed order, so the
// float sums are the same on every backend). Membrane integrators:
//   exponential: V <- V_inf + (V - V_inf) exp(-dt G_tot / C), exact for conductances frozen over the step
//   euler:       V <- V + dt / C (G_tot (V_inf - V))
// with G_tot = G_L + g_A + g_N B(V) + g_G and V_inf = (G_L V_L + g_A E_A + g_N B E_N + g_G E_G + I) / G_tot.
// Spikes, refractoriness and the spike statistics are the LIF model's (threshold, reset, tally_spike).
#pragma once

#include <cstdint>

#include "kernels/common/hd.hpp"
#include "kernels/common/random.hpp"
#include "kernels/lif/lif.hpp"
#include "kernels/synapse/synapse.hpp"

namespace nb {
namespace lif_cond {

// Per-instance membrane constants.
struct Membrane {
  float G_L_nS, V_L_mV, I_nA_x1000;     // I in pA (= nS mV), so that I / G has units of mV
  float dt_over_C;                       // dt / C, scaled so that dt_over_C * G_nS is dimensionless
  float noise_mV;                        // sigma sqrt(dt)
  float V_reset_mV, V_th_mV;
  std::uint32_t refractory_steps;
  std::uint32_t exponential;             // 1: exponential integrator, 0: Euler
  float mg_over_357;                     // [Mg] / 3.57 with the block on, 0 with it off (B = 1)
};

// One receptor type's conductance parameters.
struct Receptor {
  float g_nS;   // maximal conductance per synapse
  float E_mV;   // reversal potential
};

// The conductances of one step, from the gate sums.
struct Conductances {
  float A_nS, N_nS, G_nS;  // AMPA, NMDA (before the Mg block), GABA_A
};

// Magnesium block: 1 with the block off (mg_over_357 = 0 makes the second term vanish exactly).
template <class Math>
NB_HD float mg_block(float V_mV, float mg_over_357) {
  return 1.0f / (1.0f + mg_over_357 * Math::exp(-0.062f * V_mV));
}

// Membrane update for one step with frozen conductances; returns whether the neuron spiked.
// `mg` receives the block factor used (at the step's starting V), for the conductance statistics.
template <class Math>
NB_HD bool membrane_step(lif::State& s, const Membrane& m, const Receptor& ampa, const Receptor& nmda,
                         const Receptor& gaba, const Conductances& g, float xi, float& mg) {
  mg = mg_block<Math>(s.V_mV, m.mg_over_357);
  const float g_N_eff = g.N_nS * mg;
  const float G_tot = m.G_L_nS + g.A_nS + g_N_eff + g.G_nS;
  const float drive = m.G_L_nS * m.V_L_mV + g.A_nS * ampa.E_mV + g_N_eff * nmda.E_mV + g.G_nS * gaba.E_mV +
                      m.I_nA_x1000;
  const float V_inf = drive / G_tot;
  const float rate = m.dt_over_C * G_tot;  // dt G_tot / C
  const float factor = m.exponential != 0u ? Math::exp(-rate) : 1.0f - rate;
  lif::Coefficients c{V_inf, factor, m.noise_mV, m.V_reset_mV, m.V_th_mV, m.refractory_steps};
  return lif::membrane_step(s, c, xi);
}

// Streaming moments of V and of each conductance (over sampled steps), in double.
struct Moments {
  double V_sum, V_sq_sum, A_sum, A_sq_sum, N_sum, N_sq_sum, G_sum, G_sq_sum;
};

NB_HD void accumulate(Moments& mo, float V_mV, const Conductances& g, float mg, bool sampled) {
  const double V = V_mV, A = g.A_nS, N = static_cast<double>(g.N_nS) * mg, G = g.G_nS;
  mo.V_sum += sampled ? V : 0.0;
  mo.V_sq_sum += sampled ? V * V : 0.0;
  mo.A_sum += sampled ? A : 0.0;
  mo.A_sq_sum += sampled ? A * A : 0.0;
  mo.N_sum += sampled ? N : 0.0;
  mo.N_sq_sum += sampled ? N * N : 0.0;
  mo.G_sum += sampled ? G : 0.0;
  mo.G_sq_sum += sampled ? G * G : 0.0;
}

// Mean and population SD from streaming sums over n samples.
NB_HD void mean_sd(double sum, double sq_sum, double n, double& mean, double& sd) {
  mean = sum / n;
  const double var = sq_sum / n - mean * mean;
  sd = sqrt_double_portable(var > 0.0 ? var : 0.0);
}

// Random words for the inputs of one population: synapse k's word for step t is word (t % 4) of this block.
NB_HD StreamBlock input_source(std::uint32_t k, bool inhibitory, std::uint32_t block) {
  return StreamBlock{k, inhibitory ? RandomStream::lif_cond_inhibitory_inputs : RandomStream::lif_cond_excitatory_inputs,
                     block};
}

NB_HD Philox4x32Words input_words(std::uint64_t seed, std::uint64_t instance, std::uint32_t k, bool inhibitory,
                                  std::uint32_t block) {
  return random_words(seed, instance, input_source(k, inhibitory, block));
}

// The membrane noise of steps 4 block .. 4 block + 3.
NB_HD StreamBlock membrane_noise_source(std::uint32_t block) {
  return StreamBlock{0u, RandomStream::lif_cond_membrane_noise, block};
}

template <class Math>
NB_HD Normals4 membrane_noise(std::uint64_t seed, std::uint64_t instance, std::uint32_t block) {
  return normals4<Math>(seed, instance, membrane_noise_source(block));
}

}  // namespace lif_cond
}  // namespace nb
