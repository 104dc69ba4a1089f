// The CUDA backend policy for BufferedEngine (host/engine/buffered_engine.hpp): buffers in device memory
// (thrust::device_vector), exact or fast kernels, one synchronisation per launch (per time segment) so that
// faults surface where they occur and progress reports are honest.
#pragma once

#include <thrust/copy.h>
#include <thrust/device_vector.h>

#include <stdexcept>
#include <type_traits>
#include <vector>

#include "host/common/errors.hpp"
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
  template <class T>
  static std::vector<char> bytes(const thrust::device_vector<T>& d) {
    std::vector<char> h(d.size() * sizeof(T));
    if (!h.empty()) NB_CUDA_CHECK(cudaMemcpy(h.data(), thrust::raw_pointer_cast(d.data()), h.size(), cudaMemcpyDeviceToHost));
    return h;
  }
  template <class T>
  static void assign_bytes(thrust::device_vector<T>& d, const std::vector<char>& bytes) {
    if (bytes.size() != d.size() * sizeof(T)) throw InternalError("a checkpoint's buffer has the wrong size");
    if (!bytes.empty()) {
      NB_CUDA_CHECK(cudaMemcpy(thrust::raw_pointer_cast(d.data()), bytes.data(), bytes.size(), cudaMemcpyHostToDevice));
    }
  }
  // A launcher that cannot honour a run option for this chunk (the network's --network-layout per_network where a
  // network does not fit in a block) throws std::invalid_argument naming the option: the user's to change.
  template <class Traits, class View>
  static void advance(const View& v, std::uint32_t step_begin, std::uint32_t step_end, const EngineConfig& c) {
    try {
      if (c.math == MathMode::exact) {
        launch(Traits::advance_cuda_exact, v, step_begin, step_end, c);
      } else {
        launch(Traits::advance_cuda_fast, v, step_begin, step_end, c);
      }
    } catch (const std::invalid_argument& e) {
      throw UserError(e.what());
    }
    NB_CUDA_CHECK(cudaDeviceSynchronize());
  }
  // A model's launcher takes the engine's configuration where it has options of its own (the network's layout),
  // else only the view and the steps.
  template <class Launcher, class View>
  static void launch(Launcher advance, const View& v, std::uint32_t step_begin, std::uint32_t step_end,
                     const EngineConfig& c) {
    if constexpr (std::is_invocable_v<Launcher, const View&, std::uint32_t, std::uint32_t, const EngineConfig&>) {
      advance(v, step_begin, step_end, c);
    } else {
      advance(v, step_begin, step_end);
    }
  }
  template <class Traits, class View>
  static void finalize(const View& v, double dt_ms, std::uint32_t n_steps, const EngineConfig&) {
    Traits::finalize_cuda(v, dt_ms, n_steps);
    NB_CUDA_CHECK(cudaDeviceSynchronize());
  }
};

}  // namespace nb
