// Exact math mode: compiled with -fmad=false (CMakeLists.txt), so every operation rounds as on the CPU.
#include "kernels/synapse/synapse_cuda.cuh"

namespace nb {
namespace synapse {

void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  advance_cuda_impl<ExactMath>(v, step_begin, step_end);
}

void finalize_cuda(const View& v, double dt_ms, std::uint32_t n_steps) {
  cuda::launch_each_instance<cuda::FinalizeAt>(v, dt_ms, n_steps);
}

}  // namespace synapse
}  // namespace nb
