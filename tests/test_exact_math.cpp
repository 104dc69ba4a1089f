// Accuracy of the portable transcendental functions in kernels/common/exact_math.hpp.
//
// nb::exact::log / exp / sincos_2pi are what the CPU reference and the CUDA exact mode both call, so their
// accuracy is a property of the source, not of the platform: measuring it here on the host measures it for
// the device too. References are computed in double precision with the C library (errors ~1e-16 relative,
// negligible at float resolution).
//
// Two error measures are reported (printed as "[ measured ]" lines):
//   * ulp error against the exact value: |got - ref| / ulp(ref), ulp(ref) = float spacing at |ref|;
//   * ulp distance to the correctly rounded result (float)ref, counted in representable floats.
// Bounds asserted: both <= 2 ulp for log and for exp with normal results; exp with subnormal results within
// one subnormal spacing (2^-149); sin/cos absolute error <= 2^-23.
//
// Measured on x86-64, g++ 12, -ffp-contract=off, exhaustively (not just the sweeps below, some of which are
// strided to keep the suite fast):
//   log: over every positive finite float, max 1.968 ulp vs exact (at 0x1.00fd16p+0), max distance 2 to the
//        rounded result
//   exp: max 1.221 ulp vs exact over every float with a normal result (at 59.2652245), max distance 1 to the
//        rounded result; subnormal results within 0.78 * 2^-149
//   sincos_2pi: over all 2^25 points of the 2^-25 grid of [0, 1), max abs error 9.19e-8 = 1.54 * 2^-24
//        (bound 2^-23); over the uniform_open01 outputs (all on the 2^-24 grid) 9.07e-8 = 1.52 * 2^-24;
//        max |sin^2 + cos^2 - 1| = 2.81 * 2^-24
#include "kernels/common/exact_math.hpp"
#include "kernels/common/random.hpp"  // uniform_open01: the inputs log() and sincos_2pi() actually see

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>

namespace {

using nb::bits_float;
using nb::float_bits;

constexpr double kTwoPiD = 6.283185307179586476925286766559;
constexpr float kFltMin = std::numeric_limits<float>::min();  // 2^-126
constexpr float kFltMax = std::numeric_limits<float>::max();
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Largest float x whose exp(x) is finite in round-to-nearest: 0x42b17217 = 88.72283172607422.
// The next float, 0x42b17218 = 88.72283935546875, has exp(x) = FLT_MAX * (1 + 2.4e-7): overflow.
constexpr std::uint32_t kExpMaxFiniteBits = 0x42b17217u;

// Floats mapped onto the integers so that neighbouring floats differ by one; +0 and -0 both map to 0.
std::int64_t ordered(float f) {
  const std::uint32_t u = float_bits(f);
  const std::int64_t magnitude = u & 0x7fffffffu;
  return (u >> 31) ? -magnitude : magnitude;
}

std::int64_t ulp_distance(float a, float b) {
  const std::int64_t d = ordered(a) - ordered(b);
  return d < 0 ? -d : d;
}

// Spacing of floats at the magnitude of the exact value r: 2^(e-23) for |r| in [2^e, 2^(e+1)), never below
// the subnormal spacing 2^-149.
double float_ulp(double r) {
  if (r == 0.0) return std::ldexp(1.0, -149);
  int e;
  std::frexp(std::fabs(r), &e);  // |r| = m * 2^e, m in [0.5, 1)
  return std::ldexp(1.0, std::max(e - 24, -149));
}

struct ErrorStats {
  double max_ulp = 0.0;       // against the exact (double) value
  std::int64_t max_dist = 0;  // against the double value rounded to float
  float worst_x = 0.0f;       // argument of max_ulp
  float worst_dist_x = 0.0f;  // argument of max_dist
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
    const std::int64_t d = ulp_distance(got, static_cast<float>(ref));
    if (d > max_dist) {
      max_dist = d;
      worst_dist_x = x;
    }
  }

  void print(const char* what) const {
    std::printf(
        "[ measured ] %s: %llu values, max %.4f ulp vs exact (x = %a = %.9g), max %lld ulp from rounded"
        " (x = %a)\n",
        what, static_cast<unsigned long long>(count), max_ulp, static_cast<double>(worst_x),
        static_cast<double>(worst_x), static_cast<long long>(max_dist), static_cast<double>(worst_dist_x));
  }
};

