// Spiking E/I networks of conductance-based LIF neurons (MODELS.md section 6: Vogels & Abbott 2005, Brette et al.
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
//   (d) decay: g *= exp(-dt / tau) (factors computed in double on the host)
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

namespace nb {
namespace network {

// Per-network coefficients, (n,) each.
#define NB_NETWORK_COEFFICIENTS(X)                                                                             \
  X(float, dt_over_C) X(float, G_L_nS) X(float, E_L_mV) X(float, V_th_mV) X(float, V_reset_mV) X(float, E_e_mV) \
  X(float, E_i_mV) X(float, decay_e) X(float, decay_i) X(float, w_e_nS) X(float, w_i_nS) X(float, I_ext_pA)   \
  X(std::uint32_t, refractory_steps) X(std::uint32_t, kick_steps) X(std::uint32_t, kick_threshold)          \
  X(float, kick_w_nS) X(std::uint32_t, ext_threshold) X(float, ext_w_nS) X(std::uint32_t, kinetic)              \
  X(float, g_max_e_nS) X(float, g_max_i_nS) X(float, log_keep_e) X(float, log_keep_i)

// Per-network results, (n,) each.
#define NB_NETWORK_OBSERVABLES(X)                                                                         \
  X(double, rate_E_Hz) X(double, rate_I_Hz) X(double, cv_E) X(double, cv_I) X(double, synchrony)           \
  X(double, last_spike_ms) X(double, sustained) X(double, spikes_total) X(double, synapses_out)

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

struct View {
  std::size_t n = 0;         // networks
  std::uint32_t N = 0, N_E = 0;
  std::uint32_t delay_steps = 1, slots = 2;  // arrival counters: `slots` = delay + 1 pending steps
#define NB_FIELD(type, name) type* name = nullptr;
  NB_NETWORK_COEFFICIENTS(NB_FIELD)
  NB_NETWORK_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  // Neurons, (n * N,): state and statistics (spike counts, ISIs in steps as exact integers, binned counts).
  float *V_mV = nullptr, *g_e_nS = nullptr, *g_i_nS = nullptr;
  std::uint32_t *refractory_left = nullptr, *spike_count = nullptr, *last_spike_step = nullptr;
  std::uint64_t *isi_sum = nullptr, *isi_sq_sum = nullptr, *bin_sq_sum = nullptr;
  std::uint32_t* bin_count = nullptr;  // spikes in the current bin
  // (n * N,) 1 if the neuron spiked in the last step; the CUDA per-cell layout keeps its step's spike list here.
  std::uint32_t* spiked = nullptr;
  // Arrivals, (n, slots, 2, N): E and I spike counts for each pending step.
  std::uint32_t* arrivals = nullptr;
  // Connectivity: offsets (networks_with_own_lists, N + 1), targets; `shared`: one list for every network.
  const std::uint64_t* offsets = nullptr;
  const std::uint32_t* targets = nullptr;
  bool shared = false;
  // Population spike counts per time bin, (n, bins, 2); rasters of the first raster_neurons neurons.
  std::uint32_t* pop_bins = nullptr;
  std::uint32_t bin_steps = 1, bins = 0;
  std::uint32_t first_bin = 0;  // statistics (rates, CV, synchrony) from bin first_bin on: the transient is left out
  std::uint32_t* last_active_step = nullptr;  // (n,) last step with a spike, +1 (0: none)
  std::uint32_t* silent = nullptr;  // (n,) CPU: 1 once the network provably cannot spike again (network_cpu.cpp)
  std::uint64_t* instance_id = nullptr;
  std::uint64_t seed = 0;
  std::uint32_t n_steps = 0;
  double dt_ms = 0;  // double: observables in ms and Hz carry no float rounding of dt
  // Traces of one neuron (trace_neuron) of traced networks: (rows, samples) of V, g_e, g_i after each step.
  std::int32_t* trace_row = nullptr;
  std::uint32_t trace_neuron = 0, trace_every = 1, trace_samples = 0;
  float *trace_V_mV = nullptr, *trace_g_e_nS = nullptr, *trace_g_i_nS = nullptr;
  // Rasters: (n, raster_capacity) spike records (neuron, step) of neurons < raster_neurons; per network (n,) the
  // slots taken (raster_fill: the CPU stops it at the capacity, the GPU may pass it by the spikes that raced for
  // the last slots) and the cut (record_raster).
  std::uint32_t raster_neurons = 0, raster_capacity = 0;
  std::uint32_t *raster_neuron = nullptr, *raster_step = nullptr, *raster_fill = nullptr, *raster_cut = nullptr;
};

NB_HD Coefficients coefficients_at(const View& v, std::size_t i) {
  Coefficients c;
#define NB_LOAD(type, name) c.name = v.name[i];
  NB_NETWORK_COEFFICIENTS(NB_LOAD)
#undef NB_LOAD
  return c;
}

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
// g <- g_max - (g_max - g) (1 - jump)^k for k arrivals (the kinetic synapse of MODELS.md section 2 with a short
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
  s.g_e_nS = s.g_e_nS * c.decay_e;
  s.g_i_nS = s.g_i_nS * c.decay_i;
  return spike;
}

// Steps (a) to (d) of cell j at step n, given its arrivals in_e and in_i: its kick and drive Poisson events, then
// neuron_step with the run's synapse kind. Draws are skipped where they cannot be events (after the kick, without a
// drive); these branches, and the synapse kind's, are the same for every cell of a network. Both GPU layouts call
// this; the CPU runs the same steps over a network's cells as one vector loop (network_cpu.cpp), with the Poisson
// words drawn once every 4 steps.
template <class Math>
NB_HD bool step_cell(const View& v, const Coefficients& c, std::uint64_t instance, std::uint32_t j, std::uint32_t n,
                     std::uint32_t in_e, std::uint32_t in_i, NeuronState& s) {
  const std::uint32_t kick =
      n < c.kick_steps ? poisson_event(v.seed, instance, j, RandomStream::network_kick, n, c.kick_threshold) : 0u;
  const std::uint32_t ext =
      c.ext_threshold != 0u ? poisson_event(v.seed, instance, j, RandomStream::network_external, n, c.ext_threshold) : 0u;
  return c.kinetic != 0u ? neuron_step<Math, true>(c, s, in_e, in_i, kick, ext)
                         : neuron_step<Math, false>(c, s, in_e, in_i, kick, ext);
}

// ---- Per-neuron bookkeeping shared by both backends ---------------------------------------------------------

NB_HD std::size_t arrival_index(const View& v, std::size_t net, std::uint32_t step, std::uint32_t pop,
                                std::uint32_t j) {
  return ((net * v.slots + step % v.slots) * 2u + pop) * v.N + j;
}

NB_HD bool traced(const View& v, std::size_t net, std::uint32_t n) {
  return v.trace_row != nullptr && v.trace_row[net] >= 0 && n % v.trace_every == 0u;
}

// A spike of neuron j at step n (stamped n + 1): inside the statistics window (steps from first_bin * bin_steps
// on), its count, ISI sums (exact integers; intervals between two spikes in the window) and bin count.
NB_HD void tally_spike(const View& v, std::size_t net, std::uint32_t j, std::uint32_t n) {
  const std::size_t at = net * v.N + j;
  const std::uint32_t stamp = n + 1u;
  if (n >= v.first_bin * v.bin_steps) {
    const std::uint32_t count = v.spike_count[at] + 1u;
    if (count > 1u) {
      const std::uint64_t isi = stamp - v.last_spike_step[at];
      v.isi_sum[at] += isi;
      v.isi_sq_sum[at] += isi * isi;
    }
    v.spike_count[at] = count;
    ++v.bin_count[at];
  }
  v.last_spike_step[at] = stamp;
}

// A spike of cell j at step n into the raster, if j is recorded, with the backend's `Atomics` (add returning the
// old value, min). Slots are taken in step order, the GPU taking one step's slots in any order (the host sorts the
// records). A spike that finds the raster full takes no slot, so the counter passes the capacity by at most the
// spikes that raced for the last slots and a long run cannot wrap it; it marks its step (stamp n + 1) as the cut
// instead. The host keeps only the spikes stamped before the first cut, every one of which found room on every
// backend, so the raster is the same on all of them.
template <class Atomics>
NB_HD void record_raster(const View& v, std::size_t net, std::uint32_t j, std::uint32_t n) {
  if (j >= v.raster_neurons) return;
  const std::uint32_t slot =
      v.raster_fill[net] < v.raster_capacity ? Atomics::add(v.raster_fill + net, 1u) : v.raster_capacity;
  if (slot < v.raster_capacity) {
    v.raster_neuron[net * v.raster_capacity + slot] = j;
    v.raster_step[net * v.raster_capacity + slot] = n + 1u;
  } else {
    Atomics::min(v.raster_cut + net, n + 1u);
  }
}

// Atomics for one thread at a time: the CPU, and the host's runs of the GPU layouts (network_layouts.hpp).
struct SequentialAtomics {
  NB_HD static std::uint32_t add(std::uint32_t* word, std::uint32_t value) {
    const std::uint32_t old = *word;
    *word = old + value;
    return old;
  }
  NB_HD static void min(std::uint32_t* word, std::uint32_t value) { *word = value < *word ? value : *word; }
  NB_HD static void max(std::uint32_t* word, std::uint32_t value) { *word = value > *word ? value : *word; }
};

// Whether step n closes a bin of the population rates (the last bin may be shorter).
NB_HD bool closes_bin(const View& v, std::uint32_t n) { return (n + 1u) % v.bin_steps == 0u || n + 1u == v.n_steps; }

// At the end of a bin: the single-cell variance's sum of squared counts.
NB_HD void close_bin(const View& v, std::size_t net, std::uint32_t j) {
  const std::size_t at = net * v.N + j;
  const std::uint64_t k = v.bin_count[at];
  v.bin_sq_sum[at] += k * k;
  v.bin_count[at] = 0u;
}

// Trace sample after step n of the traced cell of network `net`, whose state after the step is s.
NB_HD void record_trace(const View& v, std::size_t net, std::uint32_t n, const NeuronState& s) {
  if (!traced(v, net, n + 1u)) return;
  const std::size_t k = static_cast<std::size_t>(v.trace_row[net]) * v.trace_samples + (n + 1u) / v.trace_every;
  v.trace_V_mV[k] = s.V_mV;
  v.trace_g_e_nS[k] = s.g_e_nS;
  v.trace_g_i_nS[k] = s.g_i_nS;
}

// The same, from the stored state.
NB_HD void record_trace(const View& v, std::size_t net, std::uint32_t n) {
  if (!traced(v, net, n + 1u)) return;
  const std::size_t at = net * v.N + v.trace_neuron;
  record_trace(v, net, n, NeuronState{v.V_mV[at], v.g_e_nS[at], v.g_i_nS[at], v.refractory_left[at]});
}

// The out-list of neuron j of network `net`.
NB_HD void out_list(const View& v, std::size_t net, std::uint32_t j, std::uint64_t& begin, std::uint64_t& end) {
  const std::size_t list = v.shared ? 0u : net;
  begin = v.offsets[list * (v.N + 1u) + j];
  end = v.offsets[list * (v.N + 1u) + j + 1u];
}

NB_HD double cv_of(std::uint32_t spikes, std::uint64_t isi_sum, std::uint64_t isi_sq_sum) {
  const double k = double(spikes) - 1.0;  // intervals
  const double mean = double(isi_sum) / k;
  const double var = (double(isi_sq_sum) - double(isi_sum) * mean) / (k - 1.0);
  return sqrt_double_portable(var > 0.0 ? var : 0.0) / mean;
}

NB_HD void finalize_at(const View& v, std::size_t i) {
  const double nan = bits_double_nan();
  const std::uint32_t window_begin = v.first_bin * v.bin_steps;
  const double T_s = double(v.n_steps - window_begin) * v.dt_ms * 1e-3;
  const double bins = double(v.bins - v.first_bin);
  double spikes[2] = {0, 0}, cv_sum[2] = {0, 0}, cv_n[2] = {0, 0}, var_sum = 0;
  for (std::uint32_t j = 0; j < v.N; ++j) {
    const std::size_t at = i * v.N + j;
    const std::uint32_t pop = j < v.N_E ? 0u : 1u;
    const std::uint32_t k = v.spike_count[at];
    spikes[pop] += k;
    if (k >= 3u) {
      cv_sum[pop] += cv_of(k, v.isi_sum[at], v.isi_sq_sum[at]);
      cv_n[pop] += 1.0;
    }
    const double mean_count = double(k) / bins;
    var_sum += double(v.bin_sq_sum[at]) / bins - mean_count * mean_count;
  }
  // Synchrony: variance over bins of the population count per neuron, over the mean single-neuron variance.
  double pop_sum = 0, pop_sq = 0;
  for (std::uint32_t b = v.first_bin; b < v.bins; ++b) {
    const std::size_t at = (i * v.bins + b) * 2u;
    const double a = double(v.pop_bins[at] + v.pop_bins[at + 1u]) / double(v.N);
    pop_sum += a;
    pop_sq += a * a;
  }
  const double pop_mean = pop_sum / bins;
  const double pop_var = pop_sq / bins - pop_mean * pop_mean;
  const double mean_var = var_sum / double(v.N);
  const std::uint32_t N_I = v.N - v.N_E;
  v.rate_E_Hz[i] = v.N_E > 0u ? spikes[0] / (double(v.N_E) * T_s) : nan;
  v.rate_I_Hz[i] = N_I > 0u ? spikes[1] / (double(N_I) * T_s) : nan;
  v.cv_E[i] = cv_n[0] > 0.0 ? cv_sum[0] / cv_n[0] : nan;
  v.cv_I[i] = cv_n[1] > 0.0 ? cv_sum[1] / cv_n[1] : nan;
  v.synchrony[i] = mean_var > 0.0 ? pop_var / mean_var : nan;
  const std::uint32_t last = v.last_active_step[i];
  v.last_spike_ms[i] = last > 0u ? double(last) * v.dt_ms : nan;
  v.sustained[i] = last + v.bin_steps > v.n_steps ? 1.0 : 0.0;  // spiked within the last bin
  v.spikes_total[i] = spikes[0] + spikes[1];
  const std::size_t list = v.shared ? 0u : i;
  v.synapses_out[i] = double(v.offsets[list * (v.N + 1u) + v.N] - v.offsets[list * (v.N + 1u)]);
}

// The pairwise rule's out-lists of `lists` networks, built on the GPU by the same generator as the host's
// network_connectivity. Per list: the instance that keys it (0 when shared), log(1 - p) as float, and whether
// p = 1. count_pairwise_cuda writes the (lists, N + 1) offsets (out-degrees, one thread per cell, then a scan) and
// returns the synapse count; fill_pairwise_cuda then writes that many targets.
struct PairwiseLists {
  std::size_t lists = 0;
  std::uint32_t N = 0;
  std::uint64_t key = 0;
  const std::uint64_t* instance = nullptr;
  const float* log_1mp = nullptr;
  const std::uint32_t* all = nullptr;
};
std::uint64_t count_pairwise_cuda(const PairwiseLists& lists, std::uint64_t* offsets);
void fill_pairwise_cuda(const PairwiseLists& lists, const std::uint64_t* offsets, std::uint32_t* targets);

// The fixed in-degree rule's out-lists of `lists` networks, built on the GPU by draw_inputs, as the host builds
// them: per list, every cell's K inputs (one thread per cell), then a stable sort of the (input, cell) pairs by
// input, which leaves each out-list in increasing target order. Host arrays, per list: the keying instance and K.
// Writes the (lists, N + 1) offsets and the N sum(K) targets; the caller has checked that they fit, with
// indegree_scratch_bytes(N, max K) of scratch on top.
struct IndegreeLists {
  std::size_t lists = 0;
  std::uint32_t N = 0;
  std::uint64_t key = 0;
  const std::uint64_t* instance = nullptr;
  const std::uint32_t* K = nullptr;
};
std::size_t indegree_scratch_bytes(std::uint32_t N, std::uint32_t K_max);
void build_indegree_cuda(const IndegreeLists& lists, std::uint64_t* offsets, std::uint32_t* targets);

void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads);
void finalize_cpu(const View& v, double dt_ms, std::uint32_t n_steps, int threads);
// How the CUDA launchers lay out a call (network_cuda.cuh), from the run options --network-layout and
// --network-cells-per-thread: the results are the same bits either way.
struct CudaLaunch {
  enum class Layout { automatic, per_cell, per_network } layout = Layout::automatic;
  std::uint32_t cells_per_thread = 0;  // per-network layout: 1, 2, 4, 8 or 16; 0: the fewest that fit
};
void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end, const CudaLaunch& launch);
void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end, const CudaLaunch& launch);
void finalize_cuda(const View& v, double dt_ms, std::uint32_t n_steps);


}  // namespace network
}  // namespace nb
