// CPU-only builds: CUDA is never usable, and `info` and `--backend cuda` say why.
#include "host/engine/cuda_device.hpp"

namespace nb {

std::string cuda_unavailable_reason() { return "this build has no CUDA backend (nvcc was not found at configure time)"; }
std::vector<CudaDeviceInfo> cuda_devices() { return {}; }
int select_cuda_device(int) { return -1; }
int current_cuda_device() { return 0; }

}  // namespace nb
