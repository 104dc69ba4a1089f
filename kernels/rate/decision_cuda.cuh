// Wong & Wang decision model on the GPU: one thread per trial, the time loop in registers, the same step
// functions as the CPU reference. Included by decision_cuda_exact.cu (-fmad=false) and decision_cuda_fast.cu.
#pragma once

#include "kernels/cuda/launch.cuh"
#include "kernels/rate/decision.hpp"

namespace nb {
namespace decision {
namespace kernel {

template <class Math>
__global__ void advance(View v, std::uint32_t step_begin, std::uint32_t step_end) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= v.n) return;
  const Coefficients c = coefficients_at(v, i);
  State s = state_at(v, i);
  const std::uint64_t id = v.instance_id[i];
  const bool noisy = c.noise_amp_nA != 0.0f;  // a noiseless trial would multiply its draws by 0
  Normals4 z1{}, z2{};
  for (std::uint32_t t = step_begin; t < step_end; ++t) {
    if (noisy && (t == step_begin || (t & 3u) == 0u)) {
      z1 = noise_block<Math>(v.seed, id, 0u, t);
      z2 = noise_block<Math>(v.seed, id, 1u, t);
    }
    if (traced(v, i, t)) {
      float r1, r2;
      rates_Hz<Math>(c, s, t, r1, r2);
      record_sample(v, i, s, r1, r2, t / v.trace_every);
    }
    float r1, r2;
    step<Math>(c, s, z1.pick(t & 3u), z2.pick(t & 3u), t, r1, r2);
    if (closes_bin(v, t)) flush_bin(v, i, s.bin_sum_r1, s.bin_sum_r2, t);
  }
  store_state(v, i, s);
}

}  // namespace kernel

template <class Math>
void advance_cuda_impl(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  if (v.n == 0 || step_begin >= step_end) return;
  kernel::advance<Math><<<cuda::blocks_for(v.n), cuda::kThreads>>>(v, step_begin, step_end);
  NB_CUDA_CHECK_LAUNCH();
}

}  // namespace decision
}  // namespace nb
