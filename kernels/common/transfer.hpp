// Population transfer function of the rate models (docs/models/self_sustained.md and decision.md; Abbott & Chance 2005, as used by
// Wong & Wang 2006):
//
//   F(I) = (a I - b) / (1 - exp(-d (a I - b)))    [Hz];   I in nA, a in Hz/nA, b in Hz, d in s (d > 0)
//
// With the drive u = a I - b [Hz] and y = d u (dimensionless), F = u / (1 - e^-y) = g(y) / d, where
//
//   g(y) = y / (1 - e^-y) = |y| / |expm1(-y)|      (y and 1 - e^-y = -expm1(-y) always have the same sign)
//
// is a smoothed ramp: g(y) -> 0+ like |y| e^-|y| for y -> -inf, g(0) = 1, g(y) -> y for y -> +inf.
//
// How it is evaluated, and why (F runs at every step of every trial: it must never produce inf or NaN):
//  * Removable singularity a I = b: u / (1 - exp(-y)) is literally 0/0 there, and for small |y| the difference
//    1 - exp(-y) has lost all its digits. expm1 (kernels/common/exact_math.hpp) has no cancellation, so
//    |y| / |expm1(-y)| keeps full relative accuracy down to subnormal y (both are then the same float and
//    g = 1 exactly); y = 0 is selected to g = 1, so F = 1/d, correctly rounded (6.4935 Hz for d = 0.154 s).
//  * y < kSmallDrive, including all of y < 0: F = g(y) / d. For large negative y, expm1(-y) = e^|y| - 1 is
//    large and finite up to |y| = 88.72, an ordinary quotient with no inf/inf and no overflow; below that
//    g = |y| / inf = 0 (F < 1e-35 Hz: flushed to +0), and y = -inf is selected to 0. F(-inf) = 0, F >= 0.
//  * y >= kSmallDrive: F = |u| / |expm1(-y)|, one rounding fewer than g / d and F = u exactly once
//    e^-y < 2^-25 (y > 17.33). F(+inf) = +inf.
//  * The drive is formed in double: a I is exact there (24 x 24 bits) and a I - b rounds at 2^-53, so u is
//    rounded to float once and y = d u once. In float, a I would round at ulp(b) ~ 1e-5 Hz, which near the
//    singularity (where a I ~ b) is ~4 ulp of F. Three double operations; everything else is float.
//  * Why not more: y is rounded to float before the exponential, and g's condition number |y g'(y) / g| grows
//    like |y| for y -> -inf, so for y < -2 (F < 2 Hz for the defaults) the error grows to at most 2 + |y| ulp
//    (measured 8.9 ulp at y = -10, 16.8 at y = -16.5, where F = 7e-6 Hz). Carrying y's rounding error as a
//    correction removes that (3 ulp everywhere, measured) but makes F step back by 1 ulp where I is
//    fine-grained and F nearly flat: the float result then depends on two quantities quantised differently.
//  * Monotonicity: F depends on I only through the float y on the g / d branch (through u, with e^-y ~ 1, on
//    the other), and y is monotone in I. F is strictly monotone where one float step of I moves y by several
//    floats: for the defaults over every float I in [1e-3, 5] nA and over the whole float range (strided).
//    Where it does not (a gain so small that F is flat at float resolution), F can step back by as much as g
//    at consecutive floats, which is at most 2 ulp (for -2 < y < 5, where g changes by less than its own
//    error per float).
//  * Branch-free (selects only), so the CPU lane loops vectorise; IEEE + - * / and conversions only (through
//    Math::expm1 in exact mode), so CPU and CUDA agree bit for bit under -ffp-contract=off / -fmad=false.
// NaN in any argument gives NaN.
//
// Accuracy against the exact F of the float arguments (tests/test_transfer.cpp, "[ measured ]" lines):
// g(y) within 1.53 ulp for y >= -88.72 (every 211th float); transfer_Hz, defaults, every float I in [1e-3, 5]:
// within 2.81 ulp where y >= -2 and within 2 + 0.90 |y| ulp below (asserted: 3 ulp and 2 + |y| ulp).
#pragma once

#include "kernels/common/hd.hpp"
#include "kernels/common/math_mode.hpp"

