// Network kernels: the field lists (coefficients in network.hpp, observables here), the view of a chunk, one
// cell's step through the view, the per-neuron bookkeeping shared by both backends (arrivals, spike tallies,
// rasters, bins, traces, observables), and the launchers: the only way host code reaches the network kernels
// (plain pointers, no CUDA types; the CUDA launchers and list builders exist only in CUDA builds). The GPU
// layouts, as phases the host can also run, are in network_layouts.hpp.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/network/network.hpp"

namespace nb {
namespace network {

// Per-network results, (n,) each.
#define NB_NETWORK_OBSERVABLES(X)                                                                         \
  X(double, rate_E_Hz) X(double, rate_I_Hz) X(double, cv_E) X(double, cv_I) X(double, synchrony)           \
  X(double, last_spike_ms) X(double, sustained) X(double, spikes_total) X(double, synapses_out)

// Per-neuron state and statistics, (n * N,) each, network-major: spike counts, ISIs in steps as exact integers,
// bin_count the spikes in the current bin, spiked 1 if the neuron spiked in the last step (the CUDA per-cell layout
// keeps its step's spike list there).
#define NB_NETWORK_CELLS(X)                                                                                     \
  X(float, V_mV) X(float, g_e_nS) X(float, g_i_nS) X(std::uint32_t, refractory_left) X(std::uint32_t, spike_count) \
  X(std::uint32_t, last_spike_step) X(std::uint64_t, isi_sum) X(std::uint64_t, isi_sq_sum)                        \
  X(std::uint64_t, bin_sq_sum) X(std::uint32_t, bin_count) X(std::uint32_t, spiked)

struct View {
  std::size_t n = 0;         // networks
  std::uint32_t N = 0, N_E = 0;
  std::uint32_t delay_steps = 1, slots = 2;  // arrival counters: `slots` = delay + 1 pending steps
#define NB_FIELD(type, name) type* name = nullptr;
  NB_NETWORK_COEFFICIENTS(NB_FIELD)
  NB_NETWORK_OBSERVABLES(NB_FIELD)
  NB_NETWORK_CELLS(NB_FIELD)
#undef NB_FIELD
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
