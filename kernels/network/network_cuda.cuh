// E/I networks on the GPU, in two layouts; advance_cuda_impl picks one per call (cuda_layout below).
//
// Per cell (any N; the one-large-network regime): one thread per neuron of every network, two launches per step.
// The update lists the step's spiking cells and counts the population bins with integer atomics; in the push, one
// warp per listed spike adds 1 to the targets' arrival counters in global memory, with integer atomics.
//
// Per network (N <= block::kMaxN and the pending arrivals fit in shared memory; the many-networks regime, e.g.
// 1000 networks of 4000): one block per network runs every step of the call, so nothing is launched per step and
// the state stays on the chip. The algorithm is network_block.hpp's phases (also run on the host by the tests),
// with two barriers per step: after the update (the step's spike list is complete) and after the push (the
// arrivals are).
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
#include "kernels/network/network_block.hpp"

namespace nb {
namespace network {
namespace kernel {

// The device's integer atomics, in global or shared memory (network_block.hpp's policy).
struct DeviceAtomics {
  __device__ static std::uint32_t add(std::uint32_t* word, std::uint32_t value) { return atomicAdd(word, value); }
  __device__ static void min(std::uint32_t* word, std::uint32_t value) { atomicMin(word, value); }
};

// ---- Per-cell layout ----------------------------------------------------------------------------------------

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
    record_raster<DeviceAtomics>(v, net, j, n);
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

// ---- Per-network layout: network_block.hpp's phases, one block per network --------------------------------

template <class Math, unsigned kCells>
__global__ void __launch_bounds__(block::kMaxThreads) run_network(View v, std::uint32_t step_begin,
                                                                  std::uint32_t step_end) {
  extern __shared__ std::uint32_t shared_words[];
  __shared__ std::uint32_t counters[6];  // list sizes, and per list its E and I spikes
  const block::Shared sh = block::shared_at(v, shared_words, counters);
  const std::size_t net = blockIdx.x;
  const Coefficients c = coefficients_at(v, net);
  const std::uint64_t instance = v.instance_id[net];
  block::Thread<kCells> me;
  block::begin(v, net, threadIdx.x, blockDim.x, me, sh);
  __syncthreads();
  for (std::uint32_t n = step_begin; n < step_end; ++n) {
    block::update<Math, DeviceAtomics>(v, c, instance, net, n, threadIdx.x, blockDim.x, me, sh);
    __syncthreads();  // the list of step n is complete; every cell has consumed its arrivals of step n
    block::push<DeviceAtomics>(v, net, n, threadIdx.x, blockDim.x, me, sh);
    __syncthreads();  // the arrivals pushed at step n are in place for step n + 1 (delay 1 reads them next)
  }
  block::end(v, net, step_begin, step_end, threadIdx.x, blockDim.x, me, sh);
}

}  // namespace kernel

enum class CudaLayout { per_cell, per_network };

// The layout of a call: per network where it fits (block::kMaxN, shared memory), else per cell.
// NB_NETWORK_CUDA_LAYOUT = per_cell | per_network | auto (unset: auto) overrides it, for parity tests and
// benchmarks of both; per_network where it does not fit is an error.
inline CudaLayout cuda_layout(const View& v) {
  int device = 0, shared_optin = 0;
  NB_CUDA_CHECK(cudaGetDevice(&device));
  NB_CUDA_CHECK(cudaDeviceGetAttribute(&shared_optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  const std::size_t bytes = block::shared_bytes(v);
  const std::size_t static_bytes = 64;  // run_network's counters
  const bool fits = v.N <= block::kMaxN && bytes + static_bytes <= static_cast<std::size_t>(shared_optin);
  const char* forced = std::getenv("NB_NETWORK_CUDA_LAYOUT");
  const std::string choice = forced != nullptr ? forced : "auto";
  if (choice == "per_cell") return CudaLayout::per_cell;
  if (choice == "per_network") {
    if (!fits) {
      throw std::runtime_error("NB_NETWORK_CUDA_LAYOUT=per_network: N = " + std::to_string(v.N) + " (at most " +
                               std::to_string(block::kMaxN) + ") needs " + std::to_string(bytes) +
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
  const std::size_t bytes = block::shared_bytes(v);
  const auto run = kernel::run_network<Math, kCells>;
  NB_CUDA_CHECK(cudaFuncSetAttribute(run, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)));
  run<<<static_cast<unsigned>(v.n), block::threads_for(v.N, kCells), bytes>>>(v, step_begin, step_end);
}

// Cells per thread of the per-network layout: the fewest that keep a block within block::kMaxThreads, or
// NB_NETWORK_CELLS_PER_THREAD = 1 | 2 | 4 | 8 | 16 where that is not fewer. More cells per thread make smaller
// blocks, so that more networks share an SM and one's barriers overlap another's work, at more registers per
// thread (N = 4000: 8 cells, 512 threads, one block per SM by registers; 16 cells, 256 threads, two). Which is
// faster is measured (scripts/gpu-check benchmarks both); the results are the same bits either way.
inline std::uint32_t per_network_cells_per_thread(std::uint32_t N) {
  const std::uint32_t fewest = block::fewest_cells_per_thread(N);
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
                             std::to_string(block::kMaxThreads) + " threads per block)");
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
