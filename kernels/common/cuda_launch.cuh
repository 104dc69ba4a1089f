// Launch helpers shared by the models' CUDA backends.
#pragma once

#include <cstddef>

#include "kernels/common/cuda_check.cuh"

namespace nb {
namespace cuda {

constexpr unsigned kThreads = 256;  // threads per block of the one-thread-per-item kernels

inline unsigned blocks_for(std::size_t n, unsigned threads = kThreads) {
  return static_cast<unsigned>((n + threads - 1) / threads);
}

// One thread per instance: F{}(view, i, args...) for every i < view.n. A template, so the exact and the fast
// translation unit may both instantiate it (a plain __global__ in a shared header would be defined twice).
template <class F, class View, class... Args>
__global__ void each_instance(View v, Args... args) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < v.n) F{}(v, i, args...);
}

// The model's own finalize_at(view, i, args...), found by argument-dependent lookup in the view's namespace: the
// F of launch_each_instance for models whose finalize needs nothing else.
struct FinalizeAt {
  template <class View, class... Args>
  __device__ void operator()(const View& v, std::size_t i, Args... args) const {
    finalize_at(v, i, args...);
  }
};

template <class F, class View, class... Args>
void launch_each_instance(const View& v, Args... args) {
  if (v.n == 0) return;
  each_instance<F><<<blocks_for(v.n), kThreads>>>(v, args...);
  NB_CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace nb
