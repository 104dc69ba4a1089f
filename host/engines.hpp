// Factories for the backends' LIF engines. The CUDA one exists only in CUDA builds (NB_HAVE_CUDA); its
// implementation is host/cuda_engine.cu, the only host file that needs nvcc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/lif_batch.hpp"
#include "kernels/common/math_mode.hpp"

namespace nb {

// CPU reference backend; threads <= 0 means OpenMP's default (all cores).
std::unique_ptr<LifEngine> make_cpu_lif_engine(int threads);

struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  int cc_major = 0, cc_minor = 0;
  std::size_t total_bytes = 0, free_bytes = 0;
  int multiprocessors = 0;
};

// Why CUDA cannot be used here ("" when it can): not built, no driver, insufficient driver, no device.
std::string cuda_unavailable_reason();
std::vector<CudaDeviceInfo> cuda_devices();  // empty when unavailable
std::unique_ptr<LifEngine> make_cuda_lif_engine(MathMode math);  // BackendUnavailable when unavailable

}  // namespace nb
