// Fast math mode: hardware exp/expm1/log/sincos intrinsics, FMA contraction allowed.
#include "kernels/decision/decision_cuda.cuh"

namespace nb {
namespace decision {

void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  advance_cuda_impl<FastMath>(v, step_begin, step_end);
}

}  // namespace decision
}  // namespace nb
