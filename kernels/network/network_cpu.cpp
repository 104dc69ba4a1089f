// E/I networks on the CPU: the reference backend. OpenMP threads take whole networks; within a network each step
// updates the neurons in order, then pushes the step's spikes to their targets' arrival counters (in order of
// the spiking cell; the counts do not depend on it).
#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <vector>

#include "kernels/common/cpu_threads.hpp"
#include "kernels/network/network_kernels.hpp"

namespace nb {
namespace network {
namespace {

void push_spikes(const View& v, std::size_t net, std::uint32_t j, std::uint32_t n) {
  std::uint64_t begin, end;
  out_list(v, net, j, begin, end);
  const std::uint32_t pop = j < v.N_E ? 0u : 1u;
  std::uint32_t* counts = v.arrivals + arrival_index(v, net, n + v.delay_steps, pop, 0u);
  for (std::uint64_t k = begin; k < end; ++k) ++counts[v.targets[k]];
}

// The Poisson words of 4 steps for every cell, (4, N) per stream: one Philox call per cell every 4 steps instead of
// one per step (the words are those poisson_event would draw: the same events).
struct PoissonWords {
  std::vector<std::uint32_t> kick, ext;
};

template <bool Kick, bool Ext>
void draw_words(const View& v, std::size_t net, std::uint32_t n, PoissonWords& w) {
  const std::uint64_t instance = v.instance_id[net];
  const std::uint32_t N = v.N;
  // Cell j's 4 words of `stream` into words[k N + j], k = 0 .. 3.
  const auto draw = [&](std::uint32_t* words, RandomStream stream, std::uint32_t j) {
    const Philox4x32Words r = random_words(v.seed, instance, j, stream, n >> 2);
    for (std::uint32_t k = 0; k < 4u; ++k) words[k * N + j] = r.w[k];
  };
  std::uint32_t* const kick = w.kick.data();
  std::uint32_t* const ext = w.ext.data();
#pragma omp simd
  for (std::uint32_t j = 0; j < N; ++j) {
    if (Kick) draw(kick, RandomStream::network_kick, j);
    if (Ext) draw(ext, RandomStream::network_external, j);
  }
}

// Whether all 16 flags from `flags` on are 0.
bool none_of_16(const std::uint32_t* flags) {
  std::uint32_t any = 0u;
#pragma omp simd reduction(| : any)
  for (int k = 0; k < 16; ++k) any |= flags[k];
  return any == 0u;
}

// One step of network `net`: the cells (vector code), then the rare spikes (scalar).
template <bool Kick, bool Ext, bool Kinetic>
void step_network(const View& v, const Coefficients& c, std::size_t net, std::uint32_t n, const PoissonWords& words) {
  // step_cell (network.hpp, the GPU layouts') over the cells, with the network's arrays hoisted so that the loop is
  // plain vector code.
  const std::size_t base = net * v.N;
  std::uint32_t* const in_e = v.arrivals + arrival_index(v, net, n, 0u, 0u);
  std::uint32_t* const in_i = v.arrivals + arrival_index(v, net, n, 1u, 0u);
  float* const V = v.V_mV + base;
  float* const g_e = v.g_e_nS + base;
  float* const g_i = v.g_i_nS + base;
  std::uint32_t* const refractory = v.refractory_left + base;
  std::uint32_t* const spiked_out = v.spiked + base;
  const std::uint32_t* const kick_words = words.kick.data() + (n & 3u) * v.N;
  const std::uint32_t* const ext_words = words.ext.data() + (n & 3u) * v.N;
  const bool kicking = n < c.kick_steps;
#pragma omp simd
  for (std::uint32_t j = 0; j < v.N; ++j) {
    const std::uint32_t kick = Kick && kicking ? poisson_from_word(kick_words[j], c.kick_threshold) : 0u;
    const std::uint32_t ext = Ext ? poisson_from_word(ext_words[j], c.ext_threshold) : 0u;
    NeuronState s{V[j], g_e[j], g_i[j], refractory[j]};
    const bool spike = neuron_step<ExactMath, Kinetic>(c, s, in_e[j], in_i[j], kick, ext);
    in_e[j] = 0u;
    in_i[j] = 0u;
    V[j] = s.V_mV;
    g_e[j] = s.g_e_nS;
    g_i[j] = s.g_i_nS;
    refractory[j] = s.refractory_left;
    spiked_out[j] = spike ? 1u : 0u;
  }
  std::uint32_t fired[2] = {0u, 0u};
  const std::uint32_t* spiked = v.spiked + net * v.N;
  for (std::uint32_t j = 0; j < v.N; ++j) {
    // At 10-20 Hz a cell spikes once in hundreds of steps: skip 16 quiet cells at a time with one vector test.
    if ((j & 15u) == 0u && j + 16u <= v.N && none_of_16(spiked + j)) {
      j += 15u;
      continue;
    }
    if (spiked[j] == 0u) continue;
    tally_spike(v, net, j, n);
    ++fired[j < v.N_E ? 0 : 1];
    record_raster<SequentialAtomics>(v, net, j, n);
    push_spikes(v, net, j, n);
  }
  const std::size_t bin = (net * v.bins + n / v.bin_steps) * 2u;
  v.pop_bins[bin] += fired[0];
  v.pop_bins[bin + 1u] += fired[1];
  if (fired[0] + fired[1] > 0u) v.last_active_step[net] = n + 1u;
  if (closes_bin(v, n)) {
    for (std::uint32_t j = 0; j < v.N; ++j) close_bin(v, net, j);
  }
  record_trace(v, net, n);
}

// Whether network `net`, before step n, can provably never spike again, so that the rest of its run changes no
// output (only V and g, which are outputs of traced networks alone, and those are never skipped). Sufficient:
//  * no input ahead: no pending arrival, the kick over, no external drive;
//  * every cell stays below threshold: without arrivals g_e and g_i only decay, and forward Euler moves V a
//    fraction a = dt/C (G_L + g_e + g_i) <= 1 of the way to V_eff = (G_L E_L + g_e E_e + g_i E_i + I) / (G_L + g_e
//    + g_i), a weighted mean of B(g_e) = (G_L E_L + g_e E_e + I) / (G_L + g_e) and E_i; B is monotone in g_e, so
//    over the future it stays within B(now) and B(0) = E_L + I / G_L. So V never exceeds the largest of V(now),
//    B(now), B(0), E_i and V_reset (refractory cells), and if that is 1 mV below V_th no rounding (a few 1e-6 mV a
//    step) can carry V across it.
// Checked at bin ends only, where the remaining bins start empty (so their close_bin adds nothing).
bool can_never_spike(const View& v, const Coefficients& c, std::size_t net, std::uint32_t n) {
  if ((v.trace_row != nullptr && v.trace_row[net] >= 0) || n < c.kick_steps || c.ext_threshold != 0u) return false;
  const std::size_t words = std::size_t(v.slots) * 2u * v.N;
  const std::uint32_t* arrivals = v.arrivals + net * words;
  if (std::any_of(arrivals, arrivals + words, [](std::uint32_t k) { return k != 0u; })) return false;
  const double ceiling = double(c.V_th_mV) - 1.0;  // mV
  const double G_L = c.G_L_nS, E_L = c.E_L_mV, E_e = c.E_e_mV, I = c.I_ext_pA;
  if (E_L + I / G_L > ceiling || double(c.E_i_mV) > ceiling || double(c.V_reset_mV) > ceiling) return false;
  for (std::uint32_t j = 0; j < v.N; ++j) {
    const std::size_t at = net * v.N + j;
    const double g_e = v.g_e_nS[at], g_i = v.g_i_nS[at];
    const double B = (G_L * E_L + g_e * E_e + I) / (G_L + g_e);
    if (double(v.V_mV[at]) > ceiling || B > ceiling || double(c.dt_over_C) * (G_L + g_e + g_i) > 1.0) return false;
  }
  return true;
}

void advance_network(const View& v, std::size_t net, std::uint32_t step_begin, std::uint32_t step_end) {
  if (v.silent[net] != 0u) return;  // see can_never_spike
  const Coefficients c = coefficients_at(v, net);
  const bool ext = c.ext_threshold != 0u;  // with threshold 0 the drive's events are all 0 anyway
  const bool kinetic = c.kinetic != 0u;
  PoissonWords words;  // zeros where not drawn: a zero word is an event only for threshold > 0, i.e. when drawn
  words.kick.assign(4 * std::size_t(v.N), 0u);
  words.ext.assign(4 * std::size_t(v.N), 0u);
  for (std::uint32_t n = step_begin; n < step_end; ++n) {
    const bool kick = n < c.kick_steps;
    if (n == step_begin || (n & 3u) == 0u) {
      if (kick && ext) draw_words<true, true>(v, net, n, words);
      if (kick && !ext) draw_words<true, false>(v, net, n, words);
      if (!kick && ext) draw_words<false, true>(v, net, n, words);
    }
    if (kinetic) {
      step_network<true, true, true>(v, c, net, n, words);  // the general case: rare enough not to specialise further
    } else if (kick && ext) {
      step_network<true, true, false>(v, c, net, n, words);
    } else if (kick) {
      step_network<true, false, false>(v, c, net, n, words);
    } else if (ext) {
      step_network<false, true, false>(v, c, net, n, words);
    } else {
      step_network<false, false, false>(v, c, net, n, words);
    }
    if (closes_bin(v, n) && can_never_spike(v, c, net, n + 1u)) {
      v.silent[net] = 1u;
      return;
    }
  }
}

}  // namespace

void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  if (v.n == 0 || step_begin >= step_end) return;
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(v.n);
#pragma omp parallel for schedule(dynamic, 1) num_threads(resolve_threads(threads))
  for (std::ptrdiff_t i = 0; i < n; ++i) advance_network(v, static_cast<std::size_t>(i), step_begin, step_end);
}

void finalize_cpu(const View& v, double, std::uint32_t, int threads) {
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(v.n);
#pragma omp parallel for schedule(static) num_threads(resolve_threads(threads))
  for (std::ptrdiff_t i = 0; i < n; ++i) finalize_at(v, static_cast<std::size_t>(i));
}

}  // namespace network
}  // namespace nb