void expect_within_2ulp(const ErrorStats& s, const char* what) {
  s.print(what);
  EXPECT_EQ(s.nonfinite, 0u) << what << ": non-finite result, e.g. at x = " << s.worst_x;
  EXPECT_LE(s.max_ulp, 2.0) << what << ": worst at x = " << s.worst_x;
  EXPECT_LE(s.max_dist, 2) << what << ": worst at x = " << s.worst_dist_x;
  EXPECT_GT(s.count, 0u);
}

void add_log(ErrorStats& s, float x) { s.add(x, nb::exact::log(x), std::log(static_cast<double>(x))); }
void add_exp(ErrorStats& s, float x) { s.add(x, nb::exact::exp(x), std::exp(static_cast<double>(x))); }

// ---- log ------------------------------------------------------------------------------------------------------

// Calls fn(u) once for every distinct value uniform_open01 can return. It reads at most the top 24 bits of
// the word and is non-decreasing in it, so stepping the word by 2^8 and skipping repeats enumerates them all.
template <class Fn>
void for_each_uniform_output(Fn fn) {
  float previous = -1.0f;
  for (std::uint32_t k = 0; k < (1u << 24); ++k) {
    const float u = nb::uniform_open01(k << 8);
    if (u != previous) fn(u);
    previous = u;
  }
}

// Every value uniform_open01 can return: these are the inputs of the Box-Muller log, so this sweep is
// exhaustive for the simulator's actual use.
TEST(ExactLog, EveryUniformOpen01Output) {
  ErrorStats s;
  for_each_uniform_output([&](float u) { add_log(s, u); });
  expect_within_2ulp(s, "log(uniform_open01), every output");
}

// [1e-30, 1e30], log-spaced: stepping through the bit patterns is uniform in log(x). The prime stride visits
// varied mantissas in every binade.
TEST(ExactLog, LogSpaced1em30To1e30) {
  ErrorStats s;
  const std::uint32_t lo = float_bits(1e-30f), hi = float_bits(1e30f);
  for (std::uint32_t b = lo; b <= hi; b += 397) add_log(s, bits_float(b));
  add_log(s, 1e-30f);
  add_log(s, 1e30f);
  expect_within_2ulp(s, "log on [1e-30, 1e30], every 397th float");
}

// [1/2, 2): the mantissa fold at sqrt(2) and the cancellation near 1, where log's relative accuracy is
// hardest. Includes the measured worst cases of the exhaustive sweep.
TEST(ExactLog, DenseAroundOne) {
  ErrorStats s;
  for (std::uint32_t b = float_bits(0.5f); b < float_bits(2.0f); b += 5) add_log(s, bits_float(b));
  for (std::uint32_t b = float_bits(1.0f) - 4096; b <= float_bits(1.0f) + 4096; ++b) add_log(s, bits_float(b));
  for (float x : {0x1.00fd16p+0f, 0x1.4924fep-1f, 1.41421356f, std::nextafter(1.41421356f, 2.0f),
                  std::nextafter(1.41421356f, 0.0f), 0x1.6a09e6p-1f, 0x1.6a09e6p+0f})
    add_log(s, x);
  expect_within_2ulp(s, "log on [0.5, 2), every 5th float + 4096 either side of 1");
  EXPECT_EQ(nb::exact::log(1.0f), 0.0f);
  EXPECT_FALSE(std::signbit(nb::exact::log(1.0f)));
  EXPECT_LT(nb::exact::log(std::nextafter(1.0f, 0.0f)), 0.0f);  // sign is right next to 1
  EXPECT_GT(nb::exact::log(std::nextafter(1.0f, 2.0f)), 0.0f);
}

