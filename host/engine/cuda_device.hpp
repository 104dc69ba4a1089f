// Is CUDA usable here, and on which devices? Answered by host/engine/cuda_device.cu in CUDA builds and by
// host/engine/cuda_device_none.cpp in CPU-only builds, so host code never needs nvcc to ask.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace nb {

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

}  // namespace nb
