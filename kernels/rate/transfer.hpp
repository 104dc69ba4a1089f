// Population transfer function of the rate models (MODELS.md sections 4 and 5; Abbott & Chance 2005, used by
// Wong & Wang 2006):
//
//   F(I) = (a I - b) / (1 - exp(-d (a I - b)))    [Hz];  I in nA, a in Hz/nA, b in Hz, d in s (d > 0)
//
// With the drive u = a I - b [Hz] and y = d u (dimensionless), F = u / (1 - e^-y) = g(y) / d, where
//
//   g(y) = y / (1 - e^-y) = |y| / |expm1(-y)|     (y and 1 - e^-y = -expm1(-y) always have the same sign)
//
// is a smoothed ramp: g(y) -> 0+ like |y| e^-|y| for y -> -inf, g(0) = 1, g(y) -> y for y -> +inf.
//
// Why it is written this way (F is evaluated at every step of every trial, so it must never blow up):
//  * u / (1 - exp(-y)) literally is 0/0 at the removable singularity a I = b, and for small |y| the
//    difference 1 - exp(-y) has lost all its digits. expm1 (kernels/common/exact_math.hpp) has no
//    cancellation, so |y| / |expm1(-y)| keeps full relative accuracy down to subnormal y (both are then the
//    same float and g = 1 exactly). y = 0 is selected to g = 1, so F = 1/d there, correctly rounded
//    (6.4935 Hz for d = 0.154 s).
//  * Large negative y: expm1(-y) = e^|y| - 1 is large and finite up to |y| = 88.72, so |u| / |expm1(-y)|
//    is an ordinary quotient: no inf/inf, no overflow. Below that F < 1e-35 Hz and the quotient is |u| / inf
//    = 0 (u = -inf gives inf/inf and is selected to 0). F(-inf) = 0, F >= 0 everywhere.
//  * Large positive y: expm1(-y) -> -1, F -> u exactly (F = u for y > 17.3); F(+inf) = +inf.
//  * Two equivalent quotients are used: near the singularity (|y| < kSmallDrive) F = g(y) / d, which is
//    insensitive to the rounding of y = d u (dg/dy = 1/2 there) and exact for subnormal y; elsewhere
//    F = |u| / |expm1(-y)|, one rounding fewer (F = u exactly for y > 17.3, so F is monotone in I there).
//  * Branch-free: both quotients are computed and selects pick one, so the CPU lane loops vectorise; the
//    operations are IEEE + - * / only (through Math::expm1 in exact mode), so CPU and CUDA agree bit for bit.
// NaN in any argument gives NaN.
//
// Accuracy (tests/test_transfer.cpp, "[ measured ]" lines): g within 2 ulp of the exact value for every float y
// where g is normal. F from (u, d) within 3 ulp for y >= -2; below that the rounding of y = d u (0.5 ulp) is
// amplified by the conditioning of e^y, |y|: the error grows like 0.65 |y| ulp (9 ulp at y = -10, where
// F = 3e-3 Hz for the defaults). transfer_Hz adds the rounding of a I - b, amplified near the singularity by
// a I d / 2 (the function's own conditioning with respect to I).
#pragma once

#include "kernels/common/hd.hpp"

namespace nb {
namespace rate {

namespace detail {
NB_HD float abs(float x) { return bits_float(float_bits(x) & 0x7fffffffu); }

// g(y) from y and m = expm1(-y).
NB_HD float shape(float y, float m) {
  const float inf = bits_float(0x7f800000u);
  return select(y == 0.0f, 1.0f, select(m == inf, 0.0f, abs(y) / abs(m)));
}
}  // namespace detail

// g(y) / d is used for |y| < kSmallDrive, |u| / |expm1(-y)| elsewhere (see above).
constexpr float kSmallDrive = 2.0f;

// g(y) = y / (1 - exp(-y)), dimensionless. g(0) = 1, g(-inf) = 0, g(inf) = inf, NaN -> NaN.
template <class Math>
NB_HD float transfer_shape(float y) {
  return detail::shape(y, Math::expm1(-y));
}

namespace detail {
// F from the drive u (in double, see above) and d.
template <class Math>
NB_HD float rate_from_drive_Hz(double u_Hz, float d_s) {
  const double y_exact = static_cast<double>(d_s) * u_Hz;  // exact when u_Hz is a float
  const float y = static_cast<float>(y_exact);
  // y + y_lo = d u to ~2^-48; beyond |y| = 128 F is u or 0 and y_lo is irrelevant (and may be inf there).
  const float y_lo = select(abs(y) < 128.0f, static_cast<float>(y_exact - static_cast<double>(y)), 0.0f);
  const float u = static_cast<float>(u_Hz);
  const float m = Math::expm1(-y);             // -(1 - e^-y)
  const float m_corrected = m - (1.0f + m) * y_lo;  // expm1(-(y + y_lo)) = (1 + m) e^-y_lo - 1
  const bool small = abs(y) < kSmallDrive;
  const float rate = select(small, shape(y, m), abs(u)) / select(small, d_s, abs(m_corrected));
  const float inf = bits_float(0x7f800000u);
  return select(m == inf, 0.0f, rate);  // y < -88.72: F < 1e-35 Hz; u = -inf would give inf/inf
}
}  // namespace detail

// F as a function of the drive u = a I - b [Hz]: u / (1 - exp(-d u)) [Hz], d in s.
template <class Math>
NB_HD float transfer_of_drive_Hz(float u_Hz, float d_s) {
  return detail::rate_from_drive_Hz<Math>(static_cast<double>(u_Hz), d_s);
}

// F(I) = (a I - b) / (1 - exp(-d (a I - b))) [Hz]; I in nA, a in Hz/nA, b in Hz, d in s.
template <class Math>
NB_HD float transfer_Hz(float I_nA, float a_Hz_per_nA, float b_Hz, float d_s) {
  // a I is exact in double (24 x 24 bits), a I - b rounds at 2^-53.
  const double u_Hz = static_cast<double>(a_Hz_per_nA) * static_cast<double>(I_nA) - static_cast<double>(b_Hz);
  return detail::rate_from_drive_Hz<Math>(u_Hz, d_s);
}

}  // namespace rate
}  // namespace nb
