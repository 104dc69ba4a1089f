// AdEx on the GPU: one thread per instance, the time loop in registers, the same step functions as the CPU.
// Included by adex_cuda_exact.cu (compiled with -fmad=false: bit-identical to the CPU) and adex_cuda_fast.cu.
#pragma once

#include "kernels/adex/adex_kernels.hpp"
#include "kernels/common/cuda_launch.cuh"

namespace nb {
namespace adex {
namespace kernel {

template <class Math, bool Noisy, bool Record, bool Exponential>
__global__ void advance(View v, std::uint32_t step_begin, std::uint32_t step_end) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= v.n) return;
  const Coefficients c = coefficients_at(v, i);
  const std::uint32_t b0 = v.I0_begin[i], e0 = v.I0_end[i], b1 = v.I1_begin[i], e1 = v.I1_end[i];
  const std::uint32_t b2 = v.I2_begin[i], e2 = v.I2_end[i], b3 = v.I3_begin[i], e3 = v.I3_end[i];
  const float A0 = v.I0_pA[i], A1 = v.I1_pA[i], A2 = v.I2_pA[i], A3 = v.I3_pA[i];
  State s = state_at(v, i);
  if (Record && step_begin == 0) record_initial(v, i);
  SpikeStats q = stats_at(v, i);
  Normals4 xi{};
  for (std::uint32_t t = step_begin; t < step_end; ++t) {
    if (Noisy && (t == step_begin || (t & 3u) == 0u)) xi = membrane_noise_block<Math>(v.seed, v.instance_id[i], t);
    const float I = ((slot_current(t, b0, e0, A0) + slot_current(t, b1, e1, A1)) + slot_current(t, b2, e2, A2)) +
                    slot_current(t, b3, e3, A3);
    const bool spiked = membrane_step<Math, Exponential>(s, c, I, Noisy ? xi.pick(t & 3u) : 0.0f);
    accumulate_w(s);
    if (spiked) spike_at(v, i, s, q, t + 1u);  // rare: keep the statistics off the common path
    if (Record) record_step(v, i, s, spiked, t + 1u);
  }
  store_state(v, i, s);
  store_stats(v, i, q);
}

template <class Math, bool Exponential>
void launch(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  const unsigned blocks = cuda::blocks_for(v.n), threads = cuda::kThreads;
  if (v.noisy) {
    if (v.recording()) advance<Math, true, true, Exponential><<<blocks, threads>>>(v, step_begin, step_end);
    else advance<Math, true, false, Exponential><<<blocks, threads>>>(v, step_begin, step_end);
  } else {
    if (v.recording()) advance<Math, false, true, Exponential><<<blocks, threads>>>(v, step_begin, step_end);
    else advance<Math, false, false, Exponential><<<blocks, threads>>>(v, step_begin, step_end);
  }
}

}  // namespace kernel

template <class Math>
void advance_cuda_impl(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  if (v.n == 0 || step_begin >= step_end) return;
  if (v.exponential) kernel::launch<Math, true>(v, step_begin, step_end);
  else kernel::launch<Math, false>(v, step_begin, step_end);
  NB_CUDA_CHECK_LAUNCH();
}

}  // namespace adex
}  // namespace nb