// Outside [1e-30, 1e30] up to the ends of the normal range, and every subnormal (strided).
TEST(ExactLog, ExtremesAndSubnormals) {
  ErrorStats normal;
  for (std::uint32_t b = float_bits(kFltMin); b < float_bits(1e-30f); b += 61) add_log(normal, bits_float(b));
  for (std::uint32_t b = float_bits(1e30f); b <= float_bits(kFltMax); b += 61) add_log(normal, bits_float(b));
  add_log(normal, kFltMin);
  add_log(normal, kFltMax);
  expect_within_2ulp(normal, "log on [FLT_MIN, 1e-30] and [1e30, FLT_MAX], every 61st float");

  ErrorStats sub;
  for (std::uint32_t b = 1; b < 0x00800000u; b += 7) add_log(sub, bits_float(b));
  add_log(sub, bits_float(1));            // 2^-149
  add_log(sub, bits_float(0x007fffffu));  // largest subnormal
  expect_within_2ulp(sub, "log of subnormals, every 7th");
  EXPECT_FLOAT_EQ(nb::exact::log(bits_float(1)), static_cast<float>(-149.0 * std::log(2.0)));
}

TEST(ExactLog, SpecialValues) {
  const float zero_log = nb::exact::log(0.0f);
  EXPECT_TRUE(std::isinf(zero_log) && zero_log < 0) << zero_log;
  const float negzero_log = nb::exact::log(-0.0f);
  EXPECT_TRUE(std::isinf(negzero_log) && negzero_log < 0) << negzero_log;
  EXPECT_EQ(nb::exact::log(kInf), kInf);
  for (float x : {-1.0f, -1e-30f, -bits_float(1), -kFltMax, -kInf, -0.5f})
    EXPECT_TRUE(std::isnan(nb::exact::log(x))) << "log(" << x << ")";
  EXPECT_TRUE(std::isnan(nb::exact::log(kNaN)));
  EXPECT_TRUE(std::isnan(nb::exact::log(-kNaN)));
  EXPECT_TRUE(std::isnan(nb::exact::log(bits_float(0x7f800001u))));  // signalling-NaN bit pattern
}

// ---- exp ------------------------------------------------------------------------------------------------------

// Dense linear grid over [-103, 88.7] (8M points) plus every 251st float with |x| in [2^-40, 88.7] (dense
// near 0, where exp(x) ~ 1 + x). Results below FLT_MIN are subnormal and are checked separately, in absolute
// terms.
TEST(ExactExp, DenseNormalResults) {
  ErrorStats s;
  ErrorStats sub;  // subnormal results: only the absolute error is meaningful
  double sub_max_abs = 0.0;
  float sub_worst = 0.0f;
  const auto check = [&](float x) {
    const double ref = std::exp(static_cast<double>(x));
    if (ref >= static_cast<double>(kFltMin)) {
      add_exp(s, x);
    } else {
      const double err = std::fabs(static_cast<double>(nb::exact::exp(x)) - ref);
      if (err > sub_max_abs) {
        sub_max_abs = err;
        sub_worst = x;
      }
    }
  };
  const int n = 1 << 23;
  const double lo = -103.0, hi = 88.7;
  for (int i = 0; i <= n; ++i) check(static_cast<float>(lo + (hi - lo) * i / n));
  for (std::uint32_t b = float_bits(0x1p-40f); b <= float_bits(88.7f); b += 251) {
    check(bits_float(b));
    check(-bits_float(b));
  }
  for (float x : {0.0f, -0.0f, 0x1p-60f, -0x1p-60f, bits_float(1), 59.2652245f, 1.0f, -1.0f, 0.5f, -0.5f}) check(x);
  expect_within_2ulp(s, "exp on [-103, 88.7], normal results");
  const double sub_ulps = sub_max_abs / std::ldexp(1.0, -149);
  std::printf("[ measured ] exp with subnormal results: max abs error %.4f * 2^-149 (x = %.9g)\n", sub_ulps,
              static_cast<double>(sub_worst));
  EXPECT_LE(sub_ulps, 1.0) << "at x = " << sub_worst;
  EXPECT_EQ(nb::exact::exp(0.0f), 1.0f);
  EXPECT_EQ(nb::exact::exp(-0.0f), 1.0f);
}

// Every float between 88.7 and the overflow threshold must still be accurate, and the first float whose
// exp overflows must give inf.
TEST(ExactExp, NearOverflowThreshold) {
  ErrorStats s;
  for (std::uint32_t b = float_bits(88.7f); b <= kExpMaxFiniteBits; ++b) add_exp(s, bits_float(b));
  expect_within_2ulp(s, "exp on [88.7, 88.7228317] (every float up to the overflow threshold)");
  EXPECT_EQ(nb::exact::exp(bits_float(kExpMaxFiniteBits + 1)), kInf) << "exp(88.72283935546875) overflows";
}

