// The CUDA backend's two layouts of the E/I network step (network_cuda.cuh), written as per-thread phases with the
// barriers (or kernel boundaries) between them and the atomic operations as a policy, so that
//  * the kernels run the phases on the device, threads in parallel;
//  * tests run them on the host, the threads one after another within each phase (SequentialAtomics), against
//    the CPU reference (tests/test_network.cpp).
// Between two barriers no thread reads what another writes except through atomics whose order cannot change the
// result (integer sums, slots of a list that is only read after the next barrier), so running the threads one
// after another is one of the schedules the GPU may take, and gives the same bits as every other.
//
// Per network (namespace per_network): one block of threads runs one network through every step of a call. Each
// thread keeps kCells cells (j = thread + k threads) in registers (Thread). Shared memory holds the pending
// arrivals, one word per cell and slot: E count in the low 16 bits, I count in the high 16 (neither can reach 2^16,
// since N <= kMaxN). The step's spikes go to a list, double-buffered by step parity so that it needs no barrier of
// its own. In the push, each warp takes listed spikes in turn, its lanes over the targets, adding to the packed
// words. Two barriers per step.
//
// Per cell (namespace per_cell): one thread per cell of every network, two kernels per step. The update lists the
// step's spiking cells (network N + cell) in v.spiked, which this layout uses as scratch, and counts the
// population bins with integer atomics; in the push, one warp per listed spike adds 1 to its targets' arrival
// counters in global memory. The list's length is list_size[n & 1], double-buffered by step parity: the push of
// step n zeroes the other one, which the update of step n + 1 fills.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/network/network_kernels.hpp"

