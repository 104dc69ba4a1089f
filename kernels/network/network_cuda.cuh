// E/I networks on the GPU, in two layouts; advance_cuda_impl picks one per call (cuda_layout below).
//
// Per cell (any N; the one-large-network regime): one thread per neuron of every network, two launches per step.
// The update lists the step's spiking cells and counts the population bins with integer atomics; in the push, one
// warp per listed spike adds 1 to the targets' arrival counters in global memory, with integer atomics.
//
// Per network (N <= kPerNetworkMaxN and the pending arrivals fit in shared memory; the many-networks regime, e.g.
// 1000 networks of 4000): one block per network runs every step of the call, so nothing is launched per step and
// the state stays on the chip. Each thread keeps kCells cells (j = thread + k blockDim) in registers. The pending
// arrivals live in shared memory, one word per cell and slot: E count in the low 16 bits, I count in the high 16
// (neither can reach 2^16, since N <= kPerNetworkMaxN). The step's spikes go to a shared list, double-buffered by
// step parity so that it needs no barrier of its own. Each warp pushes one listed spike at a time, its lanes over
// the targets, with shared-memory integer atomics. Two barriers per step: after the update (the list is complete)
// and after the push (the arrivals are).
//
// Both layouts add integer counts, so the spikes, conductances and V are the CPU's, bit for bit, whatever the
// order of the atomics. Included by network_cuda_exact.cu (-fmad=false) and network_cuda_fast.cu.
#pragma once

#include <cooperative_groups.h>
#include <thrust/device_vector.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "kernels/cuda/launch.cuh"
#include "kernels/network/network.hpp"

