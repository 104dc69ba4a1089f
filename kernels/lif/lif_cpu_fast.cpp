// LIF on the CPU in fast math (--math fast): lif_cpu.hpp's lane loop with FastCpuMath, whose normal transform
// (log, sincos of Box-Muller) is kernels/common/fast_math.hpp's FMA polynomials. A translation unit of its own, so
// that the exact one (lif_cpu.cpp) keeps no FMA in its object code.

// 512-bit vectors where the target has them (gcc's default for -march=native on AVX-512 cores is 256).
#if defined(__GNUC__) && !defined(__clang__) && defined(__AVX512F__)
#pragma GCC target("prefer-vector-width=512")
#endif

#include "kernels/common/fast_math.hpp"
#include "kernels/lif/lif_cpu.hpp"
#include "kernels/lif/lif_kernels.hpp"

namespace nb {
namespace lif {

void advance_cpu_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  cpu_loop::advance_with<FastCpuMath>(v, step_begin, step_end, threads);
}

}  // namespace lif
}  // namespace nb
