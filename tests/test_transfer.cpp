// nb::exact::expm1 (kernels/common/exact_math.hpp) and the rate-model transfer function
// F(I) = (a I - b) / (1 - exp(-d (a I - b))) (kernels/common/transfer.hpp, docs/models/self_sustained.md and decision.md).
//
// References are computed in double with the C library's expm1 from the same float arguments (a I is exact in
// double; errors ~1e-16 relative, negligible at float resolution). Error measures as in test_exact_math.cpp:
// ulp error against the exact value, |got - ref| / ulp(ref), printed as "[ measured ]" lines.
//
// Measured on x86-64, g++ 12, -ffp-contract=off (the sweeps below are subsets, some strided, to stay fast):
//   expm1: exhaustively over every float x in [-18.5, 88.7228] (every float with a result other than -1 or
//          inf): max 0.964 ulp (at x = 0x1.640818p-2 = 0.3477), max 0.826 ulp for x < 0 (at -0x1.652b32p-2).
//   g(y) = y / (1 - e^-y): max 1.53 ulp (every 211th float y >= -88.72; below, g is flushed to 0).
//   F = transfer_Hz(I, 270, 108, 0.154) over every float I in [1e-3, 5]: max 2.81 ulp where y = d (a I - b)
//          >= -2 (F >= 2 Hz); below, y is rounded to float before the exponential and g's condition number
//          ~|y| amplifies that: 5.2 ulp at y = -5, 8.9 at -10, 16.8 at -16.5 (F = 7e-6 Hz): <= 2 + 0.90 |y|.
//          Monotone non-decreasing over every one of those floats.
//   Edge values: F(a I = b) = 1/d = 6.49350643 Hz (d = 0.154 s), F(+inf) = +inf, F(-inf) = +0, F = 0 for
//          y < -88.72 (F < 1e-35 Hz), F = a I - b exactly for y > 17.33, NaN in any argument -> NaN.
#include "kernels/common/exact_math.hpp"
#include "kernels/common/math_mode.hpp"
#include "kernels/common/transfer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <utility>

namespace {

using nb::bits_float;
using nb::float_bits;
using nb::ExactMath;
using nb::FastMath;

constexpr float kFltMin = std::numeric_limits<float>::min();  // 2^-126
constexpr float kFltMax = std::numeric_limits<float>::max();
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kDenormMin = std::numeric_limits<float>::denorm_min();  // 2^-149

// Largest float whose exp (and expm1) is finite: 0x42b17217 = 88.72283172607422.
constexpr std::uint32_t kExpMaxFiniteBits = 0x42b17217u;

// docs/models/self_sustained.md and decision.md defaults.
constexpr float kA = 270.0f;   // Hz/nA
constexpr float kB = 108.0f;   // Hz
constexpr float kD = 0.154f;   // s

// Spacing of floats at the magnitude of the exact value r (never below the subnormal spacing 2^-149).
double float_ulp(double r) {
  if (r == 0.0) return std::ldexp(1.0, -149);
  int e;
  std::frexp(std::fabs(r), &e);  // |r| = m * 2^e, m in [0.5, 1)
  return std::ldexp(1.0, std::max(e - 24, -149));
}

struct ErrorStats {
  double max_ulp = 0.0;
  float worst_x = 0.0f;
  std::uint64_t count = 0;
  std::uint64_t nonfinite = 0;  // results that should have been finite but were not

  void add(float x, float got, double ref) {
    ++count;
    if (!std::isfinite(got)) {
      ++nonfinite;
      worst_x = x;
      max_ulp = std::numeric_limits<double>::infinity();
      return;
    }
    const double e = std::fabs(static_cast<double>(got) - ref) / float_ulp(ref);
    if (e > max_ulp) {
      max_ulp = e;
      worst_x = x;
    }
  }

  void print(const char* what) const {
    std::printf("[ measured ] %s: %llu values, max %.4f ulp vs exact (at %a = %.9g)\n", what,
                static_cast<unsigned long long>(count), max_ulp, static_cast<double>(worst_x),
                static_cast<double>(worst_x));
  }

