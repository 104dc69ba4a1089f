// The Wong & Wang CPU lane loop as a template over the math policy, for the two CPU translation units:
// decision_cpu.cpp instantiates it with ExactMath (advance_cpu: the reference backend, the CUDA exact kernel's bits,
// compiled without fused multiply-adds, which tests/check_cpu_object.cmake checks) and decision_cpu_fast.cpp with
// FastCpuMath (advance_cpu_fast: the CPU's --math fast, kernels/common/fast_math.hpp, explicit FMAs).
//
// OpenMP threads take blocks of kLanes trials; the time loop is outermost and `omp simd` runs the lanes, whose
// coefficients and state sit in small local arrays (structure of arrays: unit-stride loads). Traces and bin flushes
// are rare and scalar.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstddef>

#include "kernels/common/cpu_threads.hpp"
#include "kernels/common/random_lanes.hpp"
#include "kernels/decision/decision_kernels.hpp"

namespace nb {
namespace decision {
namespace cpu_loop {


// 32 trials per block: two 512-bit vectors (four 256-bit) per operation. A step's critical path (the rates, the
// transfer function's polynomial and division, the gates) is long, and the next step depends on it: two independent
// vectors let the core overlap them (32 lanes ran the step 1.4x faster than 16; 64 no faster than 32). Every lane is
// computed alone, so the block size changes no bit.
constexpr std::size_t kLanes = 32;

struct Block {
#define NB_LANES(type, name) type name[kLanes];
  NB_DECISION_COEFFICIENTS(NB_LANES)
  NB_DECISION_STATE(NB_LANES)
#undef NB_LANES
  std::uint64_t id[kLanes];
  std::size_t first = 0, lanes = 0;
  bool noisy = false;  // some lane has noise: draw normals (a noiseless lane multiplies its draw by 0)

  Coefficients coefficients(std::size_t l) const {
    Coefficients c;
#define NB_GET(type, name) c.name = name[l];
    NB_DECISION_COEFFICIENTS(NB_GET)
#undef NB_GET
    return c;
  }
  State state(std::size_t l) const {
    State s;
#define NB_GET(type, name) s.name = name[l];
    NB_DECISION_STATE(NB_GET)
#undef NB_GET
    return s;
  }
  void set_state(std::size_t l, const State& s) {
#define NB_SET(type, name) name[l] = s.name;
    NB_DECISION_STATE(NB_SET)
#undef NB_SET
  }
};

inline void load_block(const View& v, std::size_t first, Block& b) {
  b.first = first;
  b.lanes = std::min(kLanes, v.n - first);
  for (std::size_t l = 0; l < kLanes; ++l) {
    // Padding lanes replicate the last valid trial; they are computed and never stored.
    const std::size_t i = first + std::min(l, b.lanes - 1);
    const Coefficients c = coefficients_at(v, i);
#define NB_SET(type, name) b.name[l] = c.name;
    NB_DECISION_COEFFICIENTS(NB_SET)
#undef NB_SET
    b.set_state(l, state_at(v, i));
    b.id[l] = v.instance_id[i];
    b.noisy = b.noisy || c.noise_amp_nA != 0.0f;
  }
}

template <class Math>
void record(const View& v, const Block& b, std::uint32_t t) {
  for (std::size_t l = 0; l < b.lanes; ++l) {
    if (!traced(v, b.first + l, t)) continue;
    const State s = b.state(l);
    float r1, r2;
    rates_Hz<Math>(b.coefficients(l), s, t, r1, r2);
    record_sample(v, b.first + l, s, r1, r2, t / v.trace_every);
  }
}

// Steps [step_begin, step_end) of a block with the integrator policy Gate (decision.hpp): EulerGate or
// ExponentialGate when every lane uses that integrator (the usual case: one integrator per spec), TrialGate
// (both computed, one selected per lane) otherwise. The same operations give each lane the same bits either way.
// The stimulus currents are recomputed only at the block's next pulse edge, between which they are constant (as on
// the GPU, decision_kernels.hpp).
template <class Math, class Gate>
void advance_block_with(const View& v, Block& b, std::uint32_t step_begin, std::uint32_t step_end) {
  float z1[4][kLanes] = {}, z2[4][kLanes] = {};
  float stim1[kLanes], stim2[kLanes];
  std::uint32_t next_edge = step_begin;  // the stimulus is computed at the first step
  for (std::uint32_t t = step_begin; t < step_end; ++t) {
    if (b.noisy && (t == step_begin || (t & 3u) == 0u)) {
      normals4_lanes<Math>(v.seed, b.id, noise_source(0u, t), z1);
      normals4_lanes<Math>(v.seed, b.id, noise_source(1u, t), z2);
    }
    if (t == next_edge) {
      next_edge = ~0u;
      for (std::size_t l = 0; l < kLanes; ++l) {
        const Coefficients c = b.coefficients(l);
        stimulus_nA(c, t, stim1[l], stim2[l]);
        next_edge = std::min(next_edge, next_pulse_edge(c, t));
      }
    }
    if (v.trace_row != nullptr) record<Math>(v, b, t);
    const float* z1_t = z1[t & 3u];
    const float* z2_t = z2[t & 3u];
#pragma omp simd
    for (std::size_t l = 0; l < kLanes; ++l) {
      State s = b.state(l);
      float r1, r2;
      step<Math, Gate>(b.coefficients(l), s, stim1[l], stim2[l], z1_t[l], z2_t[l], t, r1, r2);
      b.set_state(l, s);
    }
    if (closes_bin(v, t)) {
      for (std::size_t l = 0; l < b.lanes; ++l) flush_bin(v, b.first + l, b.bin_sum_r1[l], b.bin_sum_r2[l], t);
    }
  }
}

template <class Math>
void advance_block(const View& v, Block& b, std::uint32_t step_begin, std::uint32_t step_end) {
  std::size_t exponential = 0;
  for (std::size_t l = 0; l < kLanes; ++l) exponential += b.exponential[l] != 0u;
  if (exponential == 0) {
    advance_block_with<Math, EulerGate>(v, b, step_begin, step_end);
  } else if (exponential == kLanes) {
    advance_block_with<Math, ExponentialGate>(v, b, step_begin, step_end);
  } else {
    advance_block_with<Math, TrialGate>(v, b, step_begin, step_end);
  }
}

// Steps [step_begin, step_end) of every trial of the view.
template <class Math>
void advance_with(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  if (v.n == 0 || step_begin >= step_end) return;
  const std::ptrdiff_t n_blocks = static_cast<std::ptrdiff_t>((v.n + kLanes - 1) / kLanes);
#pragma omp parallel for schedule(static) num_threads(resolve_threads(threads))
  for (std::ptrdiff_t k = 0; k < n_blocks; ++k) {
    Block b;
    load_block(v, static_cast<std::size_t>(k) * kLanes, b);
    advance_block<Math>(v, b, step_begin, step_end);
    for (std::size_t l = 0; l < b.lanes; ++l) store_state(v, b.first + l, b.state(l));
  }
}

}  // namespace cpu_loop
}  // namespace decision
}  // namespace nb
