// Self-sustained population on the CPU: OpenMP threads over blocks of kLanes instances, the time loop inside,
// `omp simd` over the lanes (each lane reads its instance's inputs straight from the View: unit stride).
#include <omp.h>

#include <algorithm>
#include <cstddef>

#include "kernels/common/cpu_threads.hpp"
#include "kernels/self_sustained/self_sustained_kernels.hpp"

namespace nb {
namespace self_sustained {
namespace {

constexpr std::size_t kLanes = 16;

void record(const View& v, std::size_t i, float s, std::uint32_t t) {
  if (v.trace_s == nullptr || v.trace_row[i] < 0 || t % v.trace_every != 0u) return;
  record_sample(v, i, s, rate_Hz<ExactMath>(v, i, input_nA(v, i, s, t)), t / v.trace_every);
}

void advance_block(const View& v, std::size_t first, std::size_t lanes, std::uint32_t step_begin,
                   std::uint32_t step_end) {
  float s[kLanes], probe[kLanes];
  std::uint32_t up[kLanes], down[kLanes];
  for (std::size_t l = 0; l < lanes; ++l) {
    s[l] = v.s[first + l];
    probe[l] = v.s_probe[first + l];
    up[l] = v.up_step[first + l];
    down[l] = v.down_step[first + l];
  }
  for (std::uint32_t t = step_begin; t < step_end; ++t) {
#pragma omp simd
    for (std::size_t l = 0; l < lanes; ++l) {
      const float after = step<ExactMath>(v, first + l, s[l], t);
      observe(v, first + l, s[l], after, t + 1u, probe[l], up[l], down[l]);
      s[l] = after;
    }
    if (v.trace_s != nullptr) {
      for (std::size_t l = 0; l < lanes; ++l) record(v, first + l, s[l], t + 1u);
    }
  }
  for (std::size_t l = 0; l < lanes; ++l) {
    v.s[first + l] = s[l];
    v.s_probe[first + l] = probe[l];
    v.up_step[first + l] = up[l];
    v.down_step[first + l] = down[l];
  }
}

}  // namespace

void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  if (v.n == 0 || step_begin >= step_end) return;
  if (step_begin == 0) {
    for (std::size_t i = 0; i < v.n; ++i) record(v, i, v.s[i], 0);  // sample 0: the initial state
  }
  const std::ptrdiff_t n_blocks = static_cast<std::ptrdiff_t>((v.n + kLanes - 1) / kLanes);
#pragma omp parallel for schedule(static) num_threads(resolve_threads(threads))
  for (std::ptrdiff_t k = 0; k < n_blocks; ++k) {
    const std::size_t first = static_cast<std::size_t>(k) * kLanes;
    advance_block(v, first, std::min(kLanes, v.n - first), step_begin, step_end);
  }
}

void finalize_cpu(const View& v, int threads) {
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(v.n);
#pragma omp parallel for schedule(static) num_threads(resolve_threads(threads))
  for (std::ptrdiff_t i = 0; i < n; ++i) finalize_at<ExactMath>(v, static_cast<std::size_t>(i));
}

}  // namespace self_sustained
}  // namespace nb
