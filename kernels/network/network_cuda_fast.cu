// Fast math mode: FMA contraction allowed, and __expf for the kinetic synapses' saturation (the exponential
// synapses' per-step math has no transcendental function).
#include "kernels/network/network_cuda.cuh"

namespace nb {
namespace network {

void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end, const CudaLaunch& launch) {
  advance_cuda_impl<FastMath>(v, step_begin, step_end, launch);
}

}  // namespace network
}  // namespace nb
