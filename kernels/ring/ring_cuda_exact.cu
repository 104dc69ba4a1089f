// Exact math mode: compiled with -fmad=false (CMakeLists.txt), so every operation rounds as on the CPU.
#include "kernels/ring/ring_cuda.cuh"

namespace nb {
namespace ring {
namespace {

// One thread per ring: the profile scan of finalize_at.
struct Finalize {
  __device__ void operator()(const View& v, std::size_t i) const { finalize_at(v, i); }
};

}  // namespace

void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  advance_cuda_impl<ExactMath>(v, step_begin, step_end);
}

void finalize_cuda(const View& v, double, std::uint32_t) { cuda::launch_each_instance<Finalize>(v); }

}  // namespace ring
}  // namespace nb
