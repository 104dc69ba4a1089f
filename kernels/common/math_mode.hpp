// Math modes: a kernel is a template over one of these policies.
//
//  ExactMath: nb::exact:: functions on both backends -> CPU and CUDA agree bit for bit.
//  FastMath:  hardware intrinsics on the GPU (__logf, __sincosf, FMA contraction in fast TUs);
//             on the CPU it is the exact path, because our branch-free polynomials vectorise and libm's
//             scalar calls do not (so "fast" would be slower there). compare reports differences in this mode.
#pragma once

#include "exact_math.hpp"

#if !defined(__CUDA_ARCH__)
#include <cmath>
#endif

namespace nb {

enum class MathMode { exact, fast };

struct ExactMath {
  static constexpr MathMode mode = MathMode::exact;
  NB_HD static float log(float x) { return exact::log(x); }
  NB_HD static float exp(float x) { return exact::exp(x); }
  NB_HD static void sincos_2pi(float u, float& s, float& c) { exact::sincos_2pi(u, s, c); }
};

struct FastMath {
  static constexpr MathMode mode = MathMode::fast;
#if defined(__CUDA_ARCH__)
  __device__ __forceinline__ static float log(float x) { return __logf(x); }
  __device__ __forceinline__ static float exp(float x) { return __expf(x); }
  __device__ __forceinline__ static void sincos_2pi(float u, float& s, float& c) {
    // Shift to [-1/2, 1/2) turns (exact for u in [0, 1)) so the angle stays in [-pi, pi], where __sincosf's
    // error bound is documented.
    __sincosf(exact::kTwoPi * (u - (u >= 0.5f ? 1.0f : 0.0f)), &s, &c);
  }
#else
  static float log(float x) { return exact::log(x); }
  static float exp(float x) { return exact::exp(x); }
  static void sincos_2pi(float u, float& s, float& c) { exact::sincos_2pi(u, s, c); }
#endif
};

}  // namespace nb
