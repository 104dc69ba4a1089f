// E/I networks on the GPU, in two layouts (network_layouts.hpp, whose phases the tests also run on the host);
// advance_cuda_impl picks one per call (cuda_layout below).
//
// Per cell (any N; the one-large-network regime): one thread per neuron of every network, two launches per step
// (update, push).
//
// Per network (N <= per_network::kMaxN and the pending arrivals fit in shared memory; the many-networks regime,
// e.g. 1000 networks of 4000): one block per network runs every step of the call, so nothing is launched per step
// and the state stays on the chip; two barriers per step.
//
// Both layouts add integer counts, so the spikes, conductances and V are the CPU's, bit for bit, whatever the
// order of the atomics. Included by network_cuda_exact.cu (-fmad=false) and network_cuda_fast.cu.
#pragma once

#include <cooperative_groups.h>
#include <thrust/device_vector.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "kernels/common/cuda_launch.cuh"
#include "kernels/network/network_kernels.hpp"
#include "kernels/network/network_layouts.hpp"

namespace nb {
namespace network {
namespace kernel {

// The device's integer atomics, in global or shared memory (network_layouts.hpp's policy).
struct DeviceAtomics {
  __device__ static std::uint32_t add(std::uint32_t* word, std::uint32_t value) { return atomicAdd(word, value); }
  __device__ static void min(std::uint32_t* word, std::uint32_t value) { atomicMin(word, value); }
  __device__ static void max(std::uint32_t* word, std::uint32_t value) { atomicMax(word, value); }
};

// ---- Per-cell layout ----------------------------------------------------------------------------------------

// Appends a spiking cell to the step's list: one atomic per warp, for its spiking threads together (all of which
// call this, inside the update's spike branch).
struct WarpAppend {
  __device__ void operator()(std::uint32_t* list_size, std::size_t at) const {
    const cooperative_groups::coalesced_group spiking = cooperative_groups::coalesced_threads();
    std::uint32_t first = 0;
    if (spiking.thread_rank() == 0) first = atomicAdd(list_size, spiking.size());
    first = spiking.shfl(first, 0);
    list[first + spiking.thread_rank()] = static_cast<std::uint32_t>(at);  // n N < 2^32: advance_cuda_impl
  }
  std::uint32_t* list;  // v.spiked, this layout's scratch
};

template <class Math>
__global__ void update(View v, std::uint32_t n, std::uint32_t* list_size) {
  const std::size_t at = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (at < v.n * v.N) per_cell::update<Math, DeviceAtomics>(v, list_size, n, at, WarpAppend{v.spiked});
}

template <class Math>  // unused: a template so that the exact and fast TUs do not both define the kernel
__global__ void push(View v, std::uint32_t n, std::uint32_t* list_size) {
  const std::size_t threads = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  per_cell::push<DeviceAtomics>(v, list_size, n, static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x,
                                threads);
}

// ---- Per-network layout: network_layouts.hpp's phases, one block per network ------------------------------

template <class Math, unsigned kCells>
__global__ void __launch_bounds__(per_network::kMaxThreads) run_network(View v, std::uint32_t step_begin,
                                                                  std::uint32_t step_end) {
  extern __shared__ std::uint32_t shared_words[];
  __shared__ std::uint32_t counters[6];  // list sizes, and per list its E and I spikes
  const per_network::Shared sh = per_network::shared_at(v, shared_words, counters);
  const std::size_t net = blockIdx.x;
  const Coefficients c = coefficients_at(v, net);
  const std::uint64_t instance = v.instance_id[net];
  per_network::Thread<kCells> me;
  per_network::begin(v, net, threadIdx.x, blockDim.x, me, sh);
  __syncthreads();
  for (std::uint32_t n = step_begin; n < step_end; ++n) {
    per_network::update<Math, DeviceAtomics>(v, c, instance, net, n, threadIdx.x, blockDim.x, me, sh);
    __syncthreads();  // the list of step n is complete; every cell has consumed its arrivals of step n
    per_network::push<DeviceAtomics>(v, net, n, threadIdx.x, blockDim.x, me, sh);
    __syncthreads();  // the arrivals pushed at step n are in place for step n + 1 (delay 1 reads them next)
  }
  per_network::end(v, net, step_begin, step_end, threadIdx.x, blockDim.x, me, sh);
}

}  // namespace kernel

enum class CudaLayout { per_cell, per_network };

// The layout of a call: per network where it fits (per_network::kMaxN, shared memory), else per cell. The run
// option --network-layout (CudaLaunch::layout) can force either, for parity tests and benchmarks of both;
// per_network where it does not fit is refused (std::invalid_argument, which the host reports as the user's).
inline CudaLayout cuda_layout(const View& v, CudaLaunch::Layout choice) {
  int device = 0, shared_optin = 0;
  NB_CUDA_CHECK(cudaGetDevice(&device));
  NB_CUDA_CHECK(cudaDeviceGetAttribute(&shared_optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
  const std::size_t bytes = per_network::shared_bytes(v);
  const std::size_t static_bytes = 64;  // run_network's counters
  const bool fits = v.N <= per_network::kMaxN && bytes + static_bytes <= static_cast<std::size_t>(shared_optin);
  if (choice == CudaLaunch::Layout::per_cell) return CudaLayout::per_cell;
  if (choice == CudaLaunch::Layout::per_network) {
    if (!fits) {
      throw std::invalid_argument("--network-layout per_network: N = " + std::to_string(v.N) + " (at most " +
                                  std::to_string(per_network::kMaxN) + ") needs " + std::to_string(bytes) +
                                  " bytes of shared memory per block; this device has " +
                                  std::to_string(shared_optin) + " (allowed here: auto, per_cell)");
    }
    return CudaLayout::per_network;
  }
  return fits ? CudaLayout::per_network : CudaLayout::per_cell;
}

template <class Math, unsigned kCells>
void launch_per_network(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  const std::size_t bytes = per_network::shared_bytes(v);
  const auto run = kernel::run_network<Math, kCells>;
  NB_CUDA_CHECK(cudaFuncSetAttribute(run, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)));
  run<<<static_cast<unsigned>(v.n), per_network::threads_for(v.N, kCells), bytes>>>(v, step_begin, step_end);
}

// Cells per thread of the per-network layout: the fewest that keep a block within per_network::kMaxThreads, or
// the run option --network-cells-per-thread (CudaLaunch::cells_per_thread: 1, 2, 4, 8 or 16; 0 is auto) where that
// is not fewer. More cells per thread make smaller blocks, so that more networks share an SM and one's barriers
// overlap another's work, at more registers per thread (N = 4000: 8 cells, 512 threads, one block per SM by
// registers; 16 cells, 256 threads, two). Which is faster is measured (scripts/gpu-check benchmarks both); the
// results are the same bits either way.
inline std::uint32_t per_network_cells_per_thread(std::uint32_t N, std::uint32_t requested) {
  const std::uint32_t fewest = per_network::fewest_cells_per_thread(N);
  if (requested == 0) return fewest;
  if (requested < fewest) {
    throw std::invalid_argument("--network-cells-per-thread " + std::to_string(requested) + ": N = " +
                                std::to_string(N) + " needs at least " + std::to_string(fewest) +
                                " cells per thread (at most " + std::to_string(per_network::kMaxThreads) +
                                " threads per block)");
  }
  return requested;
}

template <class Math>
void advance_per_network(const View& v, std::uint32_t step_begin, std::uint32_t step_end, const CudaLaunch& launch) {
  const std::uint32_t per_thread = per_network_cells_per_thread(v.N, launch.cells_per_thread);
  if (per_thread <= 1u) launch_per_network<Math, 1>(v, step_begin, step_end);
  else if (per_thread <= 2u) launch_per_network<Math, 2>(v, step_begin, step_end);
  else if (per_thread <= 4u) launch_per_network<Math, 4>(v, step_begin, step_end);
  else if (per_thread <= 8u) launch_per_network<Math, 8>(v, step_begin, step_end);
  else launch_per_network<Math, 16>(v, step_begin, step_end);
}

// Blocks of the per-cell layout's push: 2048 warps take the step's spikes in turn.
constexpr unsigned kPushBlocks = 256;

template <class Math>
void advance_cuda_impl(const View& v, std::uint32_t step_begin, std::uint32_t step_end, const CudaLaunch& launch) {
  if (v.n == 0 || step_begin >= step_end) return;
  if (cuda_layout(v, launch.layout) == CudaLayout::per_network) {
    advance_per_network<Math>(v, step_begin, step_end, launch);
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
