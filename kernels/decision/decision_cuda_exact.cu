// Exact math mode: compiled with -fmad=false (CMakeLists.txt), so every operation rounds as on the CPU.
#include "kernels/decision/decision_cuda.cuh"

namespace nb {
namespace decision {
namespace {

struct AtomicAdd {
  __device__ void operator()(unsigned long long* word, unsigned long long value) const { atomicAdd(word, value); }
};

// Observables and the binned sums (integer atomics: any order gives the same sums).
struct Finalize {
  __device__ void operator()(const View& v, std::size_t i) const {
    finalize_at(v, i);
    if (v.group_sums != nullptr) add_binned(v, i, AtomicAdd{});
  }
};

}  // namespace

void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end) {
  advance_cuda_impl<ExactMath>(v, step_begin, step_end);
}

// Observables are evaluated in exact mode whatever the math mode (finalize_at).
void finalize_cuda(const View& v, double, std::uint32_t) { cuda::launch_each_instance<Finalize>(v); }

}  // namespace decision
}  // namespace nb
