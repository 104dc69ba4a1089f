// Portability macros shared by every kernel header.
//
// Model math is written once as NB_HD functions; the CPU reference (g++) and the CUDA backend (nvcc) compile the
// same source. NB_HD expands to __host__ __device__ under nvcc and to an inline function elsewhere, so a CPU-only build
// needs no CUDA headers at all.
#pragma once

#include <cstdint>
#include <cmath>
#include <cstring>

#if defined(__CUDACC__)
#define NB_HD __host__ __device__ __forceinline__
#else
// Forced like __forceinline__ on the device: the CPU lane loops vectorise only once the whole step is inlined,
// and gcc's size heuristics stop inlining long before that.
#define NB_HD inline __attribute__((always_inline))
#endif

// Unrolls the next loop, whose trip count is a compile-time constant, on both sides: an array indexed by its
// counter then stays in GPU registers instead of local memory.
#if defined(__CUDACC__)
#define NB_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define NB_UNROLL _Pragma("GCC unroll 16")
#else
#define NB_UNROLL
#endif

namespace nb {

// Bit casts without undefined behaviour on either side. memcpy of 4 bytes compiles to a register move on the
// host (and vectorises under `omp simd`); the device has dedicated intrinsics.
NB_HD std::uint32_t float_bits(float x) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(x);
#else
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
#endif
}

NB_HD float bits_float(std::uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
#endif
}

// IEEE sqrt is correctly rounded on both sides (nvcc keeps -prec-sqrt=true unless --use_fast_math).
NB_HD float sqrtf_portable(float x) {
#if defined(__CUDA_ARCH__)
  return __fsqrt_rn(x);
#else
  return std::sqrt(x);
#endif
}

NB_HD double sqrt_double_portable(double x) {
#if defined(__CUDA_ARCH__)
  return __dsqrt_rn(x);
#else
  return std::sqrt(x);
#endif
}

NB_HD double bits_double_nan() {
#if defined(__CUDA_ARCH__)
  return __longlong_as_double(0x7ff8000000000000ll);
#else
  const std::uint64_t u = 0x7ff8000000000000ull;
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
#endif
}

NB_HD float select(bool c, float a, float b) { return c ? a : b; }

}  // namespace nb