  void expect_within(double bound, const char* what) const {
    print(what);
    EXPECT_EQ(nonfinite, 0u) << what << ": non-finite result, e.g. at " << worst_x;
    EXPECT_LE(max_ulp, bound) << what << ": worst at " << worst_x;
    EXPECT_GT(count, 0u);
  }
};

// ---- expm1 ----------------------------------------------------------------------------------------------------

void add_expm1(ErrorStats& s, float x) { s.add(x, nb::exact::expm1(x), std::expm1(static_cast<double>(x))); }

// Every float in the windows where the evaluation changes form: the reduction starts at |x| = ln2/2 (k = 0 -> +-1,
// with the cancelling k = 1, r < -0.25 form just above), k = +-1 -> +-2 at 1.5 ln2 = 1.04, k = 24 -> 25 at
// 24.5 ln2 = 16.98, and the approach to -1 (the result rounds to -1 below -25 ln2 = -17.33).
TEST(ExactExpm1, EveryFloatAtEachChangeOfForm) {
  ErrorStats s;
  const auto both_signs = [&](float lo, float hi) {
    for (std::uint32_t b = float_bits(lo); b <= float_bits(hi); ++b) {
      add_expm1(s, bits_float(b));
      add_expm1(s, -bits_float(b));
    }
  };
  both_signs(0.30f, 0.40f);
  both_signs(1.00f, 1.08f);
  both_signs(16.5f, 17.5f);
  for (std::uint32_t b = float_bits(-17.5f); b <= float_bits(-18.0f); ++b) add_expm1(s, bits_float(b));
  s.expect_within(1.0, "expm1, every float in +-[0.3, 0.4], +-[1, 1.08], +-[16.5, 17.5], [-18, -17.5]");
}

// Every float in +-[2^-12, 1.25 * 2^-12] (the series alone, near 0) and every 257th float in +-[2^-40, 0.3]. expm1
// must keep full relative accuracy where exp(x) - 1 would cancel.
TEST(ExactExpm1, NearZero) {
  ErrorStats s;
  for (std::uint32_t b = float_bits(0x1p-12f); b <= float_bits(0x1.4p-12f); ++b) {
    add_expm1(s, bits_float(b));
    add_expm1(s, -bits_float(b));
  }
  for (std::uint32_t b = float_bits(0x1p-40f); b <= float_bits(0.3f); b += 257) {
    add_expm1(s, bits_float(b));
    add_expm1(s, -bits_float(b));
  }
  s.expect_within(1.0, "expm1 near 0: every float in +-[2^-12, 1.25 * 2^-12], every 257th in +-[2^-40, 0.3]");
  // Below 2^-25 the exact value x + x^2/2 rounds to x: expm1 must return x itself, including subnormals.
  for (float x : {0x1p-26f, -0x1p-26f, 0x1.234p-60f, -0x1.234p-90f, kFltMin, -kFltMin, kDenormMin, -kDenormMin,
                  bits_float(0x007fffffu), 1e-30f, -1e-30f}) {
    EXPECT_EQ(nb::exact::expm1(x), x) << x;
  }
  EXPECT_EQ(nb::exact::expm1(0.0f), 0.0f);
  EXPECT_FALSE(std::signbit(nb::exact::expm1(0.0f)));
  EXPECT_EQ(nb::exact::expm1(-0.0f), 0.0f);
  EXPECT_TRUE(std::signbit(nb::exact::expm1(-0.0f))) << "expm1(-0) = -0";
}

// The whole range with a finite, non-trivial result: every 251st float in (0, 88.72] and in [-18.5, 0), plus
// every float between 88.7 and the overflow threshold.
TEST(ExactExpm1, WholeRangeAndNearOverflow) {
  ErrorStats s;
  for (std::uint32_t b = 1; b <= kExpMaxFiniteBits; b += 251) add_expm1(s, bits_float(b));
  for (std::uint32_t b = 1; b <= float_bits(18.5f); b += 251) add_expm1(s, -bits_float(b));
  for (std::uint32_t b = float_bits(88.7f); b <= kExpMaxFiniteBits; ++b) add_expm1(s, bits_float(b));
  add_expm1(s, bits_float(kExpMaxFiniteBits));
  s.expect_within(1.0, "expm1, every 251st float in [-18.5, 88.72] and every float in [88.7, 88.72]");
  EXPECT_EQ(nb::exact::expm1(bits_float(kExpMaxFiniteBits + 1)), kInf) << "expm1(88.72283935546875) overflows";
}

TEST(ExactExpm1, SpecialValues) {
  for (float x : {88.73f, 100.0f, 1e10f, 1e30f, kFltMax, kInf}) EXPECT_EQ(nb::exact::expm1(x), kInf) << x;
  for (float x : {-18.0f, -20.0f, -103.0f, -200.0f, -1e30f, -kFltMax, -kInf}) {
    EXPECT_EQ(nb::exact::expm1(x), -1.0f) << x;
  }
  // -25 ln2 = -17.3287: above it the result is the float next to -1.
  EXPECT_EQ(nb::exact::expm1(-17.0f), std::nextafter(-1.0f, 0.0f));  // -1 + 4.1e-8
  EXPECT_EQ(nb::exact::expm1(-17.4f), -1.0f);                        // -1 + 2.8e-8
  EXPECT_TRUE(std::isnan(nb::exact::expm1(kNaN)));
  EXPECT_TRUE(std::isnan(nb::exact::expm1(-kNaN)));
  EXPECT_TRUE(std::isnan(nb::exact::expm1(bits_float(0x7f800001u))));  // signalling-NaN bit pattern
  EXPECT_NEAR(nb::exact::expm1(1.0f), std::expm1(1.0), 0x1p-23);
}

// The math policies: ExactMath is exact::expm1; FastMath on the host is the exact path too (its device version,
// __expf with the series near 0, is not reachable from a host test).
TEST(ExactExpm1, MathPolicies) {
  for (float x : {-20.0f, -1.0f, -0.3f, -1e-5f, 0.0f, 1e-5f, 0.3f, 1.0f, 20.0f, 88.0f}) {
    EXPECT_EQ(float_bits(ExactMath::expm1(x)), float_bits(nb::exact::expm1(x))) << x;
    EXPECT_EQ(float_bits(FastMath::expm1(x)), float_bits(nb::exact::expm1(x))) << x;
  }
}

// Counts the steps back of a sequence of results taken in increasing order of the argument.
struct Monotonicity {
  std::uint64_t decreases = 0;
  std::int64_t max_drop_ulp = 0;
  float first_bad = 0.0f;
  float previous = -1.0f;

