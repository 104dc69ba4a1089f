// LIF against the closed forms of docs/models/lif.md.
#include <cmath>

#include "tests/test_util.hpp"

namespace nb {
namespace {

using test::run_cpu;
using test::spec_from;

constexpr double kTau_ms = 10.0;  // C / G_L at the defaults

std::string lif_spec(const std::string& integrator, double dt_ms, double duration_ms, const std::string& extra) {
  return R"({"model": "lif", "integrator": ")" + integrator + R"(", "dt_ms": )" + std::to_string(dt_ms) +
         R"(, "duration_ms": )" + std::to_string(duration_ms) + (extra.empty() ? "" : ", " + extra) + "}";
}

TEST(LifAnalytic, ThresholdCurrentIs036nA) {
  // I_c = G_L (V_th - V_L) = 0.36 nA: V_inf sits exactly at threshold and V > V_th is never reached.
  const Spec spec = spec_from(lif_spec("exact", 0.05, 2000, R"("params": {"sigma_mV_sqrt_ms": 0}, "sweep": {"I_nA": [0.3599, 0.36, 0.3601]})"));
  const RunResult r = run_cpu(spec);
  const auto& count = r.column("spike_count").values;
  EXPECT_EQ(count[0], 0);
  EXPECT_EQ(count[1], 0);
  EXPECT_GT(count[2], 10);  // ~ 1 / (2 ms + 73.8 ms) -> 26 spikes in 2 s
}

struct RateCase {
  double I_nA, rate_Hz;  // docs/models/lif.md table
};
const RateCase kRateTable[] = {{0.37, 32.968}, {0.45, 81.856}, {0.50, 103.935}, {0.60, 140.681}};

std::string current_sweep() {
  std::string list;
  for (const auto& c : kRateTable) list += (list.empty() ? "" : ", ") + std::to_string(c.I_nA);
  return R"("params": {"sigma_mV_sqrt_ms": 0}, "sweep": {"I_nA": [)" + list + "]}";
}

TEST(LifAnalytic, ExactIntegratorIntervalsWithinOneStep) {
  for (double dt : {0.05, 0.1, 0.02}) {
    const Spec spec = spec_from(lif_spec("exact", dt, 3000, current_sweep()));
    const RunResult r = run_cpu(spec);
    for (std::size_t k = 0; k < std::size(kRateTable); ++k) {
      const double isi_true_ms = 1000.0 / kRateTable[k].rate_Hz;
      EXPECT_NEAR(r.column("isi_mean_ms").values[k], isi_true_ms, dt) << "I = " << kRateTable[k].I_nA << ", dt = " << dt;
      EXPECT_EQ(r.column("isi_sd_ms").values[k], 0.0) << "deterministic intervals are all equal";
      EXPECT_EQ(r.column("isi_cv").values[k], 0.0);
    }
  }
}

TEST(LifAnalytic, EulerIntervalsWithinItsErrorBound) {
  // Euler's decay 1 - a (a = dt/tau) instead of exp(-a) shortens the time to threshold T by about T a / 2;
  // together with the step quantisation the interval error is bounded by dt + T dt / tau.
  const double dt = 0.05;
  const Spec spec = spec_from(lif_spec("euler", dt, 3000, current_sweep()));
  const RunResult r = run_cpu(spec);
  for (std::size_t k = 0; k < std::size(kRateTable); ++k) {
    const double isi_true_ms = 1000.0 / kRateTable[k].rate_Hz;
    const double T_ms = isi_true_ms - 2.0;
    EXPECT_NEAR(r.column("isi_mean_ms").values[k], isi_true_ms, dt + T_ms * dt / kTau_ms) << "I = " << kRateTable[k].I_nA;
  }
}

TEST(LifAnalytic, EulerConvergesAtFirstOrder) {
  // Sub-threshold relaxation from -70 mV towards -60 mV, compared with V(t) = V_inf + (V_0 - V_inf) e^{-t/tau} at
  // t = 20 ms (no threshold, so no step quantisation): halving dt halves Euler's error; the exact update has none
  // beyond float rounding.
  auto error_at_20ms = [](const std::string& integrator, double dt) {
    const int every = static_cast<int>(std::lround(20.0 / dt));
    const Spec spec = spec_from(lif_spec(integrator, dt, 20,
        R"("params": {"I_nA": 0.2, "sigma_mV_sqrt_ms": 0}, "record": {"traces": {"vars": ["V_mV"], "instances": [0], "every": )" +
        std::to_string(every) + "}}"));
    const RunResult r = run_cpu(spec);
    return std::fabs(r.trace("V_mV")[1] - (-60.0 - 10.0 * std::exp(-20.0 / kTau_ms)));
  };
  const double coarse = error_at_20ms("euler", 0.2), fine = error_at_20ms("euler", 0.1);
  EXPECT_GT(coarse, 1e-3);
  EXPECT_NEAR(coarse / fine, 2.0, 0.1);
  EXPECT_LT(error_at_20ms("exact", 0.2), 1e-4);
}

TEST(LifAnalytic, TimeFromMinus70ToMinus61At02nA) {
  // V_inf = -60 mV at 0.2 nA; from -70 mV, V reaches -61 mV at tau ln 10 = 23.03 ms.
  const double dt = 0.01;
  const Spec spec = spec_from(lif_spec("exact", dt, 60,
      R"("params": {"I_nA": 0.2, "sigma_mV_sqrt_ms": 0}, "record": {"traces": {"vars": ["V_mV"], "instances": [0], "every": 1}})"));
  const RunResult r = run_cpu(spec);
  ASSERT_EQ(r.trace_instances.size(), 1u);
  EXPECT_EQ(r.column("spike_count").values[0], 0);
  std::size_t k = 0;
  while (k < r.trace_samples && r.trace("V_mV")[k] < -61.0f) ++k;
  ASSERT_LT(k, r.trace_samples);
  EXPECT_NEAR(k * dt, 23.03, dt);
  EXPECT_EQ(r.trace("V_mV")[0], -70.0f);  // sample 0 is the initial state
  EXPECT_NEAR(r.trace("V_mV")[r.trace_samples - 1], -60.0f, 0.03f);
}

TEST(LifAnalytic, FreeMembraneNoiseMatchesOrnsteinUhlenbeck) {
  // Sub-threshold (V_inf = -60 mV, threshold 12 SD away): V is an AR(1) process
  //   V' = V_inf + (V - V_inf) k + s xi,  k = exp(-dt/tau), s = sigma sqrt(dt)
  // with stationary mean V_inf and variance s^2 / (1 - k^2) (-> sigma^2 tau / 2 as dt -> 0).
  const double dt = 0.1, sigma = 0.3;
  const int trials = 4000;
  const Spec spec = spec_from(lif_spec("exact", dt, 200,
      R"("trials": 4000, "seed": 11, "params": {"I_nA": 0.2, "V_init_mV": -60, "sigma_mV_sqrt_ms": 0.3},
         "record": {"traces": {"vars": ["V_mV"], "instances": "all", "every": 500}})"));
  const RunResult r = run_cpu(spec);
  ASSERT_EQ(r.trace_instances.size(), std::size_t(trials));
  const double k = std::exp(-dt / kTau_ms), s = sigma * std::sqrt(dt);
  const double var_expected = s * s / (1.0 - k * k);
  EXPECT_NEAR(var_expected, sigma * sigma * kTau_ms / 2.0, 0.01);
  for (std::size_t sample = 2; sample < r.trace_samples; ++sample) {  // t = 100, 150, 200 ms (>= 10 tau)
    double sum = 0, ss = 0;
    for (int i = 0; i < trials; ++i) sum += r.trace("V_mV")[std::size_t(i) * r.trace_samples + sample];
    const double mean = sum / trials;
    for (int i = 0; i < trials; ++i) {
      const double d = r.trace("V_mV")[std::size_t(i) * r.trace_samples + sample] - mean;
      ss += d * d;
    }
    const double var = ss / (trials - 1);
    EXPECT_NEAR(mean, -60.0, 5.0 * std::sqrt(var_expected / trials)) << "sample " << sample;
    EXPECT_NEAR(var, var_expected, 5.0 * var_expected * std::sqrt(2.0 / (trials - 1))) << "sample " << sample;
  }
  EXPECT_EQ(r.column("spike_count").values[0], 0);
}

TEST(LifAnalytic, NoiseMakesSubthresholdCurrentFireIrregularly) {
  const Spec spec = spec_from(lif_spec("exact", 0.05, 5000,
      R"("trials": 8, "seed": 3, "params": {"I_nA": 0.35}, "sweep": {"sigma_mV_sqrt_ms": [0, 1.0]})"));
  const RunResult r = run_cpu(spec);
  for (int t = 0; t < 8; ++t) EXPECT_EQ(r.column("spike_count").values[t], 0) << "noiseless 0.35 nA is sub-threshold";
  for (int t = 8; t < 16; ++t) {
    EXPECT_GT(r.column("spike_count").values[t], 20);
    EXPECT_GT(r.column("isi_cv").values[t], 0.3) << "noise-driven firing is irregular";
  }
}

TEST(LifAnalytic, RefractoryPeriodBoundsTheRate) {
  // A huge current fires as soon as the refractory clamp ends: ISI = t_ref + one step.
  const double dt = 0.1;
  const Spec spec = spec_from(lif_spec("exact", dt, 1000, R"("params": {"I_nA": 100, "t_ref_ms": 3, "sigma_mV_sqrt_ms": 0})"));
  const RunResult r = run_cpu(spec);
  EXPECT_NEAR(r.column("isi_mean_ms").values[0], 3.0 + dt, 1e-9);
  EXPECT_NEAR(r.column("first_spike_ms").values[0], dt, 1e-12);
}

}  // namespace
}  // namespace nb
