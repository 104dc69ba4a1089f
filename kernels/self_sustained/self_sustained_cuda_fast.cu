// Fast math mode: hardware exp/expm1 intrinsics, FMA contraction allowed.
#include "kernels/self_sustained/self_sustained_cuda.cuh"

namespace nb {
namespace self_sustained {

void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  advance_cuda_impl<FastMath>(v, step_begin, step_end);
}

}  // namespace self_sustained
}  // namespace nb
