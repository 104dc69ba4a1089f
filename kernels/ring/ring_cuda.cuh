// Ring model on the GPU: one warp per ring, the whole time segment in one launch. Lane l owns the quads
// q = l, l + 32, ... (kernels/ring/ring.hpp); the moments are the lanes' partials added by __shfl_down_sync in the
// fixed tree order and broadcast from lane 0, so every lane (and the CPU reference) sees the same bits. A ring's
// rates are staged in shared memory for the segment when the block's rings fit (N <= 3072 at 4 rings per block);
// larger rings work on their global-memory copy, which L1/L2 caches. Included by ring_cuda_exact.cu
// (-fmad=false) and ring_cuda_fast.cu.
#pragma once

#include "kernels/common/cuda_launch.cuh"
#include "kernels/ring/ring_kernels.hpp"

namespace nb {
namespace ring {
namespace kernel {

constexpr unsigned kFullMask = 0xffffffffu;
constexpr unsigned kWarpsPerBlock = 4;

// Lane 0's tree total, broadcast to every lane.
__device__ __forceinline__ float warp_tree_sum(float partial) {
  for (unsigned o = kWarp / 2; o > 0; o >>= 1) {
    const float other = __shfl_down_sync(kFullMask, partial, o);
    partial = partial + other;  // lanes >= o add garbage they never use
  }
  return __shfl_sync(kFullMask, partial, 0);
}

__device__ __forceinline__ float warp_max(float x) {
  for (unsigned o = kWarp / 2; o > 0; o >>= 1) {
    const float other = __shfl_xor_sync(kFullMask, x, o);
    x = other > x ? other : x;
  }
  return x;
}

template <int Modes>
__device__ void reduce(const float* partial, float r_max_part, std::uint32_t N, float* M, float& r_max) {
  M[0] = warp_tree_sum(partial[0]) / static_cast<float>(N);
#pragma unroll
  for (int m = 0; m < Modes; ++m) {
    M[1 + 2 * m] = warp_tree_sum(partial[1 + 2 * m]) / static_cast<float>(N);
    M[2 + 2 * m] = warp_tree_sum(partial[2 + 2 * m]) / static_cast<float>(N);
  }
  r_max = warp_max(r_max_part);
}

// Rate x of a neuron with basis values bc, bs into this lane's moment sums and maximum (the order of the CPU's
// accumulate: the sum, then cos and sin per mode).
template <int Modes>
__device__ __forceinline__ void accumulate(float* partial, float& part_max, const float* bc, const float* bs, float x) {
  partial[0] += x;
#pragma unroll
  for (int m = 0; m < Modes; ++m) {
    partial[1 + 2 * m] += x * bc[m];
    partial[2 + 2 * m] += x * bs[m];
  }
  part_max = x > part_max ? x : part_max;
}

template <int Modes>
__device__ void load_basis(const View& v, std::uint32_t j, float* bc, float* bs) {
#pragma unroll
  for (int m = 0; m < Modes; ++m) {
    bc[m] = __ldg(v.basis + (2 * m) * v.N + j);
    bs[m] = __ldg(v.basis + (2 * m + 1) * v.N + j);
  }
}

constexpr std::size_t kSharedBytes = 48 * 1024;  // without an opt-in: enough for 4 rings of N = 3072

template <class Math, int Modes, bool Shared>
__global__ void __launch_bounds__(kWarp * kWarpsPerBlock) advance(View v, std::uint32_t step_begin, std::uint32_t step_end) {
  extern __shared__ float staged[];  // (kWarpsPerBlock, N) when Shared
  const std::size_t i = (static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
  const unsigned lane = threadIdx.x % kWarp;
  if (i >= v.n) return;  // whole warps: i is the same for every lane
  const Coefficients c = coefficients_at(v, i);
  float* const global_r = v.r_Hz + i * v.N;
  float* const r = Shared ? staged + (threadIdx.x / kWarp) * v.N : global_r;
  if (Shared) {
    for (std::uint32_t j = lane; j < v.N; j += kWarp) r[j] = global_r[j];
    __syncwarp();
  }
  float M[kMoments];
  load_moments(v, i, M);
  float r_max = v.r_max[i];
  const std::uint32_t quads = (v.N + kQuad - 1) / kQuad;
  if (step_begin == 0) {
    float partial[kMoments] = {}, part_max = 0.0f;
    for (std::uint32_t q = lane; q < quads; q += kWarp) {
#pragma unroll
      for (unsigned t = 0; t < kQuad; ++t) {
        const std::uint32_t j = q * kQuad + t;
        if (j >= v.N) break;
        float bc[kMaxModes], bs[kMaxModes];
        load_basis<Modes>(v, j, bc, bs);
        accumulate<Modes>(partial, part_max, bc, bs, r[j]);
      }
    }
    reduce<Modes>(partial, part_max, v.N, M, r_max);
  }
  std::uint32_t diverged = v.diverged_step[i], moving = v.last_moving_step[i];
  const bool noisy = c.noise_Hz != 0.0f;
  const std::uint64_t id = v.instance_id[i];
  for (std::uint32_t n = step_begin; n < step_end; ++n) {
    if (traced(v, i, n)) {  // warp-uniform
      __syncwarp();  // lane 0 reads a rate (trace r_Hz) that another lane wrote in the last step ...
      if (lane == 0) record_sample(v, i, M, r_max, r, n);
      __syncwarp();  // ... and before that lane overwrites it in this one
    }
    if (diverged != 0u) continue;  // warp-uniform: frozen where it ran away
    const Drive d = drive_from(c, M);
    float partial[kMoments] = {}, part_max = 0.0f, step_max = 0.0f;
    for (std::uint32_t q = lane; q < quads; q += kWarp) {
      Normals4 z{};
      if (noisy) z = quad_noise<Math>(v.seed, id, q, n);
#pragma unroll
      for (unsigned t = 0; t < kQuad; ++t) {
        const std::uint32_t j = q * kQuad + t;
        if (j >= v.N) break;
        float bc[kMaxModes], bs[kMaxModes];
        load_basis<Modes>(v, j, bc, bs);
        const float before = r[j];
        const float after = neuron_step<Modes>(c, d, bc, bs, before, c.noise_Hz * z.z[t]);
        r[j] = after;
        accumulate<Modes>(partial, part_max, bc, bs, after);
        const float change = after > before ? after - before : before - after;
        step_max = change > step_max ? change : step_max;
      }
    }
    reduce<Modes>(partial, part_max, v.N, M, r_max);
    step_max = warp_max(step_max);
    moving = step_max > c.converge_step_Hz ? n + 1u : moving;
    diverged = runs_away(c, M, r_max) ? n + 1u : 0u;
  }
  if (Shared) {
    __syncwarp();
    for (std::uint32_t j = lane; j < v.N; j += kWarp) global_r[j] = r[j];
  }
  if (lane == 0) store_ring_state(v, i, M, r_max, diverged, moving);
}

}  // namespace kernel

template <class Math, bool Shared>
void launch(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  const unsigned threads = kWarp * kernel::kWarpsPerBlock;
  const unsigned blocks = static_cast<unsigned>((v.n + kernel::kWarpsPerBlock - 1) / kernel::kWarpsPerBlock);
  const std::size_t bytes = Shared ? kernel::kWarpsPerBlock * v.N * sizeof(float) : 0;
  switch (v.modes) {
    case 1: kernel::advance<Math, 1, Shared><<<blocks, threads, bytes>>>(v, step_begin, step_end); break;
    case 2: kernel::advance<Math, 2, Shared><<<blocks, threads, bytes>>>(v, step_begin, step_end); break;
    default: kernel::advance<Math, 3, Shared><<<blocks, threads, bytes>>>(v, step_begin, step_end); break;
  }
}

template <class Math>
void advance_cuda_impl(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  if (v.n == 0 || step_begin >= step_end) return;
  if (kernel::kWarpsPerBlock * v.N * sizeof(float) <= kernel::kSharedBytes) {
    launch<Math, true>(v, step_begin, step_end);
  } else {
    launch<Math, false>(v, step_begin, step_end);
  }
  NB_CUDA_CHECK_LAUNCH();
}

}  // namespace ring
}  // namespace nb
