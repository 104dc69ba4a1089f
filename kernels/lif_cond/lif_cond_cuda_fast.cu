// Fast math mode: hardware exp/log/sin/cos intrinsics, FMA contraction allowed.
#include "kernels/lif_cond/lif_cond_cuda.cuh"

namespace nb {
namespace lif_cond {

void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  advance_cuda_impl<FastMath>(v, step_begin, step_end);
}

}  // namespace lif_cond
}  // namespace nb
