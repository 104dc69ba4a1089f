// Self-sustained population on the GPU: one thread per instance, the time loop in registers, the same step
// functions as the CPU reference. Included by self_sustained_cuda_exact.cu (-fmad=false) and _fast.cu.
#pragma once

#include "kernels/common/cuda_launch.cuh"
#include "kernels/self_sustained/self_sustained_kernels.hpp"

namespace nb {
namespace self_sustained {
namespace kernel {

template <class Math>
__device__ void record(const View& v, std::size_t i, float s, std::uint32_t t) {
  if (v.trace_s == nullptr || v.trace_row[i] < 0 || t % v.trace_every != 0u) return;
  record_sample(v, i, s, rate_Hz<Math>(v, i, input_nA(v, i, s, t)), t / v.trace_every);
}

template <class Math>
__global__ void advance(View v, std::uint32_t step_begin, std::uint32_t step_end) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= v.n) return;
  float s = v.s[i], probe = v.s_probe[i];
  std::uint32_t up = v.up_step[i], down = v.down_step[i];
  if (step_begin == 0) record<Math>(v, i, s, 0);
  for (std::uint32_t t = step_begin; t < step_end; ++t) {
    const float after = step<Math>(v, i, s, t);
    observe(v, i, s, after, t + 1u, probe, up, down);
    s = after;
    record<Math>(v, i, s, t + 1u);
  }
  v.s[i] = s;
  v.s_probe[i] = probe;
  v.up_step[i] = up;
  v.down_step[i] = down;
}

}  // namespace kernel

template <class Math>
void advance_cuda_impl(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  if (v.n == 0 || step_begin >= step_end) return;
  kernel::advance<Math><<<cuda::blocks_for(v.n), cuda::kThreads>>>(v, step_begin, step_end);
  NB_CUDA_CHECK_LAUNCH();
}

}  // namespace self_sustained
}  // namespace nb