namespace nb {
namespace rate {

// g(y) / d is used below this y, |u| / |expm1(-y)| from it on (see above).
constexpr float kSmallDrive = 0.5f;

namespace detail {

NB_HD float magnitude(float x) { return bits_float(float_bits(x) & 0x7fffffffu); }

// g(y) from y and m = expm1(-y) as a quotient of magnitudes, |y| / |m|, with the special cases made exact
// quotients: y = 0 is 1 / 1; m = inf (y < -88.72, where g = |y| / inf = 0 anyway, or y = -inf: inf / inf) is 0 / inf.
NB_HD void shape_quotient(float y, float m, float& numerator, float& denominator) {
  const float inf = bits_float(0x7f800000u);
  numerator = select(y == 0.0f, 1.0f, select(m == inf, 0.0f, magnitude(y)));
  denominator = select(y == 0.0f, 1.0f, magnitude(m));
}

// g(y) from y and m = expm1(-y).
NB_HD float shape(float y, float m) {
  float numerator, denominator;
  shape_quotient(y, m, numerator, denominator);
  return numerator / denominator;
}

// F from the drive u in double (exact or rounded at 2^-53) and d.
template <class Math>
NB_HD float rate_from_drive_Hz(double u_Hz, float d_s) {
  const float y = static_cast<float>(static_cast<double>(d_s) * u_Hz);  // d u, rounded once
  const float u = static_cast<float>(u_Hz);
  const float m = Math::expm1(-y);  // -(1 - e^-y)
  const bool small = y < kSmallDrive;  // false for NaN: the quotient below is then NaN
  return select(small, shape(y, m), magnitude(u)) / select(small, d_s, magnitude(m));
}

}  // namespace detail

// g(y) = y / (1 - exp(-y)), dimensionless. g(0) = 1, g(-inf) = 0, g(inf) = inf, NaN -> NaN.
template <class Math>
NB_HD float transfer_shape(float y) {
  return detail::shape(y, Math::expm1(-y));
}

// F as a function of the drive u = a I - b [Hz]: u / (1 - exp(-d u)) [Hz], d in s.
template <class Math>
NB_HD float transfer_of_drive_Hz(float u_Hz, float d_s) {
  return detail::rate_from_drive_Hz<Math>(static_cast<double>(u_Hz), d_s);
}

// F(I) = (a I - b) / (1 - exp(-d (a I - b))) [Hz]; I in nA, a in Hz/nA, b in Hz, d in s.
// Fast math mode on the GPU forms the drive in float (one FMA): conversions to and from double are slow there,
// and fast mode does not promise the last bits anyway. For the same reason it divides once, F = |y| / (|m| d)
// on the g / d branch, with the fast quotient (__fdividef: |m| d > 2^126 gives 0, where F < 1e-35 Hz anyway;
// |y| < 2^-24 is taken as y = 0, so that |m| d never falls below 2^-126).
// The rate models spend most of a step in F. (On the host FastMath is the exact path, math_mode.hpp; the CPU's fast
// mode, FastCpuMath, has its own float form, fast_math.hpp.)
template <class Math>
NB_HD float transfer_Hz(float I_nA, float a_Hz_per_nA, float b_Hz, float d_s) {
  if constexpr (Math::cpu_fast) {  // the CPU's fast mode: its own float form (kernels/common/fast_math.hpp)
    return Math::transfer_Hz(I_nA, a_Hz_per_nA, b_Hz, d_s);
  }
#if defined(__CUDA_ARCH__)
  if constexpr (Math::mode == MathMode::fast) {
    const float u = a_Hz_per_nA * I_nA - b_Hz;
    // |y| < 2^-24, where g(y) = 1 to float precision, is taken as the singular point (g = 1 / 1): otherwise |m| d
    // could fall below the fast quotient's range (2^-126) and F come out inf.
    const float y = select(fabsf(d_s * u) < 0x1p-24f, 0.0f, d_s * u);
    const float m = Math::expm1(-y);
    const bool small = y < kSmallDrive;
    float numerator, denominator;  // of g
    detail::shape_quotient(y, m, numerator, denominator);
    return Math::div(select(small, numerator, detail::magnitude(u)),
                     select(small, denominator * d_s, detail::magnitude(m)));
  }
#endif
  const double u_Hz = static_cast<double>(a_Hz_per_nA) * static_cast<double>(I_nA) - static_cast<double>(b_Hz);
  return detail::rate_from_drive_Hz<Math>(u_Hz, d_s);
}

}  // namespace rate
}  // namespace nb
