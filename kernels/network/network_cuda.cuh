// E/I networks on the GPU: one thread per neuron of every network, two launches per step: the neuron update
// (writes the spike flags, counts the population bins with integer atomics) and the push (each spiking cell adds
// 1 to its targets' arrival counters with integer atomics: the counts, and so the conductances, are the same
// whatever the order). Included by network_cuda_exact.cu (-fmad=false) and network_cuda_fast.cu.
#pragma once

#include "kernels/cuda/launch.cuh"
#include "kernels/network/network.hpp"

namespace nb {
namespace network {
namespace kernel {

template <class Math>
__global__ void update(View v, std::uint32_t n) {
  const std::size_t at = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (at >= v.n * v.N) return;
  const std::size_t net = at / v.N;
  const std::uint32_t j = static_cast<std::uint32_t>(at % v.N);
  const Coefficients c = coefficients_at(v, net);
  if (update_cell<Math>(v, c, net, j, n)) {
    tally_spike(v, net, j, n);
    atomicAdd(v.pop_bins + (net * v.bins + n / v.bin_steps) * 2u + (j < v.N_E ? 0u : 1u), 1u);
    atomicMax(v.last_active_step + net, n + 1u);
    if (j < v.raster_neurons) {
      const std::uint32_t slot = atomicAdd(v.raster_fill + net, 1u);  // order fixed later by the host's sort
      if (slot < v.raster_capacity) {
        v.raster_neuron[net * v.raster_capacity + slot] = j;
        v.raster_step[net * v.raster_capacity + slot] = n + 1u;
      }
    }
  }
  if (closes_bin(v, n)) close_bin(v, net, j);
  if (j == v.trace_neuron) record_trace(v, net, n);
}

template <class Math>  // unused: a template so that the exact and fast TUs do not both define the kernel
__global__ void push(View v, std::uint32_t n) {
  const std::size_t at = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (at >= v.n * v.N || v.spiked[at] == 0u) return;
  const std::size_t net = at / v.N;
  const std::uint32_t j = static_cast<std::uint32_t>(at % v.N);
  std::uint64_t begin, end;
  out_list(v, net, j, begin, end);
  std::uint32_t* counts = v.arrivals + arrival_index(v, net, n + v.delay_steps, j < v.N_E ? 0u : 1u, 0u);
  for (std::uint64_t k = begin; k < end; ++k) atomicAdd(counts + v.targets[k], 1u);
}

}  // namespace kernel

template <class Math>
void advance_cuda_impl(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  if (v.n == 0 || step_begin >= step_end) return;
  for (std::uint32_t n = step_begin; n < step_end; ++n) {
    kernel::update<Math><<<cuda::blocks_for(v.n * v.N), cuda::kThreads>>>(v, n);
    kernel::push<Math><<<cuda::blocks_for(v.n * v.N), cuda::kThreads>>>(v, n);
  }
  NB_CUDA_CHECK_LAUNCH();
}

}  // namespace network
}  // namespace nb
