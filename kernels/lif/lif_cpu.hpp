// The LIF CPU lane loop as a template over the math policy, for the two CPU translation units: lif_cpu.cpp
// instantiates it with ExactMath (advance_cpu: the reference backend, no fused multiply-adds) and lif_cpu_fast.cpp
// with FastCpuMath (advance_cpu_fast: the CPU's --math fast; only the noise's normal transform differs,
// kernels/common/fast_math.hpp).
//
// Mapping: OpenMP threads take blocks of kLanes consecutive instances; inside a block the time loop is outermost
// and the lanes are innermost, so `omp simd` turns lif_step into vector code (the same scalar functions the GPU
// runs per thread). A block's state lives in small local arrays for the whole step range, like registers on the
// GPU. Results do not depend on the thread count: instances never interact.
#pragma once

#include <algorithm>
#include <cstddef>

#include <omp.h>

#include "kernels/common/cpu_threads.hpp"
#include "kernels/common/random_lanes.hpp"
#include "kernels/lif/lif_kernels.hpp"

namespace nb {
namespace lif {
namespace cpu_loop {

// 32 instances per block: two 512-bit vectors per operation, which the core overlaps (the next step depends on
// this one's membrane update, and the noise's polynomials are long chains). Against 16 (2026-12-07, 1 thread):
// lif_noiseless 2.1e9 -> 3.0e9, lif_noisy 4.5e8 -> 4.8e8 neuron-steps/s. Lanes are independent: the same bits.
constexpr std::size_t kLanes = 32;

// One block of lanes, structure of arrays (gcc vectorises only unit-stride loads from plain arrays).
struct Block {
  float V_inf_mV[kLanes], decay[kLanes], noise_mV[kLanes], V_reset_mV[kLanes], V_th_mV[kLanes];
  std::uint32_t refractory_steps[kLanes];
  float V_mV[kLanes];
  std::uint32_t refractory_left[kLanes], spike_count[kLanes], first_spike_step[kLanes], last_spike_step[kLanes];
  std::uint64_t isi_sq_sum_steps2[kLanes];
  std::uint64_t id[kLanes];
  std::size_t first;  // index of lane 0 in the chunk
  std::size_t lanes;  // valid lanes (the last block may be partial)

  Coefficients coefficients(std::size_t l) const {
    return Coefficients{V_inf_mV[l], decay[l], noise_mV[l], V_reset_mV[l], V_th_mV[l], refractory_steps[l]};
  }
  State state(std::size_t l) const {
    return State{V_mV[l], refractory_left[l], spike_count[l], first_spike_step[l], last_spike_step[l],
                 isi_sq_sum_steps2[l]};
  }
  void set_state(std::size_t l, const State& s) {
    V_mV[l] = s.V_mV;
    refractory_left[l] = s.refractory_left;
    spike_count[l] = s.spike_count;
    first_spike_step[l] = s.first_spike_step;
    last_spike_step[l] = s.last_spike_step;
    isi_sq_sum_steps2[l] = s.isi_sq_sum_steps2;
  }
};

inline Block load_block(const View& v, std::size_t first) {
  Block b;
  b.first = first;
  b.lanes = std::min(kLanes, v.n - first);
  for (std::size_t l = 0; l < kLanes; ++l) {
    // Padding lanes replicate the last valid instance; they are computed and never stored.
    const std::size_t i = first + std::min(l, b.lanes - 1);
    const Coefficients c = coefficients_at(v, i);
    b.V_inf_mV[l] = c.V_inf_mV;
    b.decay[l] = c.decay;
    b.noise_mV[l] = c.noise_mV;
    b.V_reset_mV[l] = c.V_reset_mV;
    b.V_th_mV[l] = c.V_th_mV;
    b.refractory_steps[l] = c.refractory_steps;
    b.set_state(l, state_at(v, i));
    b.id[l] = v.instance_id[i];
  }
  return b;
}

inline void store_block(const View& v, const Block& b) {
  for (std::size_t l = 0; l < b.lanes; ++l) store_state(v, b.first + l, b.state(l));
}

template <class Math, bool Noisy, bool Record>
void advance_block(const View& v, Block& b, std::uint32_t step_begin, std::uint32_t step_end) {
  float xi[4][kLanes] = {};
  bool spiked[kLanes];
  for (std::uint32_t t = step_begin; t < step_end; ++t) {
    if (Noisy && (t == step_begin || (t & 3u) == 0u)) normals4_lanes<Math>(v.seed, b.id, membrane_noise_source(t), xi);
    const float* xi_t = xi[t & 3u];
#pragma omp simd
    for (std::size_t l = 0; l < kLanes; ++l) {
      State s = b.state(l);
      spiked[l] = lif_step(s, b.coefficients(l), xi_t[l], t + 1u);
      b.set_state(l, s);
    }
    if (Record) {
      for (std::size_t l = 0; l < b.lanes; ++l) record_step(v, b.first + l, b.state(l), spiked[l], t + 1u);
    }
  }
}

template <class Math, bool Noisy, bool Record>
void advance_all(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  const std::ptrdiff_t n_blocks = static_cast<std::ptrdiff_t>((v.n + kLanes - 1) / kLanes);
#pragma omp parallel for schedule(static) num_threads(threads)
  for (std::ptrdiff_t k = 0; k < n_blocks; ++k) {
    Block b = load_block(v, static_cast<std::size_t>(k) * kLanes);
    advance_block<Math, Noisy, Record>(v, b, step_begin, step_end);
    store_block(v, b);
  }
}

// Steps [step_begin, step_end) of every instance of the view.
template <class Math>
void advance_with(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  if (v.n == 0 || step_begin >= step_end) return;
  const int t = resolve_threads(threads);
  if (step_begin == 0 && v.trace_V_mV != nullptr) {
    for (std::size_t i = 0; i < v.n; ++i) {  // sample 0 is the initial state
      if (v.trace_row[i] >= 0) v.trace_V_mV[static_cast<std::size_t>(v.trace_row[i]) * v.trace_samples] = v.V_mV[i];
    }
  }
  if (v.noisy) {
    v.recording() ? advance_all<Math, true, true>(v, step_begin, step_end, t) : advance_all<Math, true, false>(v, step_begin, step_end, t);
  } else {
    v.recording() ? advance_all<Math, false, true>(v, step_begin, step_end, t) : advance_all<Math, false, false>(v, step_begin, step_end, t);
  }
}

}  // namespace cpu_loop
}  // namespace lif
}  // namespace nb
