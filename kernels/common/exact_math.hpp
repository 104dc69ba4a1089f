// Transcendental functions written once from basic IEEE-754 operations (+, -, *, /, sqrt, conversions).
//
// Why: libm (host) and CUDA's libdevice (device) implement logf/expf/sinf differently, so the same model
// compiled for both would differ in the last bit. In exact math mode every kernel calls these instead. With
// FMA contraction disabled on both compilers (-ffp-contract=off, -fmad=false; see CMakeLists.txt) each
// operation below rounds identically on CPU and GPU, so the results agree bit for bit.
//
// The functions are branch-free (selects only) so that the CPU loops vectorise under `omp simd`.
// Accuracy: within 2 ulp over the tested ranges (tests/test_exact_math.cpp), which is far below the
// statistical resolution of any simulation here.
#pragma once

#include "hd.hpp"

namespace nb {
namespace exact {

constexpr float kLn2Hi = 0.693145751953125f;        // 0x3f317200: low bits zero, so k * kLn2Hi is exact
constexpr float kLn2Lo = 1.428606765330187045e-06f;  // ln 2 - kLn2Hi
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kTwoPi = 6.28318530717958648f;

// Natural logarithm. Domain: all floats; log(0) = -inf, log(x<0) = NaN, log(inf) = inf, NaN -> NaN.
NB_HD float log(float x) {
  // Subnormals: scale into the normal range first, remember the exponent offset.
  const bool subnormal = x < 1.17549435e-38f;
  const float xs = select(subnormal, x * 8388608.0f, x);  // 2^23
  const std::uint32_t bits = float_bits(xs);
  int e = static_cast<int>(bits >> 23) - 127 - 23 * static_cast<int>(subnormal);
  float m = bits_float((bits & 0x007fffffu) | 0x3f800000u);  // mantissa in [1, 2)
  const bool upper = m > 1.41421356f;                          // fold to [sqrt(1/2), sqrt(2))
  m = select(upper, m * 0.5f, m);
  e += static_cast<int>(upper);
  // log(m) = 2 atanh(f), f = (m - 1) / (m + 1), |f| <= 0.1716; odd series to f^11.
  const float f = (m - 1.0f) / (m + 1.0f);
  const float f2 = f * f;
  const float series =
      f2 * (0.333333333f + f2 * (0.2f + f2 * (0.142857143f + f2 * (0.111111111f + f2 * 0.0909090909f))));
  const float log_m = 2.0f * f + 2.0f * f * series;
  const float ef = static_cast<float>(e);
  const float result = ef * kLn2Hi + (log_m + ef * kLn2Lo);
  const float inf = bits_float(0x7f800000u);
  const float nan = bits_float(0x7fc00000u);
  return select(x == 0.0f, -inf, select((x < 0.0f) | (x != x), nan, select(x == inf, inf, result)));
}

// Exponential. exp(x) = 2^k exp(r), |r| <= ln2/2, Taylor series of exp(r) to r^7.
NB_HD float exp(float x) {
  constexpr float kMaxArg = 88.72283172607421875f;  // largest float with a finite exp
  // NaN fails x >= -104 and is clamped, so the float -> int conversion below never sees NaN (undefined behaviour
  // in C++); the final select returns the NaN.
  const float xc = select(x > kMaxArg, kMaxArg, select(x >= -104.0f, x, -104.0f));
  const float t = xc * kLog2e;
  const int k = static_cast<int>(t + select(t >= 0.0f, 0.5f, -0.5f));  // round half away from zero
  const float kf = static_cast<float>(k);
  const float r = (xc - kf * kLn2Hi) - kf * kLn2Lo;
  const float p =
      1.0f +
      r * (1.0f + r * (0.5f + r * (0.166666667f +
                                   r * (0.0416666667f + r * (0.00833333333f +
                                                             r * (0.00138888889f + r * 0.000198412698f))))));
  // Scale by 2^k in two halves so that results in the subnormal range stay representable.
  const int k1 = k / 2;
  const int k2 = k - k1;
  const float s1 = bits_float(static_cast<std::uint32_t>(k1 + 127) << 23);
  const float s2 = bits_float(static_cast<std::uint32_t>(k2 + 127) << 23);
  const float result = p * s1 * s2;
  const float inf = bits_float(0x7f800000u);
  return select(x != x, x, select(x > kMaxArg, inf, select(x < -103.972f, 0.0f, result)));
}

// sin(2 pi u) and cos(2 pi u). Reducing in turns (not radians) is exact: u - q/4 needs no rounding for the
// uniforms used here, so no Cody-Waite constants are needed. Valid for |u| < 2^22.
NB_HD void sincos_2pi(float u, float& sin_out, float& cos_out) {
  const float q4 = u * 4.0f;
  const int q = static_cast<int>(q4 + select(q4 >= 0.0f, 0.5f, -0.5f));  // nearest quarter turn
  const float rem = u - static_cast<float>(q) * 0.25f;                    // in [-1/8, 1/8] turns
  const float x = rem * kTwoPi;                                             // in [-pi/4, pi/4]
  const float x2 = x * x;
  const float s =
      x + x * x2 * (-0.166666667f + x2 * (0.00833333333f + x2 * (-0.000198412698f + x2 * 2.75573192e-06f)));
  const float c =
      1.0f + x2 * (-0.5f + x2 * (0.0416666667f + x2 * (-0.00138888889f + x2 * 2.48015873e-05f)));
  const int quadrant = q & 3;
  // Rotate by quadrant * 90 degrees.
  sin_out = select(quadrant == 0, s, select(quadrant == 1, c, select(quadrant == 2, -s, -c)));
  cos_out = select(quadrant == 0, c, select(quadrant == 1, -s, select(quadrant == 2, -c, s)));
}

}  // namespace exact
}  // namespace nb
