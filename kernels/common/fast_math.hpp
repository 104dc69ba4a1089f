// The CPU's fast math mode: FastCpuMath, a math policy like ExactMath and FastMath (math_mode.hpp) whose functions
// are short branch-free polynomials with fused multiply-adds, written so that gcc vectorises them in the CPU lane
// loops under `omp simd` (what XLA does for JAX's exp and log). Host only: the GPU's fast mode is FastMath's
// intrinsics, and the two fast modes do not agree bit for bit (neither promises the last bits).
//
// What is cheaper than exact mode (exact_math.hpp), and what it costs in accuracy (tests/test_fast_math.cpp measures
// each bound; docs/numerics.md states them):
//  * FMA (vfmadd, one rounding) in every polynomial and argument reduction; exact mode may not use FMA (the GPU
//    must round the same way).
//  * exp and expm1: one reduction x = k ln2 + r, one polynomial for expm1(r), and 2^k (1 + q) or 2^k q + (2^k - 1)
//    as one FMA each; no special cases but overflow. Domain: accurate for x in [-87.33, 88]; exp gives 0 below and
//    inf above (expm1: -1 and inf), NaN -> NaN. Relative error within 2e-7 (exp, measured 8.6e-8) and 3e-7
//    (expm1, relative to expm1(x) itself, no cancellation near 0; measured 1.2e-7).
//  * log: the mantissa's polynomial (Cephes' logf), no division and no special cases. Domain: positive normal
//    floats (the uniforms of the normal transform are in [2^-24, 1)); relative error within 2.5e-7 (measured
//    1.2e-7 over every uniform).
//  * sincos_2pi: reduced to a quarter turn exactly as in exact mode, then degree 7 and 8 polynomials; absolute error
//    within 2.5e-7 (measured 1.1e-7).
//  * The Wong & Wang transfer function F(I) (kernels/common/transfer.hpp): the drive a I - b in float with one FMA
//    (exact mode forms it in double), one division; relative error within 3e-6 where F > 1e-3 Hz (measured 1.3e-6;
//    the condition number of g grows like |y| for very negative drives, as in exact mode).
// sqrt and division are the IEEE instructions (vsqrtps, vdivps) as in exact mode.
//
// Every value is a pure function of its arguments, and the vector and scalar code compute the same operations
// (explicit FMA, no contraction left to the compiler: -ffp-contract=off stays on), so fast results depend on the
// seed and instance only, never on threads, chunks or the lane a trial lands in.
#pragma once

#if defined(__CUDACC__)
#error "fast_math.hpp is the CPU's fast mode; CUDA's is FastMath (math_mode.hpp)"
#endif

#include "exact_math.hpp"
#include "hd.hpp"
#include "math_mode.hpp"

