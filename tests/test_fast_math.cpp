// The CPU's fast math mode (kernels/common/fast_math.hpp, docs/numerics.md): the error bounds of its functions over
// their input ranges against double-precision references, and what it does to the models that have a CPU fast
// kernel (Wong & Wang decision, noisy LIF): the same statistics as exact mode, results independent of threads and
// chunks, exact mode untouched.
//
// Measured on x86-64 (gcc 12, -march=native with FMA), the bounds asserted below in brackets:
//   exp:   relative error 8.9e-8 over [-87.3, 88] (2e-7)           expm1: relative 1.2e-7, also near 0 (3e-7)
//   log:   relative error 1.2e-7 over every uniform of the normal transform, 2^-24 .. 1 - 2^-24 (2.5e-7)
//   sincos_2pi: absolute error 1.1e-7 over every uniform (2.5e-7)
//   transfer F(I), Wong & Wang's a, b, d, I in [0, 1) nA where F > 1e-3 Hz: relative 1.2e-6 (exact mode: 6.4e-7),
//   largest at very negative drives, where F's condition number grows like |d (a I - b)| in both modes (3e-6)
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "kernels/common/fast_math.hpp"
#include "kernels/common/random.hpp"
#include "kernels/common/transfer.hpp"
#include "test_util.hpp"

