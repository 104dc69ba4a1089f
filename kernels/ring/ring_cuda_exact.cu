// Exact math mode: compiled with -fmad=false (CMakeLists.txt), so every operation rounds as on the CPU.
#include "kernels/ring/ring_cuda.cuh"

namespace nb {
namespace ring {

void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  advance_cuda_impl<ExactMath>(v, step_begin, step_end);
}

void finalize_cuda(const View& v, double, std::uint32_t) { cuda::launch_each_instance<cuda::FinalizeAt>(v); }

}  // namespace ring
}  // namespace nb