namespace nb {
namespace network {
namespace kernel {

// A spike of neuron j at step n into the raster, if j is recorded: slots taken atomically, in any order within a
// step (the host sorts the records and cuts them where the raster first overflowed: record_raster_slot). Once
// the raster is full no slot is taken, so the counter exceeds the capacity by at most the racing spikes and a long
// run cannot wrap it.
__device__ inline void record_raster(const View& v, std::size_t net, std::uint32_t j, std::uint32_t n) {
  if (j >= v.raster_neurons) return;
  const std::uint32_t slot = v.raster_fill[net] < v.raster_capacity ? atomicAdd(v.raster_fill + net, 1u) : v.raster_capacity;
  record_raster_slot(v, net, slot, j, n, [](std::uint32_t* cut, std::uint32_t stamp) { atomicMin(cut, stamp); });
}

// ---- Per-cell layout ----------------------------------------------------------------------------------------

// Steps (a) to (d) of cell j at step n, given its arrivals in_e and in_i: its kick and drive Poisson events, then
// neuron_step with the run's synapse kind. Draws are skipped where they cannot be events (after the kick, without a
// drive); these branches, and the synapse kind's, are the same for every cell of a network. The CPU runs the same
// steps over a network's cells as one vector loop (network_cpu.cpp), with the Poisson words drawn once every 4
// steps. Both GPU layouts call this.
template <class Math>
__device__ bool step_cell(const View& v, const Coefficients& c, std::uint64_t instance, std::uint32_t j,
                          std::uint32_t n, std::uint32_t in_e, std::uint32_t in_i, NeuronState& s) {
  const std::uint32_t kick =
      n < c.kick_steps ? poisson_event(v.seed, instance, j, RandomStream::network_kick, n, c.kick_threshold) : 0u;
  const std::uint32_t ext =
      c.ext_threshold != 0u ? poisson_event(v.seed, instance, j, RandomStream::network_external, n, c.ext_threshold) : 0u;
  return c.kinetic != 0u ? neuron_step<Math, true>(c, s, in_e, in_i, kick, ext)
                         : neuron_step<Math, false>(c, s, in_e, in_i, kick, ext);
}

// One cell per GPU thread: consumes its arrivals, runs step_cell on its stored state and stores it; returns whether
// it spiked. Everything else about a spike is tally_spike's.
template <class Math>
__device__ bool update_cell(const View& v, const Coefficients& c, std::size_t net, std::uint32_t j, std::uint32_t n) {
  const std::size_t at = net * v.N + j;
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
  return spike;
}

// The update appends each spiking cell (net N + j) to a list in v.spiked, which this layout uses as scratch; the
// list's length is list_size[n & 1], double-buffered by step parity: the push of step n zeroes the other one,
// which the update of step n + 1 fills. Slots are taken one atomic per warp (its spiking threads together).
__device__ inline void append_spike(const View& v, std::uint32_t* list_size, std::uint32_t n, std::size_t at) {
  const cooperative_groups::coalesced_group spiking = cooperative_groups::coalesced_threads();
  std::uint32_t first = 0;
  if (spiking.thread_rank() == 0) first = atomicAdd(list_size + (n & 1u), spiking.size());
  first = spiking.shfl(first, 0);
  v.spiked[first + spiking.thread_rank()] = static_cast<std::uint32_t>(at);  // n N < 2^32: advance_cuda_impl
}

template <class Math>
__global__ void update(View v, std::uint32_t n, std::uint32_t* list_size) {
  const std::size_t at = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (at >= v.n * v.N) return;
  const std::size_t net = at / v.N;
  const std::uint32_t j = static_cast<std::uint32_t>(at % v.N);
  const Coefficients c = coefficients_at(v, net);
  if (update_cell<Math>(v, c, net, j, n)) {
    append_spike(v, list_size, n, at);
    tally_spike(v, net, j, n);
    atomicAdd(v.pop_bins + (net * v.bins + n / v.bin_steps) * 2u + (j < v.N_E ? 0u : 1u), 1u);
    atomicMax(v.last_active_step + net, n + 1u);
    record_raster(v, net, j, n);
  }
  if (closes_bin(v, n)) close_bin(v, net, j);
  if (j == v.trace_neuron) record_trace(v, net, n);
}

// One warp per listed spike (grid-stride), its lanes over the targets: a cell of a large network has thousands.
template <class Math>  // unused: a template so that the exact and fast TUs do not both define the kernel
__global__ void push(View v, std::uint32_t n, std::uint32_t* list_size) {
  const std::uint32_t size = list_size[n & 1u];
  if (blockIdx.x == 0 && threadIdx.x == 0) list_size[(n + 1u) & 1u] = 0u;  // next step's list
  const std::size_t thread = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const std::size_t warps = static_cast<std::size_t>(gridDim.x) * blockDim.x / 32u;
  const unsigned lane = threadIdx.x % 32u;
  for (std::size_t q = thread / 32u; q < size; q += warps) {
    const std::size_t at = v.spiked[q];
    const std::size_t net = at / v.N;
    const std::uint32_t j = static_cast<std::uint32_t>(at % v.N);
    std::uint64_t begin, end;
    out_list(v, net, j, begin, end);
    std::uint32_t* counts = v.arrivals + arrival_index(v, net, n + v.delay_steps, j < v.N_E ? 0u : 1u, 0u);
    for (std::uint64_t k = begin + lane; k < end; k += 32u) atomicAdd(counts + v.targets[k], 1u);
  }
}

// ---- Per-network layout -------------------------------------------------------------------------------------

constexpr unsigned kPerNetworkMaxThreads = 512;
constexpr unsigned kPerNetworkMaxCells = 16;  // per thread
constexpr std::uint32_t kPerNetworkMaxN = kPerNetworkMaxThreads * kPerNetworkMaxCells;  // 8192 < 2^16
constexpr std::uint32_t kIArrival = 1u << 16;  // an I spike's increment of a packed arrival word

// Dynamic shared memory of one block: (slots, N) packed arrival words, then (2, N) 16-bit spike lists.
inline std::size_t per_network_shared_bytes(const View& v) {
  return std::size_t(v.slots) * v.N * sizeof(std::uint32_t) + 2u * std::size_t(v.N) * sizeof(std::uint16_t);
}

// The block's pending arrivals between global memory (the per-cell layout's counters) and shared memory.
__device__ inline void load_pending(const View& v, std::size_t net, std::uint32_t* pending) {
  for (std::uint32_t k = threadIdx.x; k < v.slots * v.N; k += blockDim.x) {
    const std::uint32_t slot = k / v.N, j = k % v.N;
    pending[k] = v.arrivals[arrival_index(v, net, slot, 0u, j)] + v.arrivals[arrival_index(v, net, slot, 1u, j)] * kIArrival;
  }
}

__device__ inline void store_pending(const View& v, std::size_t net, const std::uint32_t* pending) {
  for (std::uint32_t k = threadIdx.x; k < v.slots * v.N; k += blockDim.x) {
    const std::uint32_t slot = k / v.N, j = k % v.N;
    v.arrivals[arrival_index(v, net, slot, 0u, j)] = pending[k] % kIArrival;
    v.arrivals[arrival_index(v, net, slot, 1u, j)] = pending[k] / kIArrival;
  }
}

// Each warp takes listed spikes in turn; its lanes add the spike's increment to the targets' words of `slot`.
__device__ inline void push_listed(const View& v, std::size_t net, const std::uint16_t* list, std::uint32_t size,
                                   std::uint32_t* slot) {
  const unsigned lane = threadIdx.x % 32u, warps = blockDim.x / 32u;
  for (std::uint32_t q = threadIdx.x / 32u; q < size; q += warps) {
    const std::uint32_t source = list[q];
    const std::uint32_t add = source < v.N_E ? 1u : kIArrival;
    std::uint64_t begin, end;
    out_list(v, net, source, begin, end);
    for (std::uint64_t k = begin + lane; k < end; k += 32u) atomicAdd(slot + v.targets[k], add);
  }
}

template <class Math, unsigned kCells>
__global__ void __launch_bounds__(kPerNetworkMaxThreads) run_network(View v, std::uint32_t step_begin,
                                                                      std::uint32_t step_end) {
  extern __shared__ std::uint32_t shared_words[];
  __shared__ std::uint32_t list_size[2], fired[2][2];  // per list: its length, and its E and I spikes
  std::uint32_t* const pending = shared_words;
  std::uint16_t* const lists = reinterpret_cast<std::uint16_t*>(shared_words + std::size_t(v.slots) * v.N);
  const std::size_t net = blockIdx.x;
  const Coefficients c = coefficients_at(v, net);
  const std::uint64_t instance = v.instance_id[net];

  NeuronState s[kCells];
#pragma unroll
  for (unsigned k = 0; k < kCells; ++k) {
    const std::uint32_t j = threadIdx.x + k * blockDim.x;
    const std::size_t at = net * v.N + j;
    if (j < v.N) s[k] = NeuronState{v.V_mV[at], v.g_e_nS[at], v.g_i_nS[at], v.refractory_left[at]};
  }
  load_pending(v, net, pending);
  if (threadIdx.x == 0) list_size[0] = list_size[1] = fired[0][0] = fired[0][1] = fired[1][0] = fired[1][1] = 0u;
  std::uint32_t bin_fired[2] = {0u, 0u}, last_active = 0u;  // thread 0's
  std::uint32_t spiked = 0u;                                 // bit k: cell k spiked in the last step
  __syncthreads();

  for (std::uint32_t n = step_begin; n < step_end; ++n) {
    const unsigned b = n & 1u;
    std::uint32_t* const now = pending + (n % v.slots) * v.N;
    const bool closing = closes_bin(v, n);
    spiked = 0u;
#pragma unroll
    for (unsigned k = 0; k < kCells; ++k) {
      const std::uint32_t j = threadIdx.x + k * blockDim.x;
      if (j >= v.N) break;
      const std::uint32_t in = now[j];
      now[j] = 0u;
      const bool spike = step_cell<Math>(v, c, instance, j, n, in % kIArrival, in / kIArrival, s[k]);
      if (spike) {
        lists[b * v.N + atomicAdd(&list_size[b], 1u)] = static_cast<std::uint16_t>(j);
        atomicAdd(&fired[b][j < v.N_E ? 0u : 1u], 1u);
        tally_spike(v, net, j, n);
        record_raster(v, net, j, n);
        spiked |= 1u << k;
      }
      if (closing) close_bin(v, net, j);
      if (j == v.trace_neuron) record_trace(v, net, n, s[k]);
    }
    __syncthreads();  // the list of step n is complete; every cell has consumed its arrivals of step n

    push_listed(v, net, lists + b * v.N, list_size[b], pending + ((n + v.delay_steps) % v.slots) * v.N);
    if (threadIdx.x == 0) {
      bin_fired[0] += fired[b][0];
      bin_fired[1] += fired[b][1];
      if (fired[b][0] + fired[b][1] > 0u) last_active = n + 1u;
      if (closing) {
        const std::size_t bin = (net * v.bins + n / v.bin_steps) * 2u;
        v.pop_bins[bin] += bin_fired[0];
        v.pop_bins[bin + 1u] += bin_fired[1];
        bin_fired[0] = bin_fired[1] = 0u;
      }
      // The other list is next step's; its last readers finished before the barrier above.
      list_size[b ^ 1u] = fired[b ^ 1u][0] = fired[b ^ 1u][1] = 0u;
    }
    __syncthreads();  // the arrivals pushed at step n are in place for step n + 1 (delay 1 reads them next)
  }

#pragma unroll
  for (unsigned k = 0; k < kCells; ++k) {
    const std::uint32_t j = threadIdx.x + k * blockDim.x;
    const std::size_t at = net * v.N + j;
    if (j >= v.N) break;
    v.V_mV[at] = s[k].V_mV;
    v.g_e_nS[at] = s[k].g_e_nS;
    v.g_i_nS[at] = s[k].g_i_nS;
    v.refractory_left[at] = s[k].refractory_left;
    v.spiked[at] = (spiked >> k) & 1u;
  }
  store_pending(v, net, pending);
  if (threadIdx.x == 0 && step_begin < step_end) {
    // The bin of the last step, still open (a closed one was added and zeroed).
    const std::size_t bin = (net * v.bins + (step_end - 1u) / v.bin_steps) * 2u;
    v.pop_bins[bin] += bin_fired[0];
    v.pop_bins[bin + 1u] += bin_fired[1];
    if (last_active > 0u) v.last_active_step[net] = last_active;  // later than any earlier call's
  }
}

}  // namespace kernel

enum class CudaLayout { per_cell, per_network };

// The layout of a call: per network where it fits (kPerNetworkMaxN, shared memory), else per cell.
// NB_NETWORK_CUDA_LAYOUT = per_cell | per_network | auto (unset: auto) overrides it, for parity tests and
// benchmarks of both; per_network where it does not fit is an error.
inline CudaLayout cuda_layout(const View& v) {
  int device = 0, shared_optin = 0;
  NB_CUDA_CHECK(cudaGetDevice(&device));
  NB_CUDA_CHECK(cudaDeviceGetAttribute(&shared_optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  const std::size_t bytes = kernel::per_network_shared_bytes(v);
  const std::size_t static_bytes = 64;  // run_network's list sizes and spike counts
  const bool fits = v.N <= kernel::kPerNetworkMaxN && bytes + static_bytes <= static_cast<std::size_t>(shared_optin);
  const char* forced = std::getenv("NB_NETWORK_CUDA_LAYOUT");
  const std::string choice = forced != nullptr ? forced : "auto";
  if (choice == "per_cell") return CudaLayout::per_cell;
  if (choice == "per_network") {
    if (!fits) {
      throw std::runtime_error("NB_NETWORK_CUDA_LAYOUT=per_network: N = " + std::to_string(v.N) + " (at most " +
                               std::to_string(kernel::kPerNetworkMaxN) + ") needs " + std::to_string(bytes) +
                               " bytes of shared memory per block; this device has " +
                               std::to_string(shared_optin));
    }
    return CudaLayout::per_network;
  }
  if (choice != "auto") {
    throw std::runtime_error("NB_NETWORK_CUDA_LAYOUT must be per_cell, per_network or auto, not '" + choice + "'");
  }
  return fits ? CudaLayout::per_network : CudaLayout::per_cell;
}

template <class Math, unsigned kCells>
void launch_per_network(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  const unsigned threads = static_cast<unsigned>((v.N + kCells - 1u) / kCells + 31u) / 32u * 32u;
  const std::size_t bytes = kernel::per_network_shared_bytes(v);
  const auto run = kernel::run_network<Math, kCells>;
  NB_CUDA_CHECK(cudaFuncSetAttribute(run, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)));
  run<<<static_cast<unsigned>(v.n), threads, bytes>>>(v, step_begin, step_end);
}

// Cells per thread of the per-network layout: the fewest that keep a block within kPerNetworkMaxThreads, or
// NB_NETWORK_CELLS_PER_THREAD = 1 | 2 | 4 | 8 | 16 where that is not fewer. More cells per thread make smaller
// blocks, so that more networks share an SM and one's barriers overlap another's work, at more registers per
// thread (N = 4000: 8 cells, 512 threads, one block per SM by registers; 16 cells, 256 threads, two). Which is
// faster is measured (scripts/gpu-check benchmarks both); the results are the same bits either way.
inline std::uint32_t per_network_cells_per_thread(std::uint32_t N) {
  const std::uint32_t fewest = (N + kernel::kPerNetworkMaxThreads - 1u) / kernel::kPerNetworkMaxThreads;
  const char* forced = std::getenv("NB_NETWORK_CELLS_PER_THREAD");
  if (forced == nullptr || std::string(forced) == "auto") return fewest;
  const std::string text = forced;
  if (text != "1" && text != "2" && text != "4" && text != "8" && text != "16") {
    throw std::runtime_error("NB_NETWORK_CELLS_PER_THREAD must be 1, 2, 4, 8, 16 or auto, not '" + text + "'");
  }
  const std::uint32_t cells = static_cast<std::uint32_t>(std::stoul(text));
  if (cells < fewest) {
    throw std::runtime_error("NB_NETWORK_CELLS_PER_THREAD=" + text + ": N = " + std::to_string(N) + " needs at least " +
                             std::to_string(fewest) + " cells per thread (at most " +
                             std::to_string(kernel::kPerNetworkMaxThreads) + " threads per block)");
  }
  return cells;
}

template <class Math>
void advance_per_network(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  const std::uint32_t per_thread = per_network_cells_per_thread(v.N);
  if (per_thread <= 1u) launch_per_network<Math, 1>(v, step_begin, step_end);
  else if (per_thread <= 2u) launch_per_network<Math, 2>(v, step_begin, step_end);
  else if (per_thread <= 4u) launch_per_network<Math, 4>(v, step_begin, step_end);
  else if (per_thread <= 8u) launch_per_network<Math, 8>(v, step_begin, step_end);
  else launch_per_network<Math, 16>(v, step_begin, step_end);
}

// Blocks of the per-cell layout's push: 2048 warps take the step's spikes in turn.
constexpr unsigned kPushBlocks = 256;

template <class Math>
void advance_cuda_impl(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  if (v.n == 0 || step_begin >= step_end) return;
  if (cuda_layout(v) == CudaLayout::per_network) {
    advance_per_network<Math>(v, step_begin, step_end);
  } else {
    if (v.n * v.N >= (std::size_t(1) << 32)) {  // the spike list holds cell indices as 32-bit words
      throw std::runtime_error("network: " + std::to_string(v.n * v.N) + " cells in one CUDA chunk; at most 2^32 - 1");
    }
    thrust::device_vector<std::uint32_t> list_size(2, 0u);
    std::uint32_t* const sizes = thrust::raw_pointer_cast(list_size.data());
    const unsigned push_blocks = std::min(cuda::blocks_for(v.n * v.N), kPushBlocks);
    for (std::uint32_t n = step_begin; n < step_end; ++n) {
      kernel::update<Math><<<cuda::blocks_for(v.n * v.N), cuda::kThreads>>>(v, n, sizes);
      kernel::push<Math><<<push_blocks, cuda::kThreads>>>(v, n, sizes);
    }
  }
  NB_CUDA_CHECK_LAUNCH();
}

}  // namespace network
}  // namespace nb