  void add(float I, float F) {
    if (F < previous) {
      if (decreases++ == 0) first_bad = I;
      max_drop_ulp = std::max<std::int64_t>(max_drop_ulp, static_cast<std::int64_t>(float_bits(previous)) -
                                                              static_cast<std::int64_t>(float_bits(F)));
    }
    previous = F;
  }
};

// ---- g(y) = y / (1 - exp(-y)) ---------------------------------------------------------------------------------

double shape_ref(float y) {
  const double yd = static_cast<double>(y);
  return yd == 0.0 ? 1.0 : yd / -std::expm1(-yd);
}

float shape(float y) { return nb::rate::transfer_shape<ExactMath>(y); }

// Every 211th float y from -88.72 to FLT_MAX (g is normal throughout; below -88.72 it is flushed to 0).
TEST(TransferShape, WithinTwoUlpOverTheWholeRange) {
  ErrorStats neg, pos;
  for (std::uint32_t b = 1; b <= kExpMaxFiniteBits; b += 211) {
    const float y = -bits_float(b);
    neg.add(y, shape(y), shape_ref(y));
  }
  for (std::uint32_t b = 1; b <= float_bits(kFltMax); b += 211) {
    const float y = bits_float(b);
    pos.add(y, shape(y), shape_ref(y));
  }
  neg.expect_within(2.0, "g(y), every 211th float in [-88.72, 0)");
  pos.expect_within(2.0, "g(y), every 211th float in (0, FLT_MAX]");
}

// Around the removable singularity: g(0) = 1 exactly, and for |y| below 2^-24 the exact value 1 + y/2 rounds to 1.
TEST(TransferShape, RemovableSingularity) {
  EXPECT_EQ(shape(0.0f), 1.0f);
  EXPECT_EQ(shape(-0.0f), 1.0f);
  for (float y : {0x1p-25f, 1e-10f, 1e-20f, 1e-30f, 1e-38f, kFltMin, bits_float(0x007fffffu), 1e-40f, kDenormMin}) {
    EXPECT_EQ(shape(y), 1.0f) << y;
    EXPECT_EQ(shape(-y), 1.0f) << -y;
  }
  // Every 31st float with |y| in [2^-30, 2^-2]: relative error stays at the ulp level (no cancellation).
  ErrorStats s;
  for (std::uint32_t b = float_bits(0x1p-30f); b <= float_bits(0.25f); b += 31) {
    s.add(bits_float(b), shape(bits_float(b)), shape_ref(bits_float(b)));
    s.add(-bits_float(b), shape(-bits_float(b)), shape_ref(-bits_float(b)));
  }
  s.expect_within(2.0, "g(y) near 0, every 31st float with |y| in [2^-30, 0.25]");
}

TEST(TransferShape, Extremes) {
  EXPECT_EQ(shape(kInf), kInf);
  EXPECT_EQ(shape(-kInf), 0.0f);
  EXPECT_FALSE(std::signbit(shape(-kInf)));
  EXPECT_EQ(shape(1e30f), 1e30f);
  EXPECT_EQ(shape(kFltMax), kFltMax);
  EXPECT_EQ(shape(20.0f), 20.0f);  // e^-20 < 2^-25: 1 - e^-20 rounds to 1
  EXPECT_GT(shape(-88.72f), 0.0f);  // 2.7e-37, still normal
  for (float y : {-88.73f, -100.0f, -1e30f, -kFltMax}) {
    EXPECT_EQ(shape(y), 0.0f) << y;
    EXPECT_FALSE(std::signbit(shape(y))) << y;
  }
  EXPECT_TRUE(std::isnan(shape(kNaN)));
  EXPECT_TRUE(std::isnan(shape(-kNaN)));
}

// g at consecutive floats: where it changes by less than its error per float it can step back, by at most 2 ulp
// (measured over every float in [-20, 20]: 7.9e6 decreases, all at -2 < y < 5, none larger than 2 ulp). Checked
// here over every float with |y| in [0.5, 1]; strictly monotone over every float in [-6, -4] and [6, 8].
TEST(TransferShape, MonotoneUpToTwoUlp) {
  Monotonicity wobbly, strict;
  for (std::uint32_t b = float_bits(1.0f); b >= float_bits(0.5f); --b) wobbly.add(-bits_float(b), shape(-bits_float(b)));
  wobbly.previous = -1.0f;
  for (std::uint32_t b = float_bits(0.5f); b <= float_bits(1.0f); ++b) wobbly.add(bits_float(b), shape(bits_float(b)));
  std::printf("[ measured ] g(y) over every float with |y| in [0.5, 1]: %llu decreases, max %lld ulp\n",
              static_cast<unsigned long long>(wobbly.decreases), static_cast<long long>(wobbly.max_drop_ulp));
  EXPECT_LE(wobbly.max_drop_ulp, 2) << "at y = " << wobbly.first_bad;
  for (std::uint32_t b = float_bits(6.0f); b >= float_bits(4.0f); --b) strict.add(-bits_float(b), shape(-bits_float(b)));
  strict.previous = -1.0f;
  for (std::uint32_t b = float_bits(6.0f); b <= float_bits(8.0f); ++b) strict.add(bits_float(b), shape(bits_float(b)));
  EXPECT_EQ(strict.decreases, 0u) << "at y = " << strict.first_bad;
}

// ---- F(I) -----------------------------------------------------------------------------------------------------

double transfer_ref(float I, float a, float b, float d) {
  const double u = static_cast<double>(a) * static_cast<double>(I) - static_cast<double>(b);  // a I exact
  const double y = static_cast<double>(d) * u;
  return y == 0.0 ? 1.0 / static_cast<double>(d) : u / -std::expm1(-y);
}

float transfer(float I, float a = kA, float b = kB, float d = kD) {
  return nb::rate::transfer_Hz<ExactMath>(I, a, b, d);
}

// Accuracy over the floats I in [1e-3, 5] nA (every 17th; every float in [0.39, 0.41] around the singularity
// at b/a = 0.4) for the defaults, i.e. y = d (a I - b) in [-16.6, 191]. Bound: 3 ulp where y >= -2; below,
// y is rounded to float before the exponential, and g's condition number (|y| - 1 for y << 0) amplifies that
// half ulp, relative error <= 2^-24 |y|, i.e. at most |y| ulp of F: 2 + |y| ulp.
struct TransferErrors {
  ErrorStats near;  // y >= -2
  ErrorStats tail;  // y < -2
  double tail_max_over_y = 0.0;
  float tail_worst = 0.0f;

