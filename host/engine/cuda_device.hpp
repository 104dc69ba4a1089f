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

// Makes device `local_rank` modulo the visible devices this process's for every later CUDA call (one GPU per MPI
// rank of a node, host/dist/). Returns the device, or -1 where CUDA is unusable.
int select_cuda_device(int local_rank);
int current_cuda_device();  // the device later CUDA calls use (0 where CUDA is unusable)

}  // namespace nb
