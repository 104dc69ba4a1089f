// Conductance-driven LIF launchers and the structure-of-arrays View they take (plain pointers, no CUDA types).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/lif_cond/lif_cond.hpp"

namespace nb {
namespace lif_cond {

// Per-instance inputs, (n,) each.
#define NB_LIF_COND_INPUTS(X)                                                                                       \
  X(std::uint64_t, instance_id)                                                                                     \
  X(float, G_L_nS) X(float, V_L_mV) X(float, I_pA) X(float, dt_over_C) X(float, noise_mV) X(float, V_reset_mV)     \
  X(float, V_th_mV) X(float, V_spike_mV) X(std::uint32_t, refractory_steps) X(std::uint32_t, exponential)          \
  X(float, mg_over_357) X(float, g_AMPA_nS) X(float, E_AMPA_mV) X(float, g_NMDA_nS) X(float, E_NMDA_mV)           \
  X(float, g_GABA_nS) X(float, E_GABA_mV) X(float, decay_A) X(float, keep_A) X(float, decay_N) X(float, keep_N)   \
  X(float, decay_G) X(float, keep_G) X(std::uint32_t, K_E) X(std::uint32_t, K_I) X(std::uint32_t, threshold_E)    \
  X(std::uint32_t, threshold_I) X(std::uint32_t, transient_steps) X(std::int32_t, trace_row)                       \
  X(std::int32_t, spike_row)

// Per-instance state, (n,) each (initial values from the host).
#define NB_LIF_COND_STATE(X)                                                                                        \
  X(float, V_mV) X(std::uint32_t, refractory_left) X(std::uint32_t, spike_count) X(std::uint32_t, first_spike_step) \
  X(std::uint32_t, last_spike_step) X(std::uint64_t, isi_sq_sum) X(float, sum_A) X(float, sum_N) X(float, sum_G)  \
  X(double, V_sum) X(double, V_sq_sum) X(double, A_sum) X(double, A_sq_sum) X(double, N_sum) X(double, N_sq_sum)    \
  X(double, G_sum) X(double, G_sq_sum)

// Observables, (n,) each, in the model's order after spike_count (which is state).
#define NB_LIF_COND_OBSERVABLES(X)                                                                                  \
  X(double, rate_Hz) X(double, first_spike_ms) X(double, isi_mean_ms) X(double, isi_sd_ms) X(double, isi_cv)        \
  X(double, V_mean_mV) X(double, V_sd_mV) X(double, g_AMPA_mean_nS) X(double, g_AMPA_sd_nS)                        \
  X(double, g_NMDA_mean_nS) X(double, g_NMDA_sd_nS) X(double, g_GABA_mean_nS) X(double, g_GABA_sd_nS)

struct View {
  std::size_t n = 0;
  std::uint64_t seed = 0;
  bool noisy = false;
  std::uint32_t K_E_max = 0, K_I_max = 0;  // gate arrays are (K_max, n): synapse k of instance i at k * n + i
#define NB_FIELD(type, name) type* name = nullptr;
  NB_LIF_COND_INPUTS(NB_FIELD)
  NB_LIF_COND_STATE(NB_FIELD)
  NB_LIF_COND_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  float *s_A = nullptr, *s_N = nullptr, *s_G = nullptr;  // gates
  // Traces (rows, trace_samples), sample k at step k * trace_every; null when not traced
  float *trace_V_mV = nullptr, *trace_g_AMPA_nS = nullptr, *trace_g_NMDA_nS = nullptr, *trace_g_GABA_nS = nullptr;
  std::uint32_t trace_every = 1, trace_samples = 0;
  std::uint32_t* spike_steps = nullptr;  // (rows, spike_capacity)
  std::uint32_t spike_capacity = 0;

