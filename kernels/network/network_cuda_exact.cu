// Exact math mode: compiled with -fmad=false (CMakeLists.txt), so every operation rounds as on the CPU.
#include "kernels/network/network_cuda.cuh"

#include <thrust/binary_search.h>
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/scan.h>
#include <thrust/sort.h>
#include <thrust/transform.h>

namespace nb {
namespace network {
namespace {

// Out-degree of cell i of list k, written to degree[k * N + i]. Compiled with -fmad=false, like the host's build:
// exact::log and the float division round identically, so the skips are the same.
__global__ void count_targets(PairwiseLists l, std::uint64_t* degree) {
  const std::size_t at = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (at >= l.lists * l.N) return;
  const std::size_t k = at / l.N;
  const std::uint32_t i = static_cast<std::uint32_t>(at % l.N);
  degree[at] = for_each_target(l.key, l.instance[k], i, l.N, l.log_1mp[k], l.all[k] != 0u, [](std::uint32_t) {});
}

// Per list, N + 1 offsets from the exclusive scan of the degrees (entry N: where the next list starts).
__global__ void list_offsets(std::size_t lists, std::uint32_t N, const std::uint64_t* scan, std::uint64_t total,
                             std::uint64_t* offsets) {
  const std::size_t at = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (at >= lists * (N + 1)) return;
  const std::size_t k = at / (N + 1), i = at % (N + 1);
  const std::size_t flat = k * N + i;
  offsets[at] = flat < lists * N ? scan[flat] : total;
}

__global__ void fill_targets(PairwiseLists l, const std::uint64_t* offsets, std::uint32_t* targets) {
  const std::size_t at = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (at >= l.lists * l.N) return;
  const std::size_t k = at / l.N;
  const std::uint32_t i = static_cast<std::uint32_t>(at % l.N);
  std::uint64_t pos = offsets[k * (l.N + 1) + i];
  for_each_target(l.key, l.instance[k], i, l.N, l.log_1mp[k], l.all[k] != 0u,
                  [&](std::uint32_t j) { targets[pos++] = j; });
}

// Cell j's K inputs of one fixed in-degree list: (input, j) pairs at j K .. j K + K - 1.
__global__ void draw_indegree_pairs(std::uint64_t key, std::uint64_t instance, std::uint32_t N, std::uint32_t K,
                                    std::uint32_t* inputs, std::uint32_t* cells) {
  const std::uint32_t j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= N) return;
  std::uint32_t* const chosen = inputs + std::size_t(j) * K;
  draw_inputs(key, instance, j, N, K, chosen);
  for (std::uint32_t q = 0; q < K; ++q) {
    chosen[q] = input_cell(chosen[q], j);
    cells[std::size_t(j) * K + q] = j;
  }
}

struct AddBase {
  std::uint64_t base;
  __device__ std::uint64_t operator()(std::uint64_t x) const { return x + base; }
};

}  // namespace

std::size_t indegree_scratch_bytes(std::uint32_t N, std::uint32_t K_max) {
  // The (input, cell) pairs, and about as much again for the radix sort's double buffers.
  return 4u * std::size_t(N) * K_max * sizeof(std::uint32_t);
}

void build_indegree_cuda(const IndegreeLists& l, std::uint64_t* offsets, std::uint32_t* targets) {
  std::uint32_t K_max = 0;
  for (std::size_t k = 0; k < l.lists; ++k) K_max = l.K[k] > K_max ? l.K[k] : K_max;
  thrust::device_vector<std::uint32_t> inputs(std::size_t(l.N) * K_max), cells(std::size_t(l.N) * K_max);
  std::uint64_t base = 0;
  for (std::size_t k = 0; k < l.lists; ++k) {
    const std::size_t synapses = std::size_t(l.N) * l.K[k];
    draw_indegree_pairs<<<cuda::blocks_for(l.N), cuda::kThreads>>>(l.key, l.instance[k], l.N, l.K[k],
                                                                  thrust::raw_pointer_cast(inputs.data()),
                                                                  thrust::raw_pointer_cast(cells.data()));
    NB_CUDA_CHECK_LAUNCH();
    // Stable: the pairs of one input keep their increasing cell order, the host's out-list order.
    thrust::stable_sort_by_key(inputs.begin(), inputs.begin() + synapses, cells.begin());
    const thrust::device_ptr<std::uint64_t> list_offsets(offsets + k * (std::size_t(l.N) + 1u));
    thrust::lower_bound(inputs.begin(), inputs.begin() + synapses, thrust::counting_iterator<std::uint32_t>(0),
                        thrust::counting_iterator<std::uint32_t>(l.N + 1u), list_offsets);
    thrust::transform(list_offsets, list_offsets + (l.N + 1u), list_offsets, AddBase{base});
    thrust::copy(cells.begin(), cells.begin() + synapses, thrust::device_ptr<std::uint32_t>(targets + base));
    base += synapses;
  }
  NB_CUDA_CHECK(cudaDeviceSynchronize());
}

std::uint64_t count_pairwise_cuda(const PairwiseLists& l, std::uint64_t* offsets) {
  const std::size_t cells = l.lists * l.N;
  if (cells == 0) return 0;
  thrust::device_vector<std::uint64_t> degree(cells), scan(cells);
  count_targets<<<cuda::blocks_for(cells), cuda::kThreads>>>(l, thrust::raw_pointer_cast(degree.data()));
  NB_CUDA_CHECK_LAUNCH();
  thrust::exclusive_scan(degree.begin(), degree.end(), scan.begin());
  const std::uint64_t total = scan.back() + degree.back();
  list_offsets<<<cuda::blocks_for(l.lists * (l.N + 1)), cuda::kThreads>>>(l.lists, l.N, thrust::raw_pointer_cast(scan.data()), total,
                                                        offsets);
  NB_CUDA_CHECK_LAUNCH();
  NB_CUDA_CHECK(cudaDeviceSynchronize());
  return total;
}

void fill_pairwise_cuda(const PairwiseLists& l, const std::uint64_t* offsets, std::uint32_t* targets) {
  const std::size_t cells = l.lists * l.N;
  if (cells == 0) return;
  fill_targets<<<cuda::blocks_for(cells), cuda::kThreads>>>(l, offsets, targets);
  NB_CUDA_CHECK_LAUNCH();
  NB_CUDA_CHECK(cudaDeviceSynchronize());
}

void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end, const CudaLaunch& launch) {
  advance_cuda_impl<ExactMath>(v, step_begin, step_end, launch);
}

void finalize_cuda(const View& v, double, std::uint32_t) { cuda::launch_each_instance<cuda::FinalizeAt>(v); }

}  // namespace network
}  // namespace nb