TEST(ExactExp, OverflowUnderflowAndNaN) {
  for (float x : {88.73f, 88.75f, 89.0f, 100.0f, 1e10f, kFltMax, kInf}) EXPECT_EQ(nb::exact::exp(x), kInf) << x;
  for (std::uint32_t b = float_bits(88.73f); b < float_bits(200.0f); b += 4099)
    EXPECT_EQ(nb::exact::exp(bits_float(b)), kInf) << bits_float(b);
  for (float x : {-104.0f, -104.5f, -110.0f, -1e10f, -kFltMax, -kInf}) {
    EXPECT_EQ(nb::exact::exp(x), 0.0f) << x;
    EXPECT_FALSE(std::signbit(nb::exact::exp(x))) << x;
  }
  for (std::uint32_t b = float_bits(-104.0f); b < float_bits(-300.0f); b += 4099)
    EXPECT_EQ(nb::exact::exp(bits_float(b)), 0.0f) << bits_float(b);
  // ln(2^-150) = -103.97207708: below it the exact result rounds to 0.
  EXPECT_EQ(nb::exact::exp(-103.9721f), 0.0f);
  EXPECT_GT(nb::exact::exp(-103.27f), 0.0f);  // exp(-103.27) = 1.009 * 2^-149
  EXPECT_TRUE(std::isnan(nb::exact::exp(kNaN)));
  EXPECT_TRUE(std::isnan(nb::exact::exp(-kNaN)));
  EXPECT_TRUE(std::isnan(nb::exact::exp(bits_float(0x7f800001u))));
}

// FNV-1a hash of the result bits over every 127th float bit pattern (NaNs, infinities and subnormals included).
std::uint64_t result_hash(float (*f)(float)) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::uint64_t u = 0; u < (1ull << 32); u += 127) {
    h ^= float_bits(f(bits_float(static_cast<std::uint32_t>(u))));
    h *= 0x100000001b3ull;
  }
  return h;
}

// exp and expm1 are rewritten for speed from time to time (e.g. so that gcc vectorises them), but their results
// must not change by a single bit: stored reference results and the CPU/GPU parity depend on them. The hashes
// are those of the original implementation (the current one was compared with it over all 2^32 floats).
TEST(ExactExp, ResultBitsPinned) {
  EXPECT_EQ(result_hash([](float x) { return nb::exact::exp(x); }), 0x4ec2004ebad80821ull);
  EXPECT_EQ(result_hash([](float x) { return nb::exact::expm1(x); }), 0x3484b9c47d4a60ccull);
}

// ---- sincos_2pi ----------------------------------------------------------------------------------------------

struct SinCosStats {
  double max_sin = 0.0, max_cos = 0.0, max_pyth = 0.0;
  float worst_sin = 0.0f, worst_cos = 0.0f, worst_pyth = 0.0f;
  std::uint64_t count = 0;
  std::uint64_t nonfinite = 0;

  void add(float u) {
    float s, c;
    nb::exact::sincos_2pi(u, s, c);
    const double a = kTwoPiD * static_cast<double>(u);
    const double es = std::fabs(static_cast<double>(s) - std::sin(a));
    const double ec = std::fabs(static_cast<double>(c) - std::cos(a));
    const double ep = std::fabs(static_cast<double>(s) * s + static_cast<double>(c) * c - 1.0);
    ++count;
    if (!std::isfinite(s) || !std::isfinite(c)) {
      ++nonfinite;
      return;
    }
    if (es > max_sin) max_sin = es, worst_sin = u;
    if (ec > max_cos) max_cos = ec, worst_cos = u;
    if (ep > max_pyth) max_pyth = ep, worst_pyth = u;
  }