namespace nb {
namespace fast_cpu {

// a * b + c rounded once: vfmadd where the target has FMA (-march=native on x86-64 since Haswell); elsewhere two
// roundings (the stated bounds have margin for that; __builtin_fmaf without hardware FMA would be a libm call that
// stops vectorisation).
NB_HD float fma(float a, float b, float c) {
#if defined(__FMA__) || defined(__aarch64__)
  return __builtin_fmaf(a, b, c);
#else
  return a * b + c;
#endif
}

constexpr float kLn2Hi = 0.693145751953125f;
constexpr float kLn2Lo = 1.428606765330187045e-06f;
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kRoundMagic = 12582912.0f;  // 1.5 * 2^23: t + magic rounds t to an integer (half to even)
constexpr float kExpMax = 88.0f;             // 2^127 is the largest scale: x = 88 gives k = 127
constexpr float kExpMin = -87.3365479f;      // k >= -126: 2^k normal; below, exp(x) < 1.2e-38 is flushed to 0

// x = k ln2 + r with |r| <= ln2/2 (a hair more at the clamped ends), q = expm1(r), s = 2^k, for x clamped to
// [kExpMin, kExpMax]. The integer k comes from the magic-number rounding's bits: no float -> int conversion.
NB_HD void exp_parts(float x, float& s, float& q) {
  const float xc = select(x > kExpMax, kExpMax, select(x < kExpMin, kExpMin, x));
  const float t = fma(xc, kLog2e, kRoundMagic);  // k + 1.5 * 2^23 exactly
  const float kf = t - kRoundMagic;
  const std::uint32_t k_biased = float_bits(t) - 0x4b400000u + 127u;  // k + 127 in [1, 254]
  const float r = fma(-kf, kLn2Lo, fma(-kf, kLn2Hi, xc));
  // expm1(r) = r + r^2 (1/2 + r/6 + ... + r^5/5040): Taylor to r^7; the first term left out, r^8/8!, is below
  // 5e-9 |r| on |r| <= 0.347.
  const float p = fma(fma(fma(fma(fma(1.98412698e-4f, r, 1.38888889e-3f), r, 8.33333333e-3f), r, 4.16666667e-2f), r,
                          1.66666667e-1f),
                      r, 0.5f);
  q = fma(r * r, p, r);
  s = bits_float(k_biased << 23);
}

NB_HD float exp(float x) {
  float s, q;
  exp_parts(x, s, q);
  const float e = fma(s, q, s);  // 2^k (1 + q)
  const float inf = bits_float(0x7f800000u);
  return select(x > kExpMax, inf, select(x < kExpMin, 0.0f, e));
}

// exp(x) - 1 = 2^k q + (2^k - 1): k = 0 gives q itself (no cancellation near 0), 2^k - 1 is exact for |k| <= 24 and
// its rounding negligible beyond; the one FMA rounds the sum once.
NB_HD float expm1(float x) {
  float s, q;
  exp_parts(x, s, q);
  const float e = fma(s, q, s - 1.0f);
  const float inf = bits_float(0x7f800000u);
  return select(x > kExpMax, inf, e);  // below kExpMin the clamped value already rounds to -1
}

// Natural logarithm of a positive normal float (no zero, subnormal, negative, inf or NaN handling).
NB_HD float log(float x) {
  const std::uint32_t bits = float_bits(x);
  // Mantissa in [sqrt(1/2), sqrt(2)) and exponent, by moving the bits above sqrt(2)'s mantissa into the exponent.
  const std::uint32_t shifted = bits + (0x3f800000u - 0x3f3504f3u);  // 0x3f3504f3 = sqrt(1/2)
  const int e = static_cast<int>(shifted >> 23) - 127;
  const float m = bits_float((shifted & 0x007fffffu) + 0x3f3504f3u);
  const float f = m - 1.0f;  // in [-0.2929, 0.4142], exact
  // log(1 + f) = f - f^2/2 + f^3 P(f), Cephes' logf coefficients.
  const float p =
      fma(fma(fma(fma(fma(fma(fma(fma(7.0376836292e-2f, f, -1.1514610310e-1f), f, 1.1676998740e-1f), f,
                                  -1.2420140846e-1f),
                              f, 1.4249322787e-1f),
                          f, -1.6668057665e-1f),
                      f, 2.0000714765e-1f),
                  f, -2.4999993993e-1f),
              f, 3.3333331174e-1f);
  const float f2 = f * f;
  const float log1p_f = fma(f2 * f, p, fma(-0.5f, f2, f));
  const float ef = exact::int_to_float(e);
  return fma(ef, kLn2Hi, fma(ef, kLn2Lo, log1p_f));
}

// sin(2 pi u) and cos(2 pi u) for |u| < 2^22: the exact quarter-turn reduction of exact::sincos_2pi, then Cephes'
// sinf and cosf polynomials on [-pi/4, pi/4].
NB_HD void sincos_2pi(float u, float& sin_out, float& cos_out) {
  const float q4 = u * 4.0f;
  const float qf = (q4 + kRoundMagic) - kRoundMagic;  // nearest quarter turn (half to even), exact
  const std::uint32_t quadrant = float_bits(q4 + kRoundMagic) & 3u;
  const float x = (u - qf * 0.25f) * exact::kTwoPi;  // u - q/4 exact, in [-1/8, 1/8] turns
  const float x2 = x * x;
  const float s = fma(x * x2, fma(fma(-1.9515295891e-4f, x2, 8.3321608736e-3f), x2, -1.6666654611e-1f), x);
  const float c = fma(x2 * x2, fma(fma(2.443315711809948e-5f, x2, -1.388731625493765e-3f), x2, 4.166664568298827e-2f),
                      fma(-0.5f, x2, 1.0f));
  sin_out = select(quadrant == 0u, s, select(quadrant == 1u, c, select(quadrant == 2u, -s, -c)));
  cos_out = select(quadrant == 0u, c, select(quadrant == 1u, -s, select(quadrant == 2u, -c, s)));
}

// F(I) = (a I - b) / (1 - exp(-d (a I - b))) [Hz] (transfer.hpp): u = a I - b rounded once, y = d u, and
// F = u / -expm1(-y) (u and -expm1(-y) have the same sign, so F >= 0), with y = 0 selected to 1 / d (the removable
// singularity). y < -88 gives expm1 = inf and F = +0.
NB_HD float transfer_Hz(float I_nA, float a_Hz_per_nA, float b_Hz, float d_s) {
  const float u = fma(a_Hz_per_nA, I_nA, -b_Hz);
  const float y = d_s * u;
  const float m = expm1(-y);
  const bool singular = y == 0.0f;
  return select(singular, 1.0f, u) / select(singular, d_s, -m);
}

}  // namespace fast_cpu

// The math policy of the CPU's fast mode (see above). `cpu_fast` tells shared code (transfer.hpp) to take the
// policy's own whole-function forms.
struct FastCpuMath {
  static constexpr MathMode mode = MathMode::fast;
  static constexpr bool cpu_fast = true;
  NB_HD static float log(float x) { return fast_cpu::log(x); }
  NB_HD static float exp(float x) { return fast_cpu::exp(x); }
  NB_HD static float expm1(float x) { return fast_cpu::expm1(x); }
  NB_HD static void sincos_2pi(float u, float& s, float& c) { fast_cpu::sincos_2pi(u, s, c); }
  NB_HD static float div(float a, float b) { return a / b; }
  NB_HD static float sqrt_nonnegative(float x) { return sqrtf_portable(x); }
  NB_HD static float transfer_Hz(float I_nA, float a_Hz_per_nA, float b_Hz, float d_s) {
    return fast_cpu::transfer_Hz(I_nA, a_Hz_per_nA, b_Hz, d_s);
  }
};

}  // namespace nb