  NB_HD bool tracing() const { return trace_V_mV != nullptr; }
  bool recording() const { return trace_V_mV != nullptr || spike_steps != nullptr; }
};

NB_HD Membrane membrane_at(const View& v, std::size_t i) {
  return Membrane{v.G_L_nS[i],     v.V_L_mV[i],  v.I_pA[i],           v.dt_over_C[i],  v.noise_mV[i],
                  v.V_reset_mV[i], v.V_th_mV[i], v.refractory_steps[i], v.exponential[i], v.mg_over_357[i]};
}

NB_HD lif::State lif_state_at(const View& v, std::size_t i) {
  return lif::State{v.V_mV[i], v.refractory_left[i], v.spike_count[i], v.first_spike_step[i], v.last_spike_step[i],
                    v.isi_sq_sum[i]};
}

NB_HD void store_lif_state(const View& v, std::size_t i, const lif::State& s) {
  v.V_mV[i] = s.V_mV;
  v.refractory_left[i] = s.refractory_left;
  v.spike_count[i] = s.spike_count;
  v.first_spike_step[i] = s.first_spike_step;
  v.last_spike_step[i] = s.last_spike_step;
  v.isi_sq_sum[i] = s.isi_sq_sum_steps2;
}

NB_HD Moments moments_at(const View& v, std::size_t i) {
  return Moments{v.V_sum[i], v.V_sq_sum[i], v.A_sum[i], v.A_sq_sum[i],
                 v.N_sum[i], v.N_sq_sum[i], v.G_sum[i], v.G_sq_sum[i]};
}

NB_HD void store_moments(const View& v, std::size_t i, const Moments& m) {
  v.V_sum[i] = m.V_sum;
  v.V_sq_sum[i] = m.V_sq_sum;
  v.A_sum[i] = m.A_sum;
  v.A_sq_sum[i] = m.A_sq_sum;
  v.N_sum[i] = m.N_sum;
  v.N_sq_sum[i] = m.N_sq_sum;
  v.G_sum[i] = m.G_sum;
  v.G_sq_sum[i] = m.G_sq_sum;
}

NB_HD Conductances conductances_at(const View& v, std::size_t i) {
  return Conductances{v.g_AMPA_nS[i] * v.sum_A[i], v.g_NMDA_nS[i] * v.sum_N[i], v.g_GABA_nS[i] * v.sum_G[i]};
}

// Trace sample k: V (V_spike at a spike step) and the conductances in force during the step that ended there.
NB_HD void record_sample(const View& v, std::size_t i, float V_mV, const Conductances& g, float mg, std::uint32_t k) {
  const std::size_t at = static_cast<std::size_t>(v.trace_row[i]) * v.trace_samples + k;
  v.trace_V_mV[at] = V_mV;
  v.trace_g_AMPA_nS[at] = g.A_nS;
  v.trace_g_NMDA_nS[at] = g.N_nS * mg;
  v.trace_g_GABA_nS[at] = g.G_nS;
}

// `spiked`: the neuron fired at this step (drawn in traces); `counted`: the spike falls after the transient and
// was tallied, so it is also stored in the spike-time buffer.
NB_HD void record_step(const View& v, std::size_t i, const lif::State& s, const Conductances& g, float mg, bool spiked,
                       bool counted, std::uint32_t t_after) {
  if (v.tracing() && v.trace_row[i] >= 0 && t_after % v.trace_every == 0u) {
    record_sample(v, i, spiked ? v.V_spike_mV[i] : s.V_mV, g, mg, t_after / v.trace_every);
  }
  if (counted && v.spike_steps != nullptr && v.spike_row[i] >= 0 && s.spike_count <= v.spike_capacity) {
    v.spike_steps[static_cast<std::size_t>(v.spike_row[i]) * v.spike_capacity + (s.spike_count - 1u)] = t_after;
  }
}

// Advances the gates of one population of instance i by one step and returns their new sum(s). `word(k)` gives
// synapse k's random word for this step. Excitatory synapses carry an AMPA and an NMDA gate.
template <class WordOf>
NB_HD void excitatory_gates(const View& v, std::size_t i, WordOf word, float& sum_A, float& sum_N) {
  sum_A = 0.0f;
  sum_N = 0.0f;
  for (std::uint32_t k = 0; k < v.K_E_max; ++k) {
    const bool spike = k < v.K_E[i] && word(k) < v.threshold_E[i];
    const std::size_t at = static_cast<std::size_t>(k) * v.n + i;
    const float a = synapse::gate_step(v.s_A[at], v.decay_A[i], v.keep_A[i], spike);
    const float b = synapse::gate_step(v.s_N[at], v.decay_N[i], v.keep_N[i], spike);
    v.s_A[at] = a;
    v.s_N[at] = b;
    sum_A += a;
    sum_N += b;
  }
}

template <class WordOf>
NB_HD float inhibitory_gates(const View& v, std::size_t i, WordOf word) {
  float sum = 0.0f;
  for (std::uint32_t k = 0; k < v.K_I_max; ++k) {
    const bool spike = k < v.K_I[i] && word(k) < v.threshold_I[i];
    const std::size_t at = static_cast<std::size_t>(k) * v.n + i;
    const float g = synapse::gate_step(v.s_G[at], v.decay_G[i], v.keep_G[i], spike);
    v.s_G[at] = g;
    sum += g;
  }
  return sum;
}

// The word of step t (= index t % 4) from a block of four, by selects (a dynamic index would leave registers).
NB_HD std::uint32_t word_of_step(const Philox4x32Words& w, std::uint32_t t) {
  const std::uint32_t k = t & 3u;
  return k == 0u ? w.w[0] : (k == 1u ? w.w[1] : (k == 2u ? w.w[2] : w.w[3]));
}

// Spikes are tallied after the transient only, so the rate is over the remaining window.
NB_HD bool counted_spike(const View& v, std::size_t i, bool spiked, std::uint32_t t_after) {
  return spiked && t_after > v.transient_steps[i];
}

NB_HD void finalize_at(const View& v, std::size_t i, double dt_ms, std::uint32_t n_steps) {
  const lif::Observables o = lif::lif_finalize(lif_state_at(v, i), dt_ms, n_steps - v.transient_steps[i]);
  v.rate_Hz[i] = o.rate_Hz;
  v.first_spike_ms[i] = o.first_spike_ms;
  v.isi_mean_ms[i] = o.isi_mean_ms;
  v.isi_sd_ms[i] = o.isi_sd_ms;
  v.isi_cv[i] = o.isi_cv;
  const Moments m = moments_at(v, i);
  const double samples = static_cast<double>(n_steps - v.transient_steps[i]);
  mean_sd(m.V_sum, m.V_sq_sum, samples, v.V_mean_mV[i], v.V_sd_mV[i]);
  mean_sd(m.A_sum, m.A_sq_sum, samples, v.g_AMPA_mean_nS[i], v.g_AMPA_sd_nS[i]);
  mean_sd(m.N_sum, m.N_sq_sum, samples, v.g_NMDA_mean_nS[i], v.g_NMDA_sd_nS[i]);
  mean_sd(m.G_sum, m.G_sq_sum, samples, v.g_GABA_mean_nS[i], v.g_GABA_sd_nS[i]);
}

// ---- CPU reference (lif_cond_cpu.cpp) ----
void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads);
void finalize_cpu(const View& v, double dt_ms, std::uint32_t n_steps, int threads);

// ---- CUDA (lif_cond_cuda_exact.cu / lif_cond_cuda_fast.cu); device pointers ----
void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void finalize_cuda(const View& v, double dt_ms, std::uint32_t n_steps);

}  // namespace lif_cond
}  // namespace nb
