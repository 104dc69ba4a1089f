// The CUDA device probe used by `--backend auto`, `compare` and `info`.
#include <cuda_runtime.h>

#include "host/engine/cuda_device.hpp"
#include "kernels/common/cuda_check.cuh"

namespace nb {

std::string cuda_unavailable_reason() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later probes start clean
    return std::string("no usable CUDA device: ") + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")";
  }
  if (count == 0) return "no CUDA device found";
  return "";
}

std::vector<CudaDeviceInfo> cuda_devices() {
  std::vector<CudaDeviceInfo> out;
  if (!cuda_unavailable_reason().empty()) return out;
  int count = 0;
  NB_CUDA_CHECK(cudaGetDeviceCount(&count));
  int current = 0;
  NB_CUDA_CHECK(cudaGetDevice(&current));
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp prop{};
    NB_CUDA_CHECK(cudaGetDeviceProperties(&prop, d));
    CudaDeviceInfo info;
    info.index = d;
    info.name = prop.name;
    info.cc_major = prop.major;
    info.cc_minor = prop.minor;
    info.multiprocessors = prop.multiProcessorCount;
    NB_CUDA_CHECK(cudaSetDevice(d));
    NB_CUDA_CHECK(cudaMemGetInfo(&info.free_bytes, &info.total_bytes));
    out.push_back(info);
  }
  NB_CUDA_CHECK(cudaSetDevice(current));
  return out;
}

int select_cuda_device(int local_rank) {
  if (!cuda_unavailable_reason().empty()) return -1;
  int count = 0;
  NB_CUDA_CHECK(cudaGetDeviceCount(&count));
  const int device = local_rank % count;
  NB_CUDA_CHECK(cudaSetDevice(device));
  return device;
}

int current_cuda_device() {
  int device = 0;
  if (cuda_unavailable_reason().empty()) NB_CUDA_CHECK(cudaGetDevice(&device));
  return device;
}

}  // namespace nb
