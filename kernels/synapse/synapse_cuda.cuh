// Synapse ensembles on the GPU: one thread per instance, the time loop in registers, the same step functions as
// the CPU reference. Included by synapse_cuda_exact.cu (-fmad=false: bit-identical to the CPU) and _fast.cu.
#pragma once

#include "kernels/common/cuda_launch.cuh"
#include "kernels/synapse/synapse_kernels.hpp"

namespace nb {
namespace synapse {
namespace kernel {

template <class Math, bool Record>
__global__ void advance(View v, std::uint32_t step_begin, std::uint32_t step_end) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= v.n) return;
  const Coefficients c = coefficients_at(v, i);
  State st = state_at(v, i);
  lif::State pre = pre_state_at(v, i);
  if (Record && step_begin == 0 && v.trace_row != nullptr && v.trace_row[i] >= 0) record_sample(v, i, st.s, pre.V_mV, 0);
  const bool poisson = c.train == kPoisson, lif = c.train == kLif;
  Philox4x32Words words{};
  Normals4 xi{};
  for (std::uint32_t t = step_begin; t < step_end; ++t) {
    const bool new_block = t == step_begin || (t & 3u) == 0u;
    if (poisson && new_block) words = poisson_words(v.seed, v.instance_id[i], t >> 2);
    if (lif && new_block) xi = pre_noise<Math>(v.seed, v.instance_id[i], t >> 2);
    const std::uint32_t k = t & 3u;
    const std::uint32_t word = k == 0u ? words.w[0] : (k == 1u ? words.w[1] : (k == 2u ? words.w[2] : words.w[3]));
    const bool spiked = presynaptic_spike(st, pre, c, word, xi.pick(k));
    finish_step(st, pre, c, spiked, t + 1u);
    if (Record) record_step(v, i, st, pre, spiked, t + 1u);
  }
  store_state(v, i, st, pre);
}

}  // namespace kernel

template <class Math>
void advance_cuda_impl(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  if (v.n == 0 || step_begin >= step_end) return;
  const unsigned threads = cuda::kThreads, blocks = cuda::blocks_for(v.n);
  if (v.recording()) {
    kernel::advance<Math, true><<<blocks, threads>>>(v, step_begin, step_end);
  } else {
    kernel::advance<Math, false><<<blocks, threads>>>(v, step_begin, step_end);
  }
  NB_CUDA_CHECK_LAUNCH();
}

}  // namespace synapse
}  // namespace nb
