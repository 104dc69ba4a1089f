// Tests for the keyed random streams: kernels/common/philox.hpp and kernels/common/random.hpp.
//
//  * Philox4x32-10 against the Random123 known-answer vectors (kat_vectors) and, when the CUDA toolkit is
//    present, word for word against cuRAND's own host-callable curand_Philox4x32_10.
//  * uniform_open01: the open interval, exhaustively; first and second moments.
//  * box_muller / normals4 (exact math): moments, Kolmogorov-Smirnov, 3-sigma tail, tail truncation.
//  * Keying: every input of random_words matters, the counter layout documented in kernels/RANDOM.md, purity.
//
// Statistical tests use fixed seeds, so they are deterministic. Each bound is stated with the probability that
// a correct generator would fail it for an arbitrary seed ("false-failure rate"); all are <= ~1e-6.
#include "kernels/common/philox.hpp"
#include "kernels/common/random.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#if defined(NB_HAVE_CURAND_HEADERS)
// cuRAND's Philox is header-only and host-callable. Compiled by g++ (not nvcc) it needs:
//  * uint4 / uint2: <vector_types.h>, which also pulls in crt/host_defines.h (__forceinline__ & co. for g++);
//  * QUALIFIERS: the header defaults it to `static __forceinline__ __device__`, and __device__ is not
//    defined for g++, so define it as plain `static inline` for this translation unit;
//  * the host/device split inside mulhilo32 uses NV_IF_ELSE_TARGET from <nv/target> (included by the header
//    itself), which selects the host branch when __CUDA_ARCH__ is undefined.
// Checked with g++ 12 and CUDA 13.0 (/usr/local/cuda/include).
#include <vector_types.h>
#pragma push_macro("QUALIFIERS")
#undef QUALIFIERS
#define QUALIFIERS static inline
#include <curand_philox4x32_x.h>
#pragma pop_macro("QUALIFIERS")
#endif

namespace {

using nb::Philox4x32Words;
using nb::RandomStream;

constexpr RandomStream kStream = RandomStream::lif_membrane_noise;
constexpr RandomStream kOtherStream = static_cast<RandomStream>(1);  // a future stream id

bool same_words(const Philox4x32Words& a, const Philox4x32Words& b) {
  return a.w[0] == b.w[0] && a.w[1] == b.w[1] && a.w[2] == b.w[2] && a.w[3] == b.w[3];
}

::testing::AssertionResult words_equal(const Philox4x32Words& got, const std::uint32_t (&want)[4]) {
  for (int i = 0; i < 4; ++i) {
    if (got.w[i] != want[i]) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "got {%08x %08x %08x %08x}, want {%08x %08x %08x %08x}", got.w[0], got.w[1],
                    got.w[2], got.w[3], want[0], want[1], want[2], want[3]);
      return ::testing::AssertionFailure() << buf;
    }
  }
  return ::testing::AssertionSuccess();
}

// ---- Philox4x32-10 ------------------------------------------------------------------------------------------

