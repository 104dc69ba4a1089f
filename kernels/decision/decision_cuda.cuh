// Wong & Wang decision model on the GPU: one thread per trial, running advance_trial (decision.hpp), the time loop
// with the state in registers, on the same step functions as the CPU reference. Included by decision_cuda_exact.cu
// (-fmad=false) and decision_cuda_fast.cu.
#pragma once

#include "kernels/common/cuda_launch.cuh"
#include "kernels/decision/decision_kernels.hpp"

namespace nb {
namespace decision {
namespace kernel {

// Blocks per SM that the register budget must allow. The kernel is issue-bound, so occupancy matters: fast mode's
// unrecorded loop fits 3 blocks of 256 threads (at most 85 registers, no spills on sm_90); the others keep 2 (at
// most 128), which they need to run without spills.
template <class Math, bool kRecorded>
constexpr int kMinBlocksPerSM = Math::mode == MathMode::fast && !kRecorded ? 3 : 2;

template <class Math, bool kRecorded>
__global__ void __launch_bounds__(cuda::kThreads, kMinBlocksPerSM<Math, kRecorded>)
    advance(View v, std::uint32_t step_begin, std::uint32_t step_end) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < v.n) advance_trial<Math, kRecorded>(v, i, step_begin, step_end);
}

}  // namespace kernel

template <class Math>
void advance_cuda_impl(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  if (v.n == 0 || step_begin >= step_end) return;
  const auto kernel = records(v) ? kernel::advance<Math, true> : kernel::advance<Math, false>;
  kernel<<<cuda::blocks_for(v.n), cuda::kThreads>>>(v, step_begin, step_end);
  NB_CUDA_CHECK_LAUNCH();
}

}  // namespace decision
}  // namespace nb
