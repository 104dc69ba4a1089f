// LIF on the CPU: the reference backend (exact math; the lane loop is lif_cpu.hpp's).

// 512-bit vectors where the target has them (gcc's default for -march=native on AVX-512 cores is 256): the same
// operations lane by lane, so the same bits (check-same-bits).
#if defined(__GNUC__) && !defined(__clang__) && defined(__AVX512F__)
#pragma GCC target("prefer-vector-width=512")
#endif
#include <cstddef>

#include <omp.h>

#include "kernels/common/cpu_threads.hpp"
#include "kernels/lif/lif_cpu.hpp"
#include "kernels/lif/lif_kernels.hpp"

namespace nb {
namespace lif {

void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  cpu_loop::advance_with<ExactMath>(v, step_begin, step_end, threads);
}

void finalize_cpu(const View& v, double dt_ms, std::uint32_t n_steps, int threads) {
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(v.n);
#pragma omp parallel for schedule(static) num_threads(resolve_threads(threads))
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    store_observables(v, static_cast<std::size_t>(i), lif_finalize(state_at(v, static_cast<std::size_t>(i)), dt_ms, n_steps));
  }
}

}  // namespace lif
}  // namespace nb
