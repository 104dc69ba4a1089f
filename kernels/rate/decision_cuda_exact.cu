// Exact math mode: compiled with -fmad=false (CMakeLists.txt), so every operation rounds as on the CPU.
#include "kernels/rate/decision_cuda.cuh"

namespace nb {
namespace decision {

void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  advance_cuda_impl<ExactMath>(v, step_begin, step_end);
}

// Observables are evaluated in exact mode whatever the math mode (finalize_at).
void finalize_cuda(const View& v, double, std::uint32_t) {
  if (v.n == 0) return;
  kernel::finalize<<<blocks_for(v.n), 256>>>(v);
  NB_CUDA_CHECK_LAUNCH();
}

}  // namespace decision
}  // namespace nb
