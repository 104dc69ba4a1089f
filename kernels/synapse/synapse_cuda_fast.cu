// Fast math mode: hardware intrinsics for the presynaptic neuron's noise, FMA contraction allowed.
#include "kernels/synapse/synapse_cuda.cuh"

namespace nb {
namespace synapse {

void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  advance_cuda_impl<FastMath>(v, step_begin, step_end);
}

}  // namespace synapse
}  // namespace nb
