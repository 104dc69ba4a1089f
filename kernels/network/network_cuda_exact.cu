// Exact math mode: compiled with -fmad=false (CMakeLists.txt), so every operation rounds as on the CPU.
#include "kernels/network/network_cuda.cuh"

namespace nb {
namespace network {
namespace {

// One thread per network: the statistics of finalize_at (one TU only: not a template).
__global__ void finalize_kernel(View v) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < v.n) finalize_at(v, i);
}

}  // namespace

void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  advance_cuda_impl<ExactMath>(v, step_begin, step_end);
}

void finalize_cuda(const View& v, double, std::uint32_t) {
  if (v.n == 0) return;
  finalize_kernel<<<static_cast<unsigned>((v.n + 127) / 128), 128>>>(v);
  NB_CUDA_CHECK_LAUNCH();
}

}  // namespace network
}  // namespace nb