namespace nb {
namespace network {

constexpr unsigned kWarp = 32;

// One lane's share of a spike's push: `add` to the counter of every kWarp-th target of `source`'s out-list from
// its `lane`-th on (a warp's lanes together cover the list). Both layouts push this way.
template <class Atomics>
NB_HD void push_to_targets(const View& v, std::size_t net, std::uint32_t source, unsigned lane, std::uint32_t* counts,
                           std::uint32_t add) {
  std::uint64_t begin, end;
  out_list(v, net, source, begin, end);
  for (std::uint64_t k = begin + lane; k < end; k += kWarp) Atomics::add(counts + v.targets[k], add);
}

namespace per_network {

constexpr unsigned kMaxThreads = 512;
constexpr unsigned kMaxCells = 16;  // per thread
constexpr std::uint32_t kMaxN = kMaxThreads * kMaxCells;  // 8192 < 2^16
constexpr std::uint32_t kIArrival = 1u << 16;  // an I spike's increment of a packed arrival word

// Dynamic shared memory of one block: (slots, N) packed arrival words, then (2, N) 16-bit spike lists.
NB_HD std::size_t shared_bytes(const View& v) {
  return std::size_t(v.slots) * v.N * sizeof(std::uint32_t) + 2u * std::size_t(v.N) * sizeof(std::uint16_t);
}

// The fewest cells per thread that keep a block within kMaxThreads, and the block's threads for kCells (whole warps).
NB_HD std::uint32_t fewest_cells_per_thread(std::uint32_t N) { return (N + kMaxThreads - 1u) / kMaxThreads; }
NB_HD unsigned threads_for(std::uint32_t N, unsigned cells) {
  return ((N + cells - 1u) / cells + kWarp - 1u) / kWarp * kWarp;
}

// The block's shared memory: words from shared_bytes, and six counters.
struct Shared {
  std::uint32_t* pending;    // (slots, N) packed arrival words
  std::uint16_t* lists;      // (2, N) the spikes of the last two steps, by step parity
  std::uint32_t* list_size;  // [2]
  std::uint32_t* fired;      // [2][2]: per list, its E and I spikes
};

NB_HD Shared shared_at(const View& v, std::uint32_t* words, std::uint32_t* counters) {
  return Shared{words, reinterpret_cast<std::uint16_t*>(words + std::size_t(v.slots) * v.N), counters, counters + 2};
}

// One thread's registers across the steps of a call.
template <unsigned kCells>
struct Thread {
  NeuronState s[kCells];
  std::uint32_t spiked = 0u;                   // bit k: cell k spiked in the last step
  std::uint32_t bin_fired[2] = {0u, 0u};       // thread 0: the open bin's E and I spikes
  std::uint32_t last_active = 0u;              // thread 0: the last step with a spike, + 1 (0: none in this call)
};

// Before the first step: the cells' state into registers, the pending arrivals into shared memory (packed), the
// counters zeroed (by thread 0).
template <unsigned kCells>
NB_HD void begin(const View& v, std::size_t net, unsigned t, unsigned threads, Thread<kCells>& me, const Shared& sh) {
  NB_UNROLL
  for (unsigned k = 0; k < kCells; ++k) {
    const std::uint32_t j = t + k * threads;
    const std::size_t at = net * v.N + j;
    if (j < v.N) me.s[k] = NeuronState{v.V_mV[at], v.g_e_nS[at], v.g_i_nS[at], v.refractory_left[at]};
  }
  for (std::uint32_t k = t; k < v.slots * v.N; k += threads) {
    const std::uint32_t slot = k / v.N, j = k % v.N;
    sh.pending[k] = v.arrivals[arrival_index(v, net, slot, 0u, j)] +
                    v.arrivals[arrival_index(v, net, slot, 1u, j)] * kIArrival;
  }
  if (t == 0u) {
    for (unsigned k = 0; k < 2u; ++k) sh.list_size[k] = 0u;
    for (unsigned k = 0; k < 4u; ++k) sh.fired[k] = 0u;
  }
}

// Phase 1 of step n (then a barrier): each cell consumes its arrivals of step n and steps; a spike is listed and
// counted, and goes to the cell's statistics, the raster and the trace.
template <class Math, class Atomics, unsigned kCells>
NB_HD void update(const View& v, const Coefficients& c, std::uint64_t instance, std::size_t net, std::uint32_t n,
                  unsigned t, unsigned threads, Thread<kCells>& me, const Shared& sh) {
  const unsigned b = n & 1u;
  std::uint32_t* const now = sh.pending + (n % v.slots) * v.N;
  const bool closing = closes_bin(v, n);
  me.spiked = 0u;
  NB_UNROLL
  for (unsigned k = 0; k < kCells; ++k) {
    const std::uint32_t j = t + k * threads;
    if (j >= v.N) break;
    const std::uint32_t in = now[j];
    now[j] = 0u;
    if (step_cell<Math>(v, c, instance, j, n, in % kIArrival, in / kIArrival, me.s[k])) {
      sh.lists[b * v.N + Atomics::add(sh.list_size + b, 1u)] = static_cast<std::uint16_t>(j);
      Atomics::add(sh.fired + b * 2u + (j < v.N_E ? 0u : 1u), 1u);
      tally_spike(v, net, j, n);
      record_raster<Atomics>(v, net, j, n);
      me.spiked |= 1u << k;
    }
    if (closing) close_bin(v, net, j);
    if (j == v.trace_neuron) record_trace(v, net, n, me.s[k]);
  }
}

// Phase 2 of step n (then a barrier): the warps push the listed spikes into the arrivals of step n + delay; thread
// 0 adds the step's spikes to the open bin (closing it into the population counts at its end) and zeroes the
// other list, which is next step's (its last readers finished before the barrier that ended phase 1).
template <class Atomics, unsigned kCells>
NB_HD void push(const View& v, std::size_t net, std::uint32_t n, unsigned t, unsigned threads, Thread<kCells>& me,
                const Shared& sh) {
  const unsigned b = n & 1u;
  const std::uint16_t* const list = sh.lists + b * v.N;
  std::uint32_t* const slot = sh.pending + ((n + v.delay_steps) % v.slots) * v.N;
  const unsigned lane = t % kWarp, warps = threads / kWarp;
  const std::uint32_t listed = sh.list_size[b];
  for (std::uint32_t q = t / kWarp; q < listed; q += warps) {
    const std::uint32_t source = list[q];
    push_to_targets<Atomics>(v, net, source, lane, slot, source < v.N_E ? 1u : kIArrival);
  }
  if (t != 0u) return;
  const std::uint32_t* const fired = sh.fired + b * 2u;
  me.bin_fired[0] += fired[0];
  me.bin_fired[1] += fired[1];
  if (fired[0] + fired[1] > 0u) me.last_active = n + 1u;
  if (closes_bin(v, n)) {
    const std::size_t bin = (net * v.bins + n / v.bin_steps) * 2u;
    v.pop_bins[bin] += me.bin_fired[0];
    v.pop_bins[bin + 1u] += me.bin_fired[1];
    me.bin_fired[0] = me.bin_fired[1] = 0u;
  }
  sh.list_size[b ^ 1u] = 0u;
  sh.fired[(b ^ 1u) * 2u] = sh.fired[(b ^ 1u) * 2u + 1u] = 0u;
}

// After the last step (step_end - 1): the cells' state, last-step spike flags and the pending arrivals back to
// global memory; thread 0 adds the still open bin and the last active step.
template <unsigned kCells>
NB_HD void end(const View& v, std::size_t net, std::uint32_t step_begin, std::uint32_t step_end, unsigned t,
               unsigned threads, const Thread<kCells>& me, const Shared& sh) {
  NB_UNROLL
  for (unsigned k = 0; k < kCells; ++k) {
    const std::uint32_t j = t + k * threads;
    const std::size_t at = net * v.N + j;
    if (j >= v.N) break;
    v.V_mV[at] = me.s[k].V_mV;
    v.g_e_nS[at] = me.s[k].g_e_nS;
    v.g_i_nS[at] = me.s[k].g_i_nS;
    v.refractory_left[at] = me.s[k].refractory_left;
    v.spiked[at] = (me.spiked >> k) & 1u;
  }
  for (std::uint32_t k = t; k < v.slots * v.N; k += threads) {
    const std::uint32_t slot = k / v.N, j = k % v.N;
    v.arrivals[arrival_index(v, net, slot, 0u, j)] = sh.pending[k] % kIArrival;
    v.arrivals[arrival_index(v, net, slot, 1u, j)] = sh.pending[k] / kIArrival;
  }
  if (t == 0u && step_begin < step_end) {
    // The bin of the last step, still open (a closed one was added and zeroed).
    const std::size_t bin = (net * v.bins + (step_end - 1u) / v.bin_steps) * 2u;
    v.pop_bins[bin] += me.bin_fired[0];
    v.pop_bins[bin + 1u] += me.bin_fired[1];
    if (me.last_active > 0u) v.last_active_step[net] = me.last_active;  // later than any earlier call's
  }
}

}  // namespace per_network

namespace per_cell {

// Step n of cell `at` (= net N + j) of the chunk, one GPU thread each: consumes its arrivals, steps, and on a
// spike lists it with `append(slot_counter, at)` (the device takes one atomic per warp), counts it and records it.
template <class Math, class Atomics, class Append>
NB_HD void update(const View& v, std::uint32_t* list_size, std::uint32_t n, std::size_t at, Append append) {
  const std::size_t net = at / v.N;
  const std::uint32_t j = static_cast<std::uint32_t>(at % v.N);
  const Coefficients c = coefficients_at(v, net);
  const std::size_t e_slot = arrival_index(v, net, n, 0u, j), i_slot = arrival_index(v, net, n, 1u, j);
  const std::uint32_t in_e = v.arrivals[e_slot], in_i = v.arrivals[i_slot];
  v.arrivals[e_slot] = 0u;
  v.arrivals[i_slot] = 0u;
  NeuronState s{v.V_mV[at], v.g_e_nS[at], v.g_i_nS[at], v.refractory_left[at]};
  const bool spike = step_cell<Math>(v, c, v.instance_id[net], j, n, in_e, in_i, s);
  v.V_mV[at] = s.V_mV;
  v.g_e_nS[at] = s.g_e_nS;
  v.g_i_nS[at] = s.g_i_nS;
  v.refractory_left[at] = s.refractory_left;
  if (spike) {
    append(list_size + (n & 1u), at);
    tally_spike(v, net, j, n);
    Atomics::add(v.pop_bins + (net * v.bins + n / v.bin_steps) * 2u + (j < v.N_E ? 0u : 1u), 1u);
    Atomics::max(v.last_active_step + net, n + 1u);
    record_raster<Atomics>(v, net, j, n);
  }
  if (closes_bin(v, n)) close_bin(v, net, j);
  if (j == v.trace_neuron) record_trace(v, net, n);
}

// The push of step n by thread t of `threads` (a multiple of the warp): each warp takes listed spikes in turn, its
// lanes over the targets (a cell of a large network has thousands); thread 0 zeroes next step's list.
template <class Atomics>
NB_HD void push(const View& v, std::uint32_t* list_size, std::uint32_t n, std::size_t t, std::size_t threads) {
  const std::uint32_t listed = list_size[n & 1u];
  if (t == 0u) list_size[(n + 1u) & 1u] = 0u;
  const unsigned lane = static_cast<unsigned>(t % kWarp);
  for (std::size_t q = t / kWarp; q < listed; q += threads / kWarp) {
    const std::size_t at = v.spiked[q];
    const std::size_t net = at / v.N;
    const std::uint32_t j = static_cast<std::uint32_t>(at % v.N);
    std::uint32_t* const counts = v.arrivals + arrival_index(v, net, n + v.delay_steps, j < v.N_E ? 0u : 1u, 0u);
    push_to_targets<Atomics>(v, net, j, lane, counts, 1u);
  }
}

}  // namespace per_cell
}  // namespace network
}  // namespace nb
