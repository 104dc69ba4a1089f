// Conductance-driven LIF on the GPU: one thread per instance, membrane state in registers, the gates in global
// memory laid out (K, n) so that a warp's accesses to synapse k are coalesced. Same step functions as the CPU.
#pragma once

#include "kernels/common/cuda_launch.cuh"
#include "kernels/lif_cond/lif_cond_kernels.hpp"

namespace nb {
namespace lif_cond {
namespace kernel {

template <class Math, bool Noisy, bool Record>
__global__ void advance(View v, std::uint32_t step_begin, std::uint32_t step_end) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= v.n) return;
  const Membrane m = membrane_at(v, i);
  const Receptor ampa{v.g_AMPA_nS[i], v.E_AMPA_mV[i]}, nmda{v.g_NMDA_nS[i], v.E_NMDA_mV[i]},
      gaba{v.g_GABA_nS[i], v.E_GABA_mV[i]};
  const std::uint64_t id = v.instance_id[i];
  lif::State s = lif_state_at(v, i);
  Moments mo = moments_at(v, i);
  float sum_A = v.sum_A[i], sum_N = v.sum_N[i], sum_G = v.sum_G[i];
  if (Record && step_begin == 0 && v.tracing() && v.trace_row[i] >= 0) {
    record_sample(v, i, s.V_mV, conductances_at(v, i), 1.0f, 0);  // sample 0: the initial state
  }
  Normals4 xi{};
  for (std::uint32_t t = step_begin; t < step_end; ++t) {
    if (Noisy && (t == step_begin || (t & 3u) == 0u)) xi = membrane_noise<Math>(v.seed, id, t >> 2);
    const Conductances g{ampa.g_nS * sum_A, nmda.g_nS * sum_N, gaba.g_nS * sum_G};
    float mg;
    const bool spiked = membrane_step<Math>(s, m, ampa, nmda, gaba, g, Noisy ? xi.pick(t & 3u) : 0.0f, mg);
    const bool counted = counted_spike(v, i, spiked, t + 1u);  // statistics after the transient
    if (counted) lif::tally_spike(s, true, t + 1u);
    accumulate(mo, s.V_mV, g, mg, t + 1u > v.transient_steps[i]);
    if (Record) record_step(v, i, s, g, mg, spiked, counted, t + 1u);
    const std::uint32_t block = t >> 2;
    excitatory_gates(v, i, [&](std::uint32_t k) { return word_of_step(input_words(v.seed, id, k, false, block), t); },
                     sum_A, sum_N);
    sum_G = inhibitory_gates(v, i, [&](std::uint32_t k) { return word_of_step(input_words(v.seed, id, k, true, block), t); });
  }
  store_lif_state(v, i, s);
  store_moments(v, i, mo);
  v.sum_A[i] = sum_A;
  v.sum_N[i] = sum_N;
  v.sum_G[i] = sum_G;
}

}  // namespace kernel

template <class Math>
void advance_cuda_impl(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  if (v.n == 0 || step_begin >= step_end) return;
  const unsigned threads = 128, blocks = cuda::blocks_for(v.n, threads);
  if (v.noisy) {
    if (v.recording()) kernel::advance<Math, true, true><<<blocks, threads>>>(v, step_begin, step_end);
    else kernel::advance<Math, true, false><<<blocks, threads>>>(v, step_begin, step_end);
  } else {
    if (v.recording()) kernel::advance<Math, false, true><<<blocks, threads>>>(v, step_begin, step_end);
    else kernel::advance<Math, false, false><<<blocks, threads>>>(v, step_begin, step_end);
  }
  NB_CUDA_CHECK_LAUNCH();
}

}  // namespace lif_cond
}  // namespace nb
