// LIF on the GPU: one thread per instance, the time loop in registers, the same step functions as the CPU.
// Included by lif_cuda_exact.cu (compiled with -fmad=false: bit-identical to the CPU) and lif_cuda_fast.cu.
#pragma once

#include "kernels/common/cuda_launch.cuh"
#include "kernels/lif/lif_kernels.hpp"

namespace nb {
namespace lif {
namespace kernel {

template <class Math, bool Noisy, bool Record>
__global__ void advance(View v, std::uint32_t step_begin, std::uint32_t step_end) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= v.n) return;
  const Coefficients c = coefficients_at(v, i);
  State s = state_at(v, i);
  if (Record && step_begin == 0 && v.trace_V_mV != nullptr && v.trace_row[i] >= 0) {
    v.trace_V_mV[static_cast<std::size_t>(v.trace_row[i]) * v.trace_samples] = s.V_mV;  // sample 0: initial V
  }
  Normals4 xi{};
  for (std::uint32_t t = step_begin; t < step_end; ++t) {
    if (Noisy && (t == step_begin || (t & 3u) == 0u)) xi = membrane_noise_block<Math>(v.seed, v.instance_id[i], t);
    const bool spiked = membrane_step(s, c, Noisy ? xi.pick(t & 3u) : 0.0f);
    if (spiked) tally_spike(s, true, t + 1u);  // rare: keep the 64-bit ISI arithmetic off the common path
    if (Record) record_step(v, i, s, spiked, t + 1u);
  }
  store_state(v, i, s);
}

}  // namespace kernel

template <class Math>
void advance_cuda_impl(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  if (v.n == 0 || step_begin >= step_end) return;
  const unsigned blocks = cuda::blocks_for(v.n), threads = cuda::kThreads;
  if (v.noisy) {
    if (v.recording()) kernel::advance<Math, true, true><<<blocks, threads>>>(v, step_begin, step_end);
    else kernel::advance<Math, true, false><<<blocks, threads>>>(v, step_begin, step_end);
  } else {
    if (v.recording()) kernel::advance<Math, false, true><<<blocks, threads>>>(v, step_begin, step_end);
    else kernel::advance<Math, false, false><<<blocks, threads>>>(v, step_begin, step_end);
  }
  NB_CUDA_CHECK_LAUNCH();
}

}  // namespace lif
}  // namespace nb
