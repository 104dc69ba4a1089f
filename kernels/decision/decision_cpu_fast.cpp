// Wong & Wang decision model on the CPU in fast math (--math fast): decision_cpu.hpp's lane loop with FastCpuMath
// (kernels/common/fast_math.hpp: vectorised polynomials with explicit fused multiply-adds). A translation unit of
// its own, so that the exact one (decision_cpu.cpp) keeps no FMA in its object code.
// 512-bit vectors where the target has them (gcc's default for -march=native on AVX-512 cores is 256).
#if defined(__GNUC__) && !defined(__clang__) && defined(__AVX512F__)
#pragma GCC target("prefer-vector-width=512")
#endif

#include "kernels/common/fast_math.hpp"
#include "kernels/decision/decision_cpu.hpp"
#include "kernels/decision/decision_kernels.hpp"

namespace nb {
namespace decision {

void advance_cpu_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  cpu_loop::advance_with<FastCpuMath>(v, step_begin, step_end, threads);
}

}  // namespace decision
}  // namespace nb