namespace nb {
namespace {

using Json = nlohmann::ordered_json;

// Floats from lo to hi, each step a relative `stride` (or 1e-30 absolute near 0).
template <class F>
void for_floats(float lo, float hi, float stride, F f) {
  for (float x = lo; x < hi; x += std::fmax(std::fabs(x) * stride, 1e-30f)) f(x);
}

TEST(FastCpuMath, ExpAndExpm1WithinTheirBounds) {
  double exp_rel = 0, expm1_rel = 0;
  for_floats(-87.3f, 88.0f, 1e-5f, [&](float x) {
    const double e = std::exp(static_cast<double>(x));
    exp_rel = std::fmax(exp_rel, std::fabs(fast_cpu::exp(x) - e) / e);
    const double m = std::expm1(static_cast<double>(x));
    if (m != 0) expm1_rel = std::fmax(expm1_rel, std::fabs(fast_cpu::expm1(x) - m) / std::fabs(m));
  });
  for (float x = -1e-30f; x > -1.0f; x *= 1.001f) {  // tiny negative arguments: no cancellation near 0
    const double m = std::expm1(static_cast<double>(x));
    expm1_rel = std::fmax(expm1_rel, std::fabs(fast_cpu::expm1(x) - m) / std::fabs(m));
  }
  std::printf("[ measured ] fast exp max rel error %.3g, expm1 %.3g\n", exp_rel, expm1_rel);
  EXPECT_LT(exp_rel, 2e-7);
  EXPECT_LT(expm1_rel, 3e-7);
  // Outside the accurate range: 0 and inf (expm1: -1 and inf), never NaN; exp(0) and expm1(0) exact.
  EXPECT_EQ(fast_cpu::exp(-90.0f), 0.0f);
  EXPECT_EQ(fast_cpu::exp(89.0f), INFINITY);
  EXPECT_EQ(fast_cpu::expm1(-200.0f), -1.0f);
  EXPECT_EQ(fast_cpu::expm1(89.0f), INFINITY);
  EXPECT_EQ(fast_cpu::exp(0.0f), 1.0f);
  EXPECT_EQ(fast_cpu::expm1(0.0f), 0.0f);
  EXPECT_TRUE(std::isnan(fast_cpu::exp(NAN)));
}

TEST(FastCpuMath, LogAndSincosOverEveryUniform) {
  double log_rel = 0, sin_abs = 0, cos_abs = 0;
  for (std::uint32_t k = 0; k < (1u << 23); k += 3) {  // every third of the 2^23 uniforms
    const float u = uniform_open01(k << 9);
    const double l = std::log(static_cast<double>(u));
    log_rel = std::fmax(log_rel, std::fabs(fast_cpu::log(u) - l) / std::fabs(l));
    float s, c;
    fast_cpu::sincos_2pi(u, s, c);
    const double angle = 6.283185307179586 * static_cast<double>(u);
    sin_abs = std::fmax(sin_abs, std::fabs(s - std::sin(angle)));
    cos_abs = std::fmax(cos_abs, std::fabs(c - std::cos(angle)));
  }
  std::printf("[ measured ] fast log max rel error %.3g; sincos_2pi max abs error %.3g, %.3g\n", log_rel, sin_abs,
              cos_abs);
  EXPECT_LT(log_rel, 2.5e-7);
  EXPECT_LT(sin_abs, 2.5e-7);
  EXPECT_LT(cos_abs, 2.5e-7);
  // Normal floats beyond the uniforms' range keep the same relative accuracy where |log x| is not small.
  double wide = 0;
  for (float x = 1e-37f; x < 1e37f; x *= 1.0003f) {
    const double l = std::log(static_cast<double>(x));
    if (std::fabs(l) > 0.1) wide = std::fmax(wide, std::fabs(fast_cpu::log(x) - l) / std::fabs(l));
  }
  EXPECT_LT(wide, 2.5e-7);
  EXPECT_EQ(fast_cpu::log(1.0f), 0.0f);
}

TEST(FastCpuMath, TransferFunctionWithinItsBound) {
  const float a = 270.0f, b = 108.0f, d = 0.154f;  // Wong & Wang 2006
  double fast_rel = 0;
  for (float I = 1e-6f; I < 1.0f; I += std::fmax(I * 1e-5f, 1e-9f)) {
    const double u = static_cast<double>(a) * I - b;
    const double F = u / -std::expm1(-static_cast<double>(d) * u);
    if (F < 1e-3) continue;
    fast_rel = std::fmax(fast_rel, std::fabs(FastCpuMath::transfer_Hz(I, a, b, d) - F) / F);
  }
  std::printf("[ measured ] fast transfer max rel error %.3g where F > 1e-3 Hz\n", fast_rel);
  EXPECT_LT(fast_rel, 3e-6);
  // The removable singularity a I = b: F = 1 / d; far below threshold F >= 0 and finite; far above, F = u.
  EXPECT_NEAR(fast_cpu::transfer_Hz(0.4f, a, b, d), 1.0f / d, 1e-5f);
  EXPECT_EQ(fast_cpu::transfer_Hz(0.0f, a, 0.0f, d), 1.0f / d);  // a drive of exactly 0
  EXPECT_GE(fast_cpu::transfer_Hz(-10.0f, a, b, d), 0.0f);
  EXPECT_EQ(fast_cpu::transfer_Hz(-10.0f, a, b, d), 0.0f);
  EXPECT_NEAR(fast_cpu::transfer_Hz(2.0f, a, b, d), 2.0f * a - b, 1e-4f);
  // Shared code reaches it through rate::transfer_Hz.
  EXPECT_EQ(rate::transfer_Hz<FastCpuMath>(0.35f, a, b, d), fast_cpu::transfer_Hz(0.35f, a, b, d));
}

// Normals of the fast transform against the exact one from the same Philox words: close, not equal.
TEST(FastCpuMath, NormalsCloseToExactMode) {
  double worst = 0;
  bool some_differ = false;
  for (std::uint32_t block = 0; block < 20000; ++block) {
    const Normals4 e = normals4<ExactMath>(5, block, 0, RandomStream::decision_noise, block);
    const Normals4 f = normals4<FastCpuMath>(5, block, 0, RandomStream::decision_noise, block);
    for (int k = 0; k < 4; ++k) {
      worst = std::fmax(worst, std::fabs(e.z[k] - f.z[k]));
      some_differ |= e.z[k] != f.z[k];
    }
  }
  std::printf("[ measured ] fast normals: max |z_fast - z_exact| %.3g over 80000 normals\n", worst);
  EXPECT_LT(worst, 2e-6);
  EXPECT_TRUE(some_differ);
}

// Wong & Wang at c = 0.128 (the peer benchmark's workload, shorter): fast mode's P(choice 1) and mean decision time
// agree with exact mode's. The two modes draw the same noise, so most trials make the same choice; the tolerance
// is nevertheless that of two independent samples (4 standard errors of the difference).
TEST(FastCpuMath, DecisionChoiceStatisticsAsExactMode) {
  constexpr std::uint64_t kTrials = 20000;
  const Json doc = {{"model", "decision"}, {"duration_ms", 2500}, {"trials", kTrials}, {"seed", 11},
                    {"params", {{"stim_onset_ms", 200}, {"stim_duration_ms", 2300}, {"coherence", 0.128}}}};
  const Spec spec = parse_spec(doc, "test");
  RunOptions fast;
  fast.math = MathMode::fast;
  const RunResult exact_run = test::run_cpu(spec), fast_run = test::run_cpu(spec, fast);
  struct Stats {
    double decided = 0, choice1 = 0, dt_sum = 0, dt_sq = 0;
  };
  const auto stats = [](const RunResult& r) {
    Stats s;
    const auto& choice = r.column("choice").values;
    const auto& dt = r.column("decision_time_ms").values;
    for (std::size_t i = 0; i < choice.size(); ++i) {
      if (choice[i] != 1 && choice[i] != 2) continue;
      s.decided += 1;
      s.choice1 += choice[i] == 1;
      s.dt_sum += dt[i];
      s.dt_sq += dt[i] * dt[i];
    }
    return s;
  };
  const Stats e = stats(exact_run), f = stats(fast_run);
  ASSERT_GT(e.decided, 0.9 * kTrials);
  ASSERT_GT(f.decided, 0.9 * kTrials);
  const double pe = e.choice1 / e.decided, pf = f.choice1 / f.decided;
  const double se_p = std::sqrt(pe * (1 - pe) / e.decided + pf * (1 - pf) / f.decided);
  const double me = e.dt_sum / e.decided, mf = f.dt_sum / f.decided;
  const double ve = e.dt_sq / e.decided - me * me, vf = f.dt_sq / f.decided - mf * mf;
  const double se_dt = std::sqrt(ve / e.decided + vf / f.decided);
  std::size_t same_choice = 0;
  for (std::size_t i = 0; i < kTrials; ++i) {
    same_choice += exact_run.column("choice").values[i] == fast_run.column("choice").values[i];
  }
  std::printf("[ measured ] c = 0.128, %llu trials: P(choice 1) exact %.4f fast %.4f (SE of the difference %.4f); "
              "mean decision time exact %.2f fast %.2f ms (SE %.2f); same choice in %.2f %% of trials\n",
              static_cast<unsigned long long>(kTrials), pe, pf, se_p, me, mf, se_dt, 100.0 * same_choice / kTrials);
  EXPECT_LT(std::fabs(pe - pf), 4 * se_p);
  EXPECT_LT(std::fabs(me - mf), 4 * se_dt + 0.5);  // + one step of 0.5 ms
  EXPECT_GT(same_choice, 0.9 * kTrials);  // the same noise: mostly the same choices
  EXPECT_FALSE(test::same_bits(exact_run.column("S1_final").values, fast_run.column("S1_final").values))
      << "--math fast ran the exact kernel";
}

// Fast mode keeps what the bits do not depend on (docs/numerics.md) except the backend: threads, chunks, and
// time segments give the same bits, traces and binned rates included (the small spec of tests/models/).
TEST(FastCpuMath, DecisionIndependentOfThreadsAndChunks) {
  const Spec spec = parse_spec(Json::parse(std::ifstream(std::string(NB_SOURCE_DIR) + "/tests/models/decision.json")),
                               "test");
  RunOptions one, two, chunked;
  one.math = two.math = chunked.math = MathMode::fast;
  one.threads = 1;
  two.threads = 2;
  chunked.threads = 2;
  chunked.chunk_instances = 7;  // blocks of 16 lanes cut at other places
  const RunResult a = test::run_cpu(spec, one), b = test::run_cpu(spec, two), c = test::run_cpu(spec, chunked);
  const CompareReport ab = compare_results(a, b), ac = compare_results(a, c);
  EXPECT_TRUE(ab.identical()) << ab.to_text();
  EXPECT_TRUE(ac.identical()) << ac.to_text();
  // And exact mode still differs from it (the fast kernel ran) while matching its own threads.
  RunOptions exact1;
  exact1.threads = 1;
  const CompareReport ea = compare_results(test::run_cpu(spec, exact1), a);
  EXPECT_FALSE(ea.identical());
}

// Noisy LIF (the peer benchmark's f-I sweep, shorter): fast mode's normals are within 5e-7 of exact mode's from the
// same Philox words, so the spike trains stay close; the mean rate at each current agrees within 4 standard errors
// of two independent samples (measured: identical spike counts).
TEST(FastCpuMath, LifRatesAsExactMode) {
  constexpr std::uint64_t kTrials = 400;
  const Json doc = {{"model", "lif"}, {"duration_ms", 500}, {"dt_ms", 0.05}, {"trials", kTrials}, {"seed", 3},
                    {"integrator", "euler"}, {"params", {{"sigma_mV_sqrt_ms", 0.3}}},
                    {"sweep", {{"I_nA", {{"linspace", {0.3, 0.6, 4}}}}}}};
  const Spec spec = parse_spec(doc, "test");
  RunOptions fast;
  fast.math = MathMode::fast;
  const RunResult exact_run = test::run_cpu(spec), fast_run = test::run_cpu(spec, fast);
  const auto& re = exact_run.column("rate_Hz").values;
  const auto& rf = fast_run.column("rate_Hz").values;
  ASSERT_EQ(re.size(), 4 * kTrials);
  double worst = 0;
  for (std::size_t point = 0; point < 4; ++point) {
    double me = 0, mf = 0, ve = 0, vf = 0;
    for (std::size_t i = point * kTrials; i < (point + 1) * kTrials; ++i) {
      me += re[i] / kTrials;
      mf += rf[i] / kTrials;
    }
    for (std::size_t i = point * kTrials; i < (point + 1) * kTrials; ++i) {
      ve += (re[i] - me) * (re[i] - me) / (kTrials - 1);
      vf += (rf[i] - mf) * (rf[i] - mf) / (kTrials - 1);
    }
    const double se = std::sqrt(ve / kTrials + vf / kTrials);
    EXPECT_LT(std::fabs(me - mf), 4 * se + 1e-9) << "point " << point << ": exact " << me << " fast " << mf;
    worst = std::fmax(worst, std::fabs(me - mf));
  }
  std::printf("[ measured ] LIF f-I, 4 currents x %llu neurons: max |mean rate fast - exact| %.3g Hz\n",
              static_cast<unsigned long long>(kTrials), worst);
}

TEST(FastCpuMath, LifIndependentOfThreadsAndChunks) {
  const Spec spec =
      parse_spec(Json::parse(std::ifstream(std::string(NB_SOURCE_DIR) + "/tests/models/lif.json")), "test");
  RunOptions one, two, chunked;
  one.math = two.math = chunked.math = MathMode::fast;
  one.threads = 1;
  two.threads = 2;
  chunked.threads = 2;
  chunked.chunk_instances = 7;
  const RunResult a = test::run_cpu(spec, one), b = test::run_cpu(spec, two), c = test::run_cpu(spec, chunked);
  const CompareReport ab = compare_results(a, b), ac = compare_results(a, c);
  EXPECT_TRUE(ab.identical()) << ab.to_text();
  EXPECT_TRUE(ac.identical()) << ac.to_text();
  // The fast kernel ran: the membrane traces differ from exact mode's in their last bits (spike steps rarely move:
  // the normals differ by less than 5e-7).
  RunOptions exact1;
  exact1.threads = 1;
  EXPECT_FALSE(compare_results(test::run_cpu(spec, exact1), a).identical());
}

}  // namespace
}  // namespace nb
