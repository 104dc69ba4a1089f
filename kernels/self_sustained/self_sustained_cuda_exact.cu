// Exact math mode: compiled with -fmad=false (CMakeLists.txt), so every operation rounds as on the CPU.
#include "kernels/self_sustained/self_sustained_cuda.cuh"

namespace nb {
namespace self_sustained {
namespace {

struct Finalize {
  __device__ void operator()(const View& v, std::size_t i) const { finalize_at<ExactMath>(v, i); }
};

}  // namespace

void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  advance_cuda_impl<ExactMath>(v, step_begin, step_end);
}

// The final rate is evaluated in exact mode whatever the math mode, like every other observable.
void finalize_cuda(const View& v) { cuda::launch_each_instance<Finalize>(v); }

}  // namespace self_sustained
}  // namespace nb
