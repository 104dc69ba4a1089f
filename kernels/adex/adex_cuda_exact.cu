// Exact math mode: compiled with -fmad=false (CMakeLists.txt), so every operation rounds as on the CPU.
#include "kernels/adex/adex_cuda.cuh"

namespace nb {
namespace adex {
namespace {

struct Finalize {
  __device__ void operator()(const View& v, std::size_t i, double dt_ms, std::uint32_t n_steps) const {
    finalize_at(v, i, dt_ms, n_steps);
  }
};

}  // namespace

void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  advance_cuda_impl<ExactMath>(v, step_begin, step_end);
}

// Observables are finalised in exact mode whatever the math mode: double arithmetic on exact integer counts and on
// the float sums the advance kernel left.
void finalize_cuda(const View& v, double dt_ms, std::uint32_t n_steps) {
  cuda::launch_each_instance<Finalize>(v, dt_ms, n_steps);
}

}  // namespace adex
}  // namespace nb
