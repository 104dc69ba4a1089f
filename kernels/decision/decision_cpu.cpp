// Wong & Wang decision model on the CPU: the reference backend (exact math; the lane loop is decision_cpu.hpp's).

// 512-bit vectors where the target has them (gcc's default for -march=native on AVX-512 cores is 256): the same
// operations lane by lane, so the same bits (check-same-bits), about 10 % faster.
#if defined(__GNUC__) && !defined(__clang__) && defined(__AVX512F__)
#pragma GCC target("prefer-vector-width=512")
#endif
#include <omp.h>

#include <cstddef>

#include "kernels/common/cpu_threads.hpp"
#include "kernels/decision/decision_cpu.hpp"
#include "kernels/decision/decision_kernels.hpp"

namespace nb {
namespace decision {
namespace {

struct AtomicAdd {
  void operator()(unsigned long long* word, unsigned long long value) const {
#pragma omp atomic
    *word += value;
  }
};

}  // namespace

void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  cpu_loop::advance_with<ExactMath>(v, step_begin, step_end, threads);
}

void finalize_cpu(const View& v, double, std::uint32_t, int threads) {
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(v.n);
#pragma omp parallel for schedule(static) num_threads(resolve_threads(threads))
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    finalize_at(v, static_cast<std::size_t>(i));
    if (v.group_sums != nullptr) add_binned(v, static_cast<std::size_t>(i), AtomicAdd{});
  }
}

}  // namespace decision
}  // namespace nb
