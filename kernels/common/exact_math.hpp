// Transcendental functions written once from basic IEEE-754 operations (+, -, *, /, sqrt, conversions).
//
// Why: libm (host) and CUDA's libdevice (device) implement logf/expf/sinf differently, so the same model
// compiled for both would differ in the last bit. In exact math mode every kernel calls these instead. With
// FMA contraction disabled on both compilers (-ffp-contract=off, -fmad=false; see CMakeLists.txt) each
// operation below rounds identically on CPU and GPU, so the results agree bit for bit.
//
// The functions are branch-free (selects only) so that the CPU loops vectorise under `omp simd`. gcc still
// turns each select into a branch and if-converts the loop back into blends; that fails, and the whole lane loop
// runs scalar, if its other passes leave a call or a select of booleans inside a branch. Hence, in exp and expm1:
//  * kf = float(k) is formed from k's bits (int_to_float), not converted: gcc folds float(int(v)) into a call
//    trunc(v) (-fno-trapping-math) and sinks it into the branch of the final select that uses it;
//  * the rounding half comes from t's sign bit (half_with_sign_of), not from select(t >= 0, 0.5, -0.5), along
//    whose branch gcc duplicated the rest of the function (jump threading);
//  * expm1 picks its cancel case with nested float selects, not the bool (k == 1) & (r < -0.25), which PRE
//    turned into a select of booleans that the vectoriser rejects.
// These forms give the same values as the plain ones, bit for bit (compared over all 2^32 floats).
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

// float(k) for |k| < 2^22, exactly: the bits 0x4b400000 + k are the float 1.5 * 2^23 + k (ulp 1 there).
NB_HD float int_to_float(int k) { return bits_float(static_cast<std::uint32_t>(k) + 0x4b400000u) - 12582912.0f; }

// 0.5 with the sign of t (t not NaN): t + half_with_sign_of(t), truncated, is t rounded half away from zero. The
// same as select(t >= 0, 0.5, -0.5) except at t = -0, which both round to 0.
NB_HD float half_with_sign_of(float t) { return bits_float((float_bits(t) & 0x80000000u) | 0x3f000000u); }

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
  const int k = static_cast<int>(t + half_with_sign_of(t));  // round half away from zero
  const float kf = int_to_float(k);
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

// expm1(r) - r = r^2/2 + r^3/6 + ... for |r| <= ln2/2 (and a little beyond): Taylor series to r^8; the first
// term left out, r^9/9!, is below 2.1e-10 |r| (< 0.01 ulp of expm1(r)). Evaluated as r^2 P(r), a small term
// accurate to its own last bits that the caller adds to r: no cancellation anywhere.
NB_HD float expm1_nonlinear(float r) {
  const float p =
      0.5f + r * (0.166666667f +
                  r * (0.0416666667f +
                       r * (0.00833333333f + r * (0.00138888889f + r * (0.000198412698f + r * 2.48015873e-05f)))));
  return (r * r) * p;
}

// exp(x) - 1, accurate in relative terms near 0 (where exp(x) - 1 would cancel). Domain: all floats;
// expm1(-inf) = -1, expm1(inf) = inf (overflow at the same threshold as exp), NaN -> NaN, expm1(-0) = -0.
//
// x = k ln2 + r as in exp (|r| <= ln2/2), but the rounding error c of r = hi - lo is kept: r + c is the reduced
// argument to ~2^-48, and expm1(r + c) = r + p with p = expm1_nonlinear(r) + c (1 + r) (terms in c^2 and
// c r^2 are far below float resolution). Then expm1(x) = 2^k (1 + r + p) - 1, summed in an order that never
// cancels badly (every form is computed; selects pick one, so the CPU loops vectorise):
//   k = 1, r < -0.25:   2 ((0.5 + r) + p): 0.5 + r is exact (Sterbenz), the result ~0.41 is much smaller
//                       than r, so r + p must not be rounded first;
//   -1 <= k <= 24:      2^k ((1 - 2^-k) + (r + p)), 1 - 2^-k exact (k = 0: r + p, no reduction at all);
//   k >= 25:            2^k (((r + p) - 2^-k) + 1), 1 - 2^-k is not representable, the 2^-k still counts;
//   k <= -2:            2^k (1 + (r + p)) - 1, the result is in [-1, -0.64], the last subtraction is benign.
// 2^k is applied in two halves, as in exp, so that k = 128 (x just below the overflow threshold) does not
// overflow early. x < -18 gives -1 (expm1 rounds to -1 below -25 ln2 = -17.33).
// Accuracy: max 0.964 ulp against the exact value over every float with a result other than -1 or inf
// (exhaustive; tests/test_transfer.cpp checks dense subsets).
NB_HD float expm1(float x) {
  constexpr float kMaxArg = 88.72283172607421875f;  // largest float with a finite exp (and expm1)
  // NaN fails x >= -18 and is clamped, so the float -> int conversion never sees NaN; the final select
  // returns it.
  const float xc = select(x > kMaxArg, kMaxArg, select(x >= -18.0f, x, -18.0f));
  const float t = xc * kLog2e;
  const int k = static_cast<int>(t + half_with_sign_of(t));  // round half away from zero, -26..128
  const float kf = int_to_float(k);
  const float hi = xc - kf * kLn2Hi;  // exact: kf * kLn2Hi is exact for |k| < 256, and xc ~ k ln2 (Sterbenz)
  const float lo = kf * kLn2Lo;
  const float r = hi - lo;
  const float c = (hi - r) - lo;  // r + c = hi - lo
  const float p = expm1_nonlinear(r) + (c + c * r);
  const float q = r + p;  // expm1(r + c)
  const int kc = k < 64 ? k : 64;  // 2^-k only matters for k < 50
  const float two_mk = bits_float(static_cast<std::uint32_t>(127 - kc) << 23);  // 2^-k, normal for k >= -26
  const float one_m = 1.0f - two_mk;                                             // exact for -24 <= k <= 24
  const bool big = k >= 25;
  const bool negative = k <= -2;
  const float y_other = select(big, (q - two_mk) + 1.0f, select(negative, 1.0f + q, one_m + q));
  const float y = select(k == 1, select(r < -0.25f, (one_m + r) + p, y_other), y_other);  // the cancel case
  const int k1 = k / 2;
  const int k2 = k - k1;
  const float s1 = bits_float(static_cast<std::uint32_t>(k1 + 127) << 23);
  const float s2 = bits_float(static_cast<std::uint32_t>(k2 + 127) << 23);
  const float scaled = y * s1 * s2;
  const float result = select(negative, scaled - 1.0f, scaled);
  const float inf = bits_float(0x7f800000u);
  return select(x != x, x,
                select(x > kMaxArg, inf, select(x < -18.0f, -1.0f, select(x == 0.0f, x, result))));
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
