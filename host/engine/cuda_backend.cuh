// The CUDA backend policy for BufferedEngine (host/engine/buffered_engine.hpp): buffers in device memory
// (thrust::device_vector), exact or fast kernels, one synchronisation per launch (per time segment) so that
// faults surface where they occur and progress reports are honest.
#pragma once

#include <thrust/copy.h>
#include <thrust/device_vector.h>

#include <vector>

#include "host/engine/buffered_engine.hpp"
#include "kernels/common/cuda_check.cuh"

namespace nb {

struct CudaBackend {
  template <class T>
  using Vec = thrust::device_vector<T>;

  template <class T>
  static T* ptr(thrust::device_vector<T>& v) {
    return v.empty() ? nullptr : thrust::raw_pointer_cast(v.data());
  }
  template <class T>
  static std::vector<T> to_host(const thrust::device_vector<T>& d) {
    std::vector<T> h(d.size());
    thrust::copy(d.begin(), d.end(), h.begin());
    return h;
  }
  template <class Traits, class View>
  static void advance(const View& v, std::uint32_t step_begin, std::uint32_t step_end, const EngineConfig& c) {
    if (c.math == MathMode::exact) {
      Traits::advance_cuda_exact(v, step_begin, step_end);
    } else {
      Traits::advance_cuda_fast(v, step_begin, step_end);
    }
    NB_CUDA_CHECK(cudaDeviceSynchronize());
  }
  template <class Traits, class View>
  static void finalize(const View& v, double dt_ms, std::uint32_t n_steps, const EngineConfig&) {
    Traits::finalize_cuda(v, dt_ms, n_steps);
    NB_CUDA_CHECK(cudaDeviceSynchronize());
  }
};

}  // namespace nb