// Random123 1.14, examples/kat_vectors: "philox4x32 10 CTR[4] KEY[2] EXPECTED[4]". cuRAND (CUDA 13.0)
// reproduces the same three vectors.
TEST(Philox, Random123KnownAnswers) {
  EXPECT_TRUE(words_equal(nb::philox4x32_10(0, 0, 0, 0, 0, 0), {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_TRUE(words_equal(nb::philox4x32_10(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff),
                          {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_TRUE(words_equal(nb::philox4x32_10(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0),
                          {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(Philox, MatchesCurandWordForWord) {
#if defined(NB_HAVE_CURAND_HEADERS)
  // The three known-answer inputs plus 100k random counters and keys, and counters that differ in one bit.
  std::mt19937_64 rng(0x5eed'c0de'f00dull);
  std::uint64_t mismatches = 0, checked = 0;
  const auto check = [&](std::uint32_t c0, std::uint32_t c1, std::uint32_t c2, std::uint32_t c3, std::uint32_t k0,
                         std::uint32_t k1) {
    const Philox4x32Words ours = nb::philox4x32_10(c0, c1, c2, c3, k0, k1);
    const uint4 theirs = curand_Philox4x32_10(uint4{c0, c1, c2, c3}, uint2{k0, k1});
    ++checked;
    if (ours.w[0] != theirs.x || ours.w[1] != theirs.y || ours.w[2] != theirs.z || ours.w[3] != theirs.w) {
      if (++mismatches <= 5)
        ADD_FAILURE() << std::hex << "counter {" << c0 << ' ' << c1 << ' ' << c2 << ' ' << c3 << "} key {" << k0 << ' '
                      << k1 << "}: ours {" << ours.w[0] << ' ' << ours.w[1] << ' ' << ours.w[2] << ' ' << ours.w[3]
                      << "}, cuRAND {" << theirs.x << ' ' << theirs.y << ' ' << theirs.z << ' ' << theirs.w << '}';
    }
  };
  check(0, 0, 0, 0, 0, 0);
  check(~0u, ~0u, ~0u, ~0u, ~0u, ~0u);
  check(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0);
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t a = rng(), b = rng(), c = rng();
    check(static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(a >> 32), static_cast<std::uint32_t>(b),
          static_cast<std::uint32_t>(b >> 32), static_cast<std::uint32_t>(c), static_cast<std::uint32_t>(c >> 32));
  }
  for (int bit = 0; bit < 32; ++bit) {
    const std::uint32_t m = 1u << bit;
    check(m, 0, 0, 0, 0, 0);
    check(0, m, 0, 0, 0, 0);
    check(0, 0, m, 0, 0, 0);
    check(0, 0, 0, m, 0, 0);
    check(0, 0, 0, 0, m, 0);
    check(0, 0, 0, 0, 0, m);
  }
  EXPECT_EQ(mismatches, 0u) << "of " << checked;
  std::printf("[ measured ] %llu Philox4x32-10 blocks identical to cuRAND's curand_Philox4x32_10\n",
              static_cast<unsigned long long>(checked));
#else
  GTEST_SKIP() << "built without the CUDA toolkit: cuRAND headers unavailable";
#endif
}

// ---- uniform_open01 -----------------------------------------------------------------------------------------

// The contract of random.hpp: u = (k + 1/2) 2^-23 with k = word >> 9, exactly (every such value has 24
// significant bits, so nothing rounds), hence never 0 or 1. Checked for every k, with the 9 ignored low bits
// all 0 and all 1.
TEST(UniformOpen01, ExactCentreOfEach23BitBin) {
  std::uint64_t wrong = 0, zeros = 0, ones = 0;
  std::uint32_t first_wrong = 0;
  for (std::uint32_t k = 0; k < (1u << 23); ++k) {
    const float want = static_cast<float>((k + 0.5) * 0x1p-23);  // exact in float
    for (std::uint32_t low : {0x000u, 0x1ffu}) {
      const std::uint32_t w = (k << 9) | low;
      const float u = nb::uniform_open01(w);
      if (u != want && wrong++ == 0) first_wrong = w;
      zeros += !(u > 0.0f);
      ones += !(u < 1.0f);
    }
  }
  EXPECT_EQ(wrong, 0u) << "e.g. word 0x" << std::hex << first_wrong << " -> " << std::hexfloat
                       << nb::uniform_open01(first_wrong);
  EXPECT_EQ(zeros, 0u) << "uniform_open01 returned <= 0";
  EXPECT_EQ(ones, 0u) << "uniform_open01 returned >= 1";
  EXPECT_EQ(nb::uniform_open01(0u), 0x1p-24f);                  // smallest: 2^-24
  EXPECT_EQ(nb::uniform_open01(0xffffffffu), 1.0f - 0x1p-24f);  // largest: 1 - 2^-24
}

// Symmetric about 1/2, exactly: u(k) + u(2^23 - 1 - k) == 1 (so 1 - u is an equally likely output).
TEST(UniformOpen01, SymmetricAboutOneHalf) {
  std::uint64_t asymmetric = 0;
  for (std::uint32_t k = 0; k < (1u << 23); ++k) {
    const float a = nb::uniform_open01(k << 9), b = nb::uniform_open01(((1u << 23) - 1 - k) << 9);
    asymmetric += (static_cast<double>(a) + b != 1.0);
  }
  EXPECT_EQ(asymmetric, 0u);
}

// Over all 2^24 equally likely values of the top 24 bits the mean is 1/2 and the variance 1/12, both to
// within 1e-14 (exactly: mean 1/2, variance (1 - 2^-46) / 12 for the 2^23 bin centres). Every output is
// 1/2 + d 2^-25 for an integer |d| <= 2^24, so the sums are accumulated exactly in integers (d^2 split into
// 32-bit halves); only the final conversion rounds.
TEST(UniformOpen01, ExactMomentsOverAllInputs) {
  std::int64_t sum_d = 0;
  std::uint64_t sum_d2_hi = 0, sum_d2_lo = 0;  // < 2^40 and < 2^56
  for (std::uint32_t k = 0; k < (1u << 24); ++k) {
    const double scaled = std::ldexp(static_cast<double>(nb::uniform_open01(k << 8)), 25);  // exact
    const std::int64_t d = static_cast<std::int64_t>(scaled) - (std::int64_t(1) << 24);
    const std::uint64_t d2 = static_cast<std::uint64_t>(d * d);
    sum_d += d;
    sum_d2_hi += d2 >> 32;
    sum_d2_lo += d2 & 0xffffffffu;
  }
  const double sum = std::ldexp(static_cast<double>(sum_d), -25);
  const double sum2 = std::ldexp(std::ldexp(static_cast<double>(sum_d2_hi), 32) + static_cast<double>(sum_d2_lo), -50);
  const double n = 0x1p24;
  const double mean = 0.5 + sum / n, var = sum2 / n - (sum / n) * (sum / n);
  std::printf("[ measured ] uniform_open01 over all 2^24 inputs: mean - 1/2 = %.3g, variance - 1/12 = %.3g\n",
              mean - 0.5, var - 1.0 / 12.0);
  EXPECT_NEAR(mean, 0.5, 1e-14);
  EXPECT_NEAR(var, 1.0 / 12.0, 1e-14);
}

// Draws from random_words: mean and variance within 5 standard errors of 1/2 and 1/12 (false-failure rate
// 5.7e-7 each). SE(mean) = sqrt(1/12 / n); SE(var) = sqrt((mu4 - sigma^4) / n), mu4 = 1/80.
TEST(UniformOpen01, DrawnMomentsWithinFiveStandardErrors) {
  double sum = 0.0, sum2 = 0.0;
  std::uint64_t n = 0, outside = 0;
  std::uint32_t outside_word = 0;
  for (std::uint32_t inst = 0; inst < 1024; ++inst) {
    for (std::uint32_t block = 0; block < 1024; ++block) {
      const Philox4x32Words r = nb::random_words(20240611u, inst, 17, kStream, block);
      for (std::uint32_t w : r.w) {
        const float u = nb::uniform_open01(w);
        if (!(u > 0.0f && u < 1.0f) && outside++ == 0) outside_word = w;
        sum += u;
        sum2 += static_cast<double>(u) * u;
        ++n;
      }
    }
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  const double se_mean = std::sqrt(1.0 / 12.0 / n);
  const double se_var = std::sqrt((1.0 / 80.0 - 1.0 / 144.0) / n);
  std::printf("[ measured ] uniform_open01, %llu draws: mean - 1/2 = %.2f SE, var - 1/12 = %.2f SE\n",
              static_cast<unsigned long long>(n), (mean - 0.5) / se_mean, (var - 1.0 / 12.0) / se_var);
  EXPECT_NEAR(mean, 0.5, 5 * se_mean);
  EXPECT_NEAR(var, 1.0 / 12.0, 5 * se_var);
  EXPECT_EQ(outside, 0u) << "draws outside (0, 1), e.g. word 0x" << std::hex << outside_word << " -> "
                         << nb::uniform_open01(outside_word);
}

// ---- Box-Muller / normals4 ----------------------------------------------------------------------------------

// 2^22 standard normals: normals4<ExactMath> over 1024 instances x 1024 blocks (all distinct counters).
std::vector<float> draw_normals(std::uint64_t seed) {
  std::vector<float> z;
  z.reserve(std::size_t(1) << 22);
  for (std::uint64_t inst = 0; inst < 1024; ++inst) {
    for (std::uint32_t block = 0; block < 1024; ++block) {
      const nb::Normals4 n = nb::normals4<nb::ExactMath>(seed, inst, 3, kStream, block);
      z.insert(z.end(), n.z, n.z + 4);
    }
  }
  return z;
}

const std::vector<float>& normals() {
  static const std::vector<float> z = draw_normals(0x9e3779b97f4a7c15ull);
  return z;
}

// Sample moments within 5 standard errors of N(0,1): SE(mean) = sqrt(1/n), SE(var) = sqrt(2/n),
// SE(skewness) = sqrt(6/n), SE(excess kurtosis) = sqrt(24/n) (false-failure rate 5.7e-7 each). The |z| <= 5.768
// truncation changes the fourth moment by ~1e-5, far below SE(kurtosis) = 2.4e-3.
TEST(BoxMuller, MomentsWithinFiveStandardErrors) {
  const std::vector<float>& z = normals();
  const double n = static_cast<double>(z.size());
  ASSERT_GE(z.size(), 4000000u);
  double sum = 0.0;
  for (float v : z) {
    ASSERT_TRUE(std::isfinite(v));
    sum += v;
  }
  const double mean = sum / n;
  double m2 = 0.0, m3 = 0.0, m4 = 0.0;
  for (float v : z) {
    const double d = v - mean, d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const double skew = m3 / std::pow(m2, 1.5), kurt = m4 / (m2 * m2) - 3.0;
  const double se_mean = std::sqrt(1.0 / n), se_var = std::sqrt(2.0 / n), se_skew = std::sqrt(6.0 / n),
               se_kurt = std::sqrt(24.0 / n);
  std::printf("[ measured ] %zu normals: mean %.2f SE, var-1 %.2f SE, skewness %.2f SE, excess kurtosis %.2f SE\n",
              z.size(), mean / se_mean, (m2 - 1.0) / se_var, skew / se_skew, kurt / se_kurt);
  EXPECT_NEAR(mean, 0.0, 5 * se_mean);
  EXPECT_NEAR(m2, 1.0, 5 * se_var);
  EXPECT_NEAR(skew, 0.0, 5 * se_skew);
  EXPECT_NEAR(kurt, 0.0, 5 * se_kurt);
}

// The two outputs of one Box-Muller pair, and outputs of different pairs of one block, are uncorrelated:
// |r| < 5 / sqrt(pairs) (false-failure rate 5.7e-7 each).
TEST(BoxMuller, OutputsWithinABlockUncorrelated) {
  const std::vector<float>& z = normals();
  const std::size_t blocks = z.size() / 4;
  double s01 = 0.0, s02 = 0.0, s13 = 0.0;
  for (std::size_t b = 0; b < blocks; ++b) {
    const float* q = &z[4 * b];
    s01 += static_cast<double>(q[0]) * q[1];
    s02 += static_cast<double>(q[0]) * q[2];
    s13 += static_cast<double>(q[1]) * q[3];
  }
  const double bound = 5.0 / std::sqrt(static_cast<double>(blocks));
  EXPECT_NEAR(s01 / blocks, 0.0, bound);
  EXPECT_NEAR(s02 / blocks, 0.0, bound);
  EXPECT_NEAR(s13 / blocks, 0.0, bound);
}

// Kolmogorov-Smirnov against Phi(z) = erfc(-z / sqrt 2) / 2. Asymptotically P(sqrt(n) D > x) ~ 2 exp(-2 x^2);
// alpha = 1e-6 gives x = sqrt(ln(2 / alpha) / 2) = 2.6934, i.e. D < 1.315e-3 for n = 2^22. The float
// quantisation of z and the 24-bit uniforms move the empirical CDF by < 1e-6, well inside that.
TEST(BoxMuller, KolmogorovSmirnovAgainstNormalCdf) {
  std::vector<float> z = normals();
  std::sort(z.begin(), z.end());
  const double n = static_cast<double>(z.size());
  double d = 0.0;
  for (std::size_t i = 0; i < z.size(); ++i) {
    const double f = 0.5 * std::erfc(-static_cast<double>(z[i]) / std::sqrt(2.0));
    d = std::max({d, (i + 1) / n - f, f - i / n});
  }
  const double alpha = 1e-6;
  const double critical = std::sqrt(std::log(2.0 / alpha) / 2.0) / std::sqrt(n);
  std::printf("[ measured ] KS statistic D = %.3g for n = %zu (sqrt(n) D = %.3f; critical %.3g at alpha = 1e-6)\n", d,
              z.size(), d * std::sqrt(n), critical);
  EXPECT_LT(d, critical);
}

// P(|Z| > 3) = erfc(3 / sqrt 2) = 0.0026997961; within 5 binomial standard errors (false-failure 5.7e-7).
TEST(BoxMuller, ThreeSigmaTailFraction) {
  const std::vector<float>& z = normals();
  const double n = static_cast<double>(z.size());
  const double p = std::erfc(3.0 / std::sqrt(2.0));
  const auto beyond = std::count_if(z.begin(), z.end(), [](float v) { return std::fabs(v) > 3.0f; });
  const double frac = beyond / n;
  const double se = std::sqrt(p * (1 - p) / n);
  std::printf("[ measured ] fraction beyond 3 sigma %.6f (expected %.6f, %.2f SE)\n", frac, p, (frac - p) / se);
  EXPECT_NEAR(frac, p, 5 * se);
}

// The radius is sqrt(-2 log u1) with u1 >= uniform_open01(0) = 2^-24, so |z| <= sqrt(48 ln 2) = 5.768
// ("|z| <= 5.77" in random.hpp). For every possible first word the radius is finite (log u1 <= 0, so no
// sqrt of a negative) and within that bound.
TEST(BoxMuller, RadiusFiniteAndBoundedForEveryFirstWord) {
  const double r_max = std::sqrt(-2.0 * std::log(static_cast<double>(nb::uniform_open01(0u))));
  double max_radius = 0.0;
  std::uint64_t bad = 0;
  for (std::uint32_t k = 0; k < (1u << 24); ++k) {
    float z0, z1;
    nb::box_muller<nb::ExactMath>(k << 8, 0x9e3779b9u, z0, z1);
    const float log_u = nb::ExactMath::log(nb::uniform_open01(k << 8));
    if (!(log_u <= 0.0f) || !std::isfinite(z0) || !std::isfinite(z1)) ++bad;
    max_radius = std::max(max_radius, std::hypot(static_cast<double>(z0), static_cast<double>(z1)));
  }
  std::printf("[ measured ] largest Box-Muller radius %.6f (sqrt(-2 ln u_min) = %.6f)\n", max_radius, r_max);
  EXPECT_EQ(bad, 0u);
  EXPECT_LE(max_radius, 5.77);
  EXPECT_NEAR(max_radius, r_max, 1e-5);
  // Quarter turns of the angle put the whole radius on z1 (u2 ~ 1/4) or on -z0 (u2 ~ 1/2).
  float z0, z1;
  nb::box_muller<nb::ExactMath>(0u, 0x40000000u, z0, z1);
  EXPECT_NEAR(z1, r_max, 1e-5);
  EXPECT_NEAR(z0, 0.0, 1e-5);
  nb::box_muller<nb::ExactMath>(0u, 0x80000000u, z0, z1);
  EXPECT_NEAR(z0, -r_max, 1e-5);
  EXPECT_NEAR(z1, 0.0, 1e-5);
}

// On the host FastMath is the exact path (see math_mode.hpp), so both policies give identical normals.
TEST(BoxMuller, HostFastMathEqualsExactMath) {
  for (std::uint32_t block = 0; block < 4096; ++block) {
    const nb::Normals4 a = nb::normals4<nb::ExactMath>(7, 11, 13, kStream, block);
    const nb::Normals4 b = nb::normals4<nb::FastMath>(7, 11, 13, kStream, block);
    for (int i = 0; i < 4; ++i) ASSERT_EQ(nb::float_bits(a.z[i]), nb::float_bits(b.z[i])) << block;
  }
}

// Released seeds must keep reproducing: these bit patterns pin the whole chain (keying, Philox, uniforms,
// log, sincos, sqrt) in exact mode. If a deliberate change alters them, that is a reproducibility break and
// must be announced, not silently re-recorded.
TEST(BoxMuller, GoldenValuesExactMode) {
  const struct {
    std::uint64_t seed, instance;
    std::uint32_t neuron, block;
    std::uint32_t words[4];
    std::uint32_t z_bits[4];
  } cases[] = {
      {0, 0, 0, 0, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, {0x3f7dbb2f, 0xbf6cb6b3, 0xbf1e1ba1, 0xbef6d1a9}},
      {42, 7, 3, 1, {0xb98588fd, 0x637ade26, 0xb0491fd3, 0x0953f52d}, {0xbf1d21b1, 0x3f0458bc, 0x3f575c9f, 0x3e48bdd1}},
      {0x0123456789abcdefull,
       (std::uint64_t(1) << 47) + 12345,
       999,
       250000,
       {0x75677b69, 0x2379aca1, 0xf4364b01, 0x8cbbcad3},
       {0x3f4df360, 0x3f74767e, 0xbe959859, 0xbdc158f5}},
  };
  for (const auto& c : cases) {
    EXPECT_TRUE(words_equal(nb::random_words(c.seed, c.instance, c.neuron, kStream, c.block), c.words));
    const nb::Normals4 n = nb::normals4<nb::ExactMath>(c.seed, c.instance, c.neuron, kStream, c.block);
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(nb::float_bits(n.z[i]), c.z_bits[i]) << "seed " << c.seed << " z[" << i << "] = " << n.z[i];
  }
}

// ---- Keying -------------------------------------------------------------------------------------------------

// The counter layout of kernels/RANDOM.md: key = seed, counter = (block, neuron, instance[0:32],
// instance[32:48] | stream << 16).
TEST(Keying, CounterLayoutAsDocumented) {
  const std::uint64_t seed = 0xfedcba9876543210ull;
  const std::uint64_t instance = 0x0000a5a5'12345678ull;  // 48 bits
  const Philox4x32Words got = nb::random_words(seed, instance, 77, kOtherStream, 99);
  const Philox4x32Words want = nb::philox4x32_10(99, 77, 0x12345678u, 0xa5a5u | (1u << 16), 0x76543210u, 0xfedcba98u);
  EXPECT_TRUE(same_words(got, want));
  EXPECT_EQ(nb::kMaxInstances, std::uint64_t(1) << 48);
}

TEST(Keying, EveryInputChangesTheWords) {
  const std::uint64_t seed = 0x0123456789abcdefull, instance = 123456789;
  const std::uint32_t neuron = 42, block = 7;
  const Philox4x32Words base = nb::random_words(seed, instance, neuron, kStream, block);

  // Pure function: same inputs, same words, however often and in whatever order it is called.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(same_words(nb::random_words(seed, instance, neuron, kStream, block), base));

  for (int bit = 0; bit < 64; ++bit) {
    EXPECT_FALSE(same_words(nb::random_words(seed ^ (std::uint64_t(1) << bit), instance, neuron, kStream, block), base))
        << "seed bit " << bit;
  }
  for (int bit = 0; bit < 48; ++bit) {  // including bits 32..47 (the fourth counter word)
    EXPECT_FALSE(same_words(nb::random_words(seed, instance ^ (std::uint64_t(1) << bit), neuron, kStream, block), base))
        << "instance bit " << bit;
  }
  for (int bit = 0; bit < 32; ++bit) {
    EXPECT_FALSE(same_words(nb::random_words(seed, instance, neuron ^ (1u << bit), kStream, block), base))
        << "neuron bit " << bit;
    EXPECT_FALSE(same_words(nb::random_words(seed, instance, neuron, kStream, block ^ (1u << bit)), base))
        << "block bit " << bit;
  }
  for (std::uint32_t s = 1; s < (1u << 16); s <<= 1) {
    EXPECT_FALSE(same_words(nb::random_words(seed, instance, neuron, static_cast<RandomStream>(s), block), base))
        << "stream " << s;
  }
  // Neighbouring instances / neurons / blocks (the common case) and instances 2^32 apart.
  EXPECT_FALSE(same_words(nb::random_words(seed, instance + 1, neuron, kStream, block), base));
  EXPECT_FALSE(same_words(nb::random_words(seed, instance, neuron + 1, kStream, block), base));
  EXPECT_FALSE(same_words(nb::random_words(seed, instance, neuron, kStream, block + 1), base));
  EXPECT_FALSE(same_words(nb::random_words(seed, instance + (std::uint64_t(1) << 32), neuron, kStream, block), base));
  EXPECT_FALSE(same_words(nb::random_words(seed + 1, instance, neuron, kStream, block), base));
}

// A simple collision scan: 4096 (instance, neuron, block) neighbours x 2 streams give distinct first words
// except for chance 32-bit collisions (expected 8192^2 / 2^33 = 0.0078).
TEST(Keying, NoSystematicCollisionsBetweenNeighbours) {
  std::vector<std::uint64_t> firsts;
  for (std::uint64_t inst : {std::uint64_t(0), std::uint64_t(1), std::uint64_t(1) << 32, (std::uint64_t(1) << 47) + 1})
    for (std::uint32_t neuron = 0; neuron < 32; ++neuron)
      for (std::uint32_t block = 0; block < 32; ++block)
        for (RandomStream s : {kStream, kOtherStream}) {
          const Philox4x32Words r = nb::random_words(5, inst, neuron, s, block);
          firsts.push_back((std::uint64_t(r.w[0]) << 32) | r.w[1]);
        }
  std::sort(firsts.begin(), firsts.end());
  EXPECT_EQ(std::adjacent_find(firsts.begin(), firsts.end()), firsts.end());
}

// Draws for one instance do not depend on which other instances are computed, or in what order.
TEST(Keying, InstanceDrawsIndependentOfOtherInstances) {
  const std::uint64_t seed = 31337;
  const nb::Normals4 alone = nb::normals4<nb::ExactMath>(seed, 5, 9, kStream, 12);
  nb::Normals4 in_loop{};
  for (std::uint64_t inst = 0; inst < 10; ++inst) {
    const nb::Normals4 n = nb::normals4<nb::ExactMath>(seed, inst, 9, kStream, 12);
    if (inst == 5) in_loop = n;
  }
  nb::Normals4 reversed{};
  for (std::uint64_t inst = 10; inst-- > 0;) {
    const nb::Normals4 n = nb::normals4<nb::ExactMath>(seed, inst, 9, kStream, 12);
    if (inst == 5) reversed = n;
  }
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(nb::float_bits(in_loop.z[i]), nb::float_bits(alone.z[i]));
    EXPECT_EQ(nb::float_bits(reversed.z[i]), nb::float_bits(alone.z[i]));
  }
  // ... and instance 5's draws differ from its neighbours'.
  const nb::Normals4 six = nb::normals4<nb::ExactMath>(seed, 6, 9, kStream, 12);
  EXPECT_NE(nb::float_bits(six.z[0]), nb::float_bits(alone.z[0]));
}

}  // namespace
