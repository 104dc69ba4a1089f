// Fast math mode: hardware transcendental intrinsics (FastMath) and FMA contraction (-fmad=true).
#include "kernels/adex/adex_cuda.cuh"

namespace nb {
namespace adex {

void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  advance_cuda_impl<FastMath>(v, step_begin, step_end);
}

}  // namespace adex
}  // namespace nb