  void check(const char* what) const {
    std::printf(
        "[ measured ] sincos_2pi %s: %llu values, max |sin err| %.4g = %.3f * 2^-24 (u = %a), "
        "max |cos err| %.4g = %.3f * 2^-24 (u = %a), max |sin^2+cos^2-1| %.4g = %.3f * 2^-24\n",
        what, static_cast<unsigned long long>(count), max_sin, std::ldexp(max_sin, 24), static_cast<double>(worst_sin),
        max_cos, std::ldexp(max_cos, 24), static_cast<double>(worst_cos), max_pyth, std::ldexp(max_pyth, 24));
    const double bound = std::ldexp(1.0, -23);  // ~1.19e-7
    EXPECT_EQ(nonfinite, 0u) << what;
    EXPECT_LE(max_sin, bound) << what << ": u = " << worst_sin;
    EXPECT_LE(max_cos, bound) << what << ": u = " << worst_cos;
    // |s^2 + c^2 - 1| <= 2(|s||ds| + |c||dc|) + rounding <= 2 sqrt(2) * 2^-23 in the worst case; measured
    // 2.81 * 2^-24. Bound it at 4 * 2^-24: a wrong coefficient or quadrant shows up far above that.
    EXPECT_LE(max_pyth, std::ldexp(4.0, -24)) << what << ": u = " << worst_pyth;
    EXPECT_GT(count, 0u);
  }
};

// All 2^24 points k * 2^-24 of [0, 1).
TEST(ExactSinCos2Pi, Every2Pow24GridPointOfUnitInterval) {
  SinCosStats s;
  for (std::uint32_t k = 0; k < (1u << 24); ++k) s.add(static_cast<float>(k) * 0x1p-24f);
  s.check("on the 2^-24 grid of [0, 1)");
}

// The 2^-25 grid of (0, 1/2): the odd multiples of 2^-25 lie between the points above (every 3rd here).
TEST(ExactSinCos2Pi, Odd2Pow25GridPointsBelowHalf) {
  SinCosStats s;
  for (std::uint32_t k = 0; k < (1u << 23); k += 3) s.add(static_cast<float>(2 * k + 1) * 0x1p-25f);
  s.check("on the odd multiples of 2^-25 in (0, 1/2), every 3rd");
}

// Every angle the Box-Muller transform can use (uniform_open01's outputs; currently all on the 2^-24 grid).
TEST(ExactSinCos2Pi, EveryUniformOpen01Output) {
  SinCosStats s;
  for_each_uniform_output([&](float u) { s.add(u); });
  s.check("on every uniform_open01 output");
}

// Reduction by whole and quarter turns outside [0, 1): negative and larger arguments.
TEST(ExactSinCos2Pi, ReducesWholeTurns) {
  SinCosStats s;
  for (int k = -(1 << 19); k < (1 << 19); k += 3) s.add(static_cast<float>(k) * 0x1p-13f);  // [-64, 64)
  for (float u : {0x1p21f + 0.375f, -0x1p21f - 0.125f, 1000.1f, -1000.1f, 123456.7f}) s.add(u);
  s.check("on [-64, 64) and a few |u| < 2^22");
}

TEST(ExactSinCos2Pi, QuarterTurnsAreExact) {
  const struct {
    float u, s, c;
  } cases[] = {{0.0f, 0.0f, 1.0f}, {0.25f, 1.0f, 0.0f},   {0.5f, 0.0f, -1.0f}, {0.75f, -1.0f, 0.0f},
               {1.0f, 0.0f, 1.0f}, {-0.25f, -1.0f, 0.0f}, {3.5f, 0.0f, -1.0f}};
  for (const auto& t : cases) {
    float s, c;
    nb::exact::sincos_2pi(t.u, s, c);
    EXPECT_EQ(s, t.s) << "sin(2 pi " << t.u << ")";  // == treats -0 and +0 alike
    EXPECT_EQ(c, t.c) << "cos(2 pi " << t.u << ")";
  }
  // Eighth turns: both equal sqrt(1/2) to within the bound, with the right signs.
  for (int k = 1; k < 8; k += 2) {
    float s, c;
    nb::exact::sincos_2pi(static_cast<float>(k) * 0.125f, s, c);
    EXPECT_NEAR(std::fabs(s), std::sqrt(0.5), 0x1p-23);
    EXPECT_NEAR(std::fabs(c), std::sqrt(0.5), 0x1p-23);
    EXPECT_EQ(s > 0, k < 4) << k;
    EXPECT_EQ(c > 0, k == 1 || k == 7) << k;
  }
}

}  // namespace
