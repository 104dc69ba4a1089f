// Math modes: a kernel is a template over one of these policies.
//
//  ExactMath: nb::exact:: functions on both backends -> CPU and CUDA agree bit for bit.
//  FastMath:  hardware intrinsics on the GPU (__logf, __sincosf, __fdividef, rsqrtf, FMA contraction in fast TUs);
//             on the host it is the exact path (libm's scalar calls would not vectorise). The CPU's fast mode is
//             FastCpuMath (fast_math.hpp): vectorisable polynomials with FMA, for the models that have a CPU fast
//             launcher. compare reports differences in this mode.
// cpu_fast: whether shared model code should take the policy's own whole-function forms (FastCpuMath only).
#pragma once

#include "exact_math.hpp"

#if !defined(__CUDA_ARCH__)
#include <cmath>
#endif

namespace nb {

enum class MathMode { exact, fast };

// As the CLI's --math and summary.json write it.
inline const char* math_mode_name(MathMode m) { return m == MathMode::exact ? "exact" : "fast"; }

struct ExactMath {
  static constexpr MathMode mode = MathMode::exact;
  static constexpr bool cpu_fast = false;
  NB_HD static float log(float x) { return exact::log(x); }
  NB_HD static float exp(float x) { return exact::exp(x); }
  NB_HD static float expm1(float x) { return exact::expm1(x); }
  NB_HD static void sincos_2pi(float u, float& s, float& c) { exact::sincos_2pi(u, s, c); }
  NB_HD static float div(float a, float b) { return a / b; }  // IEEE, correctly rounded on both backends
  NB_HD static float sqrt_nonnegative(float x) { return sqrtf_portable(x); }
};

struct FastMath {
  static constexpr MathMode mode = MathMode::fast;
  static constexpr bool cpu_fast = false;
#if defined(__CUDA_ARCH__)
  __device__ __forceinline__ static float log(float x) { return __logf(x); }
  __device__ __forceinline__ static float exp(float x) { return __expf(x); }
  // exp(x) - 1: near 0 (|x| <= ln2/2) the series of exact::expm1, which has no cancellation; elsewhere
  // __expf(x) - 1, where the cancellation costs at most a factor 2.4 on __expf's error (at x = -ln2/2).
  // Overflow, -inf (-> -1) and NaN follow from __expf.
  __device__ __forceinline__ static float expm1(float x) {
    const bool near0 = fabsf(x) <= 0.3465736f;
    return near0 ? x + exact::expm1_nonlinear(x) : __expf(x) - 1.0f;
  }
  __device__ __forceinline__ static void sincos_2pi(float u, float& s, float& c) {
    // Shift to [-1/2, 1/2) turns (exact for u in [0, 1)) so the angle stays in [-pi, pi], where __sincosf's
    // error bound is documented.
    __sincosf(exact::kTwoPi * (u - (u >= 0.5f ? 1.0f : 0.0f)), &s, &c);
  }
  // a / b within 2 ulp for |b| < 2^126 (0 above): one reciprocal and one multiply, against IEEE division's
  // Newton steps and its checked slow path (about 12 instructions and a branch).
  __device__ __forceinline__ static float div(float a, float b) { return __fdividef(a, b); }
  // sqrt(x) for x >= 0, from the reciprocal square root and one multiply, without IEEE sqrt's Newton step and its
  // slow path. x is clamped at 1e-30 (giving 1e-15) so that an approximate argument that should be tiny but came
  // out 0 or just below (-2 __logf(u) for u just below 1) gives about 0, not NaN.
  __device__ __forceinline__ static float sqrt_nonnegative(float x) {
    const float at_least_tiny = fmaxf(x, 1e-30f);
    return at_least_tiny * rsqrtf(at_least_tiny);
  }
#else
  static float log(float x) { return exact::log(x); }
  static float exp(float x) { return exact::exp(x); }
  static float expm1(float x) { return exact::expm1(x); }
  static void sincos_2pi(float u, float& s, float& c) { exact::sincos_2pi(u, s, c); }
  static float div(float a, float b) { return a / b; }
  static float sqrt_nonnegative(float x) { return sqrtf_portable(x); }
#endif
};

}  // namespace nb
