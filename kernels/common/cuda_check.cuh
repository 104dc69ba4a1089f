// One error check for every CUDA runtime call and kernel launch.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace nb {

// A CUDA runtime failure: the machine's or the driver's problem, not the user's (exit status 1).
class CudaError : public std::runtime_error {
 public:
  CudaError(cudaError_t code, const char* what, const char* file, int line)
      : std::runtime_error(std::string("CUDA error in ") + what + " at " + file + ":" + std::to_string(line) +
                           ": " + cudaGetErrorName(code) + ": " + cudaGetErrorString(code)),
        code_(code) {}
  cudaError_t code() const { return code_; }

 private:
  cudaError_t code_;
};

}  // namespace nb

#define NB_CUDA_CHECK(call)                                              \
  do {                                                                   \
    const cudaError_t nb_err_ = (call);                                  \
    if (nb_err_ != cudaSuccess) throw ::nb::CudaError(nb_err_, #call, __FILE__, __LINE__); \
  } while (0)

// After a launch: catches configuration errors at once; execution errors surface at the next synchronisation.
#define NB_CUDA_CHECK_LAUNCH() NB_CUDA_CHECK(cudaGetLastError())
