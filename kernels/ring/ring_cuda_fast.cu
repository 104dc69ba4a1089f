// Fast math mode: hardware log/sincos intrinsics for the input noise, FMA contraction allowed.
#include "kernels/ring/ring_cuda.cuh"

namespace nb {
namespace ring {

void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  advance_cuda_impl<FastMath>(v, step_begin, step_end);
}

}  // namespace ring
}  // namespace nb
