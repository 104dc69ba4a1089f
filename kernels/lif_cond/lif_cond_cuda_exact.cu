// Exact math mode: compiled with -fmad=false (CMakeLists.txt), so every operation rounds as on the CPU.
#include "kernels/lif_cond/lif_cond_cuda.cuh"

namespace nb {
namespace lif_cond {
namespace kernel {

__global__ void finalize(View v, double dt_ms, std::uint32_t n_steps) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < v.n) finalize_at(v, i, dt_ms, n_steps);
}

}  // namespace kernel

void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  advance_cuda_impl<ExactMath>(v, step_begin, step_end);
}

void finalize_cuda(const View& v, double dt_ms, std::uint32_t n_steps) {
  if (v.n == 0) return;
  kernel::finalize<<<static_cast<unsigned>((v.n + 255) / 256), 256>>>(v, dt_ms, n_steps);
  NB_CUDA_CHECK_LAUNCH();
}

}  // namespace lif_cond
}  // namespace nb