  void add(float I, float a, float b, float d) {
    const double ref = transfer_ref(I, a, b, d);
    const double y = static_cast<double>(d) * (static_cast<double>(a) * I - static_cast<double>(b));
    if (ref < static_cast<double>(kFltMin)) return;  // F subnormal or 0: nothing relative to measure
    const float got = transfer(I, a, b, d);
    if (y >= -2.0) {
      near.add(I, got, ref);
    } else {
      tail.add(I, got, ref);
      const double e = std::fabs(static_cast<double>(got) - ref) / float_ulp(ref);
      if ((e - 2.0) / -y > tail_max_over_y) {
        tail_max_over_y = (e - 2.0) / -y;
        tail_worst = I;
      }
    }
  }

  void check(const char* what) const {
    char label[200];
    std::snprintf(label, sizeof label, "%s, y >= -2", what);
    near.expect_within(3.0, label);
    std::snprintf(label, sizeof label, "%s, y < -2", what);
    tail.print(label);
    std::printf("[ measured ] %s, y < -2: max (err - 2) / |y| = %.4f ulp (at I = %.9g)\n", what, tail_max_over_y,
                static_cast<double>(tail_worst));
    EXPECT_LE(tail_max_over_y, 1.0) << what << ": at I = " << tail_worst;
    EXPECT_EQ(tail.nonfinite, 0u) << what;
  }
};

TEST(TransferFunction, AccuracyDefaults) {
  TransferErrors errors;
  for (std::uint32_t b = float_bits(1e-3f); b <= float_bits(5.0f); b += 17) errors.add(bits_float(b), kA, kB, kD);
  for (std::uint32_t b = float_bits(0.39f); b <= float_bits(0.41f); ++b) errors.add(bits_float(b), kA, kB, kD);
  errors.check("F(I), a = 270, b = 108, d = 0.154, every 17th float I in [1e-3, 5]");
}

// Other parameters (different roundings of a I and d u), and negative currents.
TEST(TransferFunction, AccuracyOtherParameters) {
  TransferErrors errors;
  for (std::uint32_t b = float_bits(1e-3f); b <= float_bits(3.0f); b += 97) {
    errors.add(bits_float(b), 615.0f, 177.0f, 0.087f);
    errors.add(bits_float(b), 1.0f, 0.25f, 7.0f);
  }
  for (std::uint32_t b = 0; b <= float_bits(0.05f); b += 97) errors.add(-bits_float(b), kA, kB, kD);
  errors.check("F(I), (a, b, d) = (615, 177, 0.087) and (1, 0.25, 7), I in [1e-3, 3]; defaults for I < 0");
}

// Monotonicity in I. F is a function of I only through y = d (a I - b) rounded to float (on the g / d branch;
// on the other, through u and e^-y ~ 1), and g(y) at consecutive floats y can step back by up to 2 ulp where it
// moves by less than its own error per float (-2 < y < 5, see TransferShape.MonotoneUpToTwoUlp). So F(I) is
// strictly monotone wherever one float step of I moves y by several floats, which holds for the defaults
// (a d ulp(I) ~ 40 ulp(I) Hz/nA): checked for every float I in [0.05, 1] nA (y from -15.5 to 25; measured
// offline over every float in [1e-3, 5] too) and for every 4099th float over the whole range. With a small
// gain (a = 1 Hz/nA, I near 0) F is flat at float resolution, consecutive I give consecutive y, and F may step
// back by as much as g does: at most 2 ulp.
struct Params {
  float a, b, d;
};

// Every 4099th float from -FLT_MAX to FLT_MAX, in increasing order, then +inf.
Monotonicity sweep_whole_range(const Params& p) {
  Monotonicity m;
  m.add(-kInf, transfer(-kInf, p.a, p.b, p.d));
  for (std::int64_t b = float_bits(kFltMax); b >= 0; b -= 4099) {
    const float I = -bits_float(static_cast<std::uint32_t>(b));
    m.add(I, transfer(I, p.a, p.b, p.d));
  }
  for (std::uint32_t b = 0; b <= float_bits(kFltMax); b += 4099) m.add(bits_float(b), transfer(bits_float(b), p.a, p.b, p.d));
  m.add(kInf, transfer(kInf, p.a, p.b, p.d));
  return m;
}

TEST(TransferFunction, MonotoneInIDefaults) {
  Monotonicity dense;
  for (std::uint32_t b = float_bits(0.05f); b <= float_bits(1.0f); ++b) dense.add(bits_float(b), transfer(bits_float(b)));
  EXPECT_EQ(dense.decreases, 0u) << "F decreases at I = " << dense.first_bad << " by " << dense.max_drop_ulp << " ulp";
  const Monotonicity whole = sweep_whole_range({kA, kB, kD});
  EXPECT_EQ(whole.decreases, 0u) << "F decreases at I = " << whole.first_bad;
  const Monotonicity other = sweep_whole_range({615.0f, 177.0f, 0.087f});
  EXPECT_EQ(other.decreases, 0u) << "a = 615: F decreases at I = " << other.first_bad;
}

TEST(TransferFunction, MonotoneInIUpToTwoUlpWhenFlat) {
  const Params p{1.0f, 0.25f, 7.0f};
  Monotonicity m = sweep_whole_range(p);
  std::printf("[ measured ] F(I) for (a, b, d) = (1, 0.25, 7), every 4099th float: %llu decreases, max %lld ulp\n",
              static_cast<unsigned long long>(m.decreases), static_cast<long long>(m.max_drop_ulp));
  EXPECT_LE(m.max_drop_ulp, 2) << "at I = " << m.first_bad;
  Monotonicity dense;
  for (std::uint32_t b = float_bits(0.05f); b <= float_bits(1.0f); b += 3) {
    dense.add(bits_float(b), transfer(bits_float(b), p.a, p.b, p.d));
  }
  std::printf("[ measured ] F(I) for (a, b, d) = (1, 0.25, 7), every 3rd float in [0.05, 1]: %llu decreases, max %lld ulp\n",
              static_cast<unsigned long long>(dense.decreases), static_cast<long long>(dense.max_drop_ulp));
  EXPECT_LE(dense.max_drop_ulp, 2) << "at I = " << dense.first_bad;
}

// F >= 0 and never NaN for any finite I (every 1021st float of either sign, for three parameter sets).
TEST(TransferFunction, NonNegativeEverywhere) {
  std::uint64_t bad = 0;
  float first_bad = 0.0f;
  for (std::uint32_t b = 0; b <= float_bits(kFltMax); b += 1021) {
    for (float I : {bits_float(b), -bits_float(b)}) {
      for (float F : {transfer(I), transfer(I, 615.0f, 177.0f, 0.087f), transfer(I, 1.0f, 0.25f, 7.0f)}) {
        if (!(F >= 0.0f) || std::signbit(F)) {
          if (bad++ == 0) first_bad = I;
        }
      }
    }
  }
  EXPECT_EQ(bad, 0u) << "F < 0, -0 or NaN at I = " << first_bad;
}

// The removable singularity a I = b: F = 1/d, correctly rounded. 216 * 0.5 = 108 exactly.
TEST(TransferFunction, RemovableSingularity) {
  const float one_over_d = 1.0f / kD;
  std::printf("[ measured ] F at a I = b (d = 0.154 s): %.9g Hz\n", static_cast<double>(transfer(0.5f, 216.0f, kB, kD)));
  EXPECT_EQ(transfer(0.5f, 216.0f, kB, kD), one_over_d);
  EXPECT_NEAR(one_over_d, 6.4935f, 1e-4f);
  EXPECT_EQ(nb::rate::transfer_of_drive_Hz<ExactMath>(0.0f, kD), one_over_d);
  EXPECT_EQ(nb::rate::transfer_of_drive_Hz<ExactMath>(-0.0f, kD), one_over_d);
  EXPECT_EQ(transfer(0.0f, kA, 0.0f, kD), one_over_d);
  // Tiny drives u = a I - b, down to subnormals: y = d u tiny, F = 1/d (1 + y/2) rounds to 1/d.
  for (float u : {1e-8f, 1e-12f, 1e-20f, 1e-30f, 1e-38f, kFltMin, 1e-40f, kDenormMin}) {
    EXPECT_EQ(nb::rate::transfer_of_drive_Hz<ExactMath>(u, kD), one_over_d) << u;
    EXPECT_EQ(nb::rate::transfer_of_drive_Hz<ExactMath>(-u, kD), one_over_d) << -u;
  }
  // |y| from 1e-30 to 0.5 on both sides, through the drive: relative error at the ulp level.
  ErrorStats s;
  for (int e = -300; e <= -3; ++e) {
    for (float sign : {1.0f, -1.0f}) {
      const float u = sign * static_cast<float>(std::pow(10.0, e / 10.0)) / kD;
      const double y = static_cast<double>(kD) * u;
      s.add(u, nb::rate::transfer_of_drive_Hz<ExactMath>(u, kD), static_cast<double>(u) / -std::expm1(-y));
    }
  }
  // The float currents next to b/a = 0.4 (a I - b is then a few 1e-6 Hz, y ~ 1e-6).
  float I = 0.4f;
  for (int k = 0; k < 64; ++k) I = std::nextafter(I, 0.0f);
  for (int k = 0; k < 128; ++k, I = std::nextafter(I, 1.0f)) s.add(I, transfer(I), transfer_ref(I, kA, kB, kD));
  s.expect_within(3.0, "F near the singularity: |y| = 1e-30 .. 0.5, and the 128 floats I around 0.4 nA");
}

TEST(TransferFunction, ExtremesAndNaN) {
  // Large positive drive: F -> a I - b, exactly once e^-y < 2^-25.
  EXPECT_EQ(nb::rate::transfer_of_drive_Hz<ExactMath>(1000.0f, kD), 1000.0f);
  EXPECT_EQ(nb::rate::transfer_of_drive_Hz<ExactMath>(1e30f, kD), 1e30f);
  EXPECT_EQ(nb::rate::transfer_of_drive_Hz<ExactMath>(kFltMax, kD), kFltMax);
  EXPECT_EQ(transfer(10.0f), 2592.0f);
  EXPECT_EQ(transfer(kInf), kInf);
  EXPECT_EQ(transfer(1e30f), static_cast<float>(270.0 * static_cast<double>(1e30f)));  // F = a I - b
  EXPECT_EQ(transfer(1e37f), kInf);  // a I - b = 2.7e39 Hz overflows float
  // Large negative drive: F -> 0+, no NaN.
  EXPECT_EQ(transfer(-kInf), 0.0f);
  EXPECT_FALSE(std::signbit(transfer(-kInf)));
  EXPECT_EQ(transfer(-1e30f), 0.0f);
  EXPECT_EQ(nb::rate::transfer_of_drive_Hz<ExactMath>(-1e30f, kD), 0.0f);
  EXPECT_EQ(nb::rate::transfer_of_drive_Hz<ExactMath>(-kFltMax, kD), 0.0f);
  EXPECT_GT(nb::rate::transfer_of_drive_Hz<ExactMath>(-576.0f, kD), 0.0f);  // y = -88.7: 1.7e-36 Hz
  EXPECT_EQ(nb::rate::transfer_of_drive_Hz<ExactMath>(-600.0f, kD), 0.0f);  // y = -92.4: flushed to 0
  // NaN in any argument.
  EXPECT_TRUE(std::isnan(transfer(kNaN)));
  EXPECT_TRUE(std::isnan(transfer(0.4f, kNaN, kB, kD)));
  EXPECT_TRUE(std::isnan(transfer(0.4f, kA, kNaN, kD)));
  EXPECT_TRUE(std::isnan(transfer(0.4f, kA, kB, kNaN)));
  EXPECT_TRUE(std::isnan(transfer(0.3f, kA, kB, kNaN)));
  EXPECT_TRUE(std::isnan(transfer(0.5f, kA, kB, kNaN)));
  EXPECT_TRUE(std::isnan(nb::rate::transfer_of_drive_Hz<ExactMath>(kNaN, kD)));
  EXPECT_TRUE(std::isnan(nb::rate::transfer_Hz<ExactMath>(kInf, kA, kInf, kD)));  // inf - inf
}

// The rates docs/models/self_sustained.md quotes at its fixed points (gamma = 0.64, g_E = 0.28 nA, I_0 = 0.32 nA):
// s = 0.11956 -> r = 2.12 Hz and s = 0.62774 -> r = 26.35 Hz; each satisfies s = gamma tau F / (1 + gamma tau F).
TEST(TransferFunction, ModelsFixedPoints) {
  const float gamma = 0.64f, tau_s = 0.1f;
  for (const auto& fp : {std::pair<double, double>{0.11956, 2.12}, {0.62774, 26.35}}) {
    const float I = 0.28f * static_cast<float>(fp.first) + 0.32f;
    const float F = transfer(I);
    EXPECT_NEAR(F, fp.second, 0.01) << "s = " << fp.first;
    const double gtF = static_cast<double>(gamma) * tau_s * F;
    EXPECT_NEAR(gtF / (1.0 + gtF), fp.first, 2e-4) << "s = " << fp.first;
  }
}

// Both policies give the same bits on the host (FastMath's host path is the exact one), the shape and the drive
// forms agree with transfer_Hz.
TEST(TransferFunction, PoliciesAndForms) {
  for (float I : {0.0f, 0.1f, 0.3f, 0.4f, 0.45f, 0.6f, 2.0f}) {
    EXPECT_EQ(float_bits(nb::rate::transfer_Hz<FastMath>(I, kA, kB, kD)), float_bits(transfer(I))) << I;
  }
  // a = 1, b = 0: u = I exactly, so transfer_Hz and transfer_of_drive_Hz see the same drive.
  for (float u : {-50.0f, -3.0f, -0.01f, 0.01f, 3.0f, 50.0f}) {
    EXPECT_EQ(float_bits(nb::rate::transfer_Hz<ExactMath>(u, 1.0f, 0.0f, kD)),
              float_bits(nb::rate::transfer_of_drive_Hz<ExactMath>(u, kD)))
        << u;
  }
  // For |y| < 0.5 and y < 0, F = g(y) / d with y = d u.
  for (float u : {-50.0f, -3.0f, -0.01f, 0.01f, 3.0f}) {
    EXPECT_EQ(nb::rate::transfer_of_drive_Hz<ExactMath>(u, kD), shape(kD * u) / kD) << u;
  }
}

}  // namespace
