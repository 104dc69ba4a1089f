// Self-sustained (bistable) population (docs/models/self_sustained.md): fixed points, switching by pulses, the
// monostable range outside the saddle-nodes, fast-math CUDA against the CPU, and rejected specs.
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "host/io/compare.hpp"
#include "host/common/errors.hpp"
#include "tests/test_util.hpp"

namespace nb {
namespace {

using test::run_cpu;
using test::expect_spec_error;
using test::run_on;
using test::spec_from;
using Json = nlohmann::ordered_json;

// F(I) [Hz] in double precision, independent of kernels/common/transfer.hpp (defaults a = 270, b = 108, d = 0.154).
double F_Hz(double I_nA, double a = 270.0, double b = 108.0, double d = 0.154) {
  const double u = a * I_nA - b;
  if (std::abs(d * u) < 1e-12) return 1.0 / d;
  return u / -std::expm1(-d * u);
}

// Right-hand side of the fixed-point equation s = gamma tau F / (1 + gamma tau F) (tau in s, F in Hz).
double fixed_point_map(double s, double gamma, double g_E = 0.28, double I_0 = 0.32, double tau_s = 0.1) {
  const double x = gamma * tau_s * F_Hz(g_E * s + I_0);
  return x / (1.0 + x);
}

std::string spec_text(const std::string& integrator, double gamma, const std::vector<double>& s_init,
                      double duration_ms = 8000) {
  std::string list;
  for (double s : s_init) list += (list.empty() ? "" : ", ") + std::to_string(s);
  return R"({"model": "self_sustained", "duration_ms": )" + std::to_string(duration_ms) +
         R"(, "dt_ms": 0.5, "integrator": ")" + integrator + R"(", "params": {"gamma": )" + std::to_string(gamma) +
         R"(}, "sweep": {"s_init": [)" + list + "]}}";
}

struct FixedPointCase {
  double gamma, low, unstable, high, r_low, r_high;
};

TEST(SelfSustained, RelaxesToTheFixedPointOnEachSideOfTheUnstableOne) {
  // docs/models/self_sustained.md: gamma 0.64 -> 0.11956 / 0.24381 / 0.62774 (r 2.12 / 26.35 Hz); gamma 0.641 -> 0.12038 / 0.24200 /
  // 0.62873. Rates for 0.641 come from the double-precision F at the tabulated s.
  const FixedPointCase cases[] = {{0.64, 0.11956, 0.24381, 0.62774, 2.12, 26.35},
                                  {0.641, 0.12038, 0.24200, 0.62873, F_Hz(0.28 * 0.12038 + 0.32),
                                   F_Hz(0.28 * 0.62873 + 0.32)}};
  for (const FixedPointCase& c : cases) {
    // Indices 0..2 start below the unstable point (the last one just below), 3..5 above (the first just above).
    const std::vector<double> s_init = {0.0, 0.2, c.unstable - 1e-3, c.unstable + 1e-3, 0.3, 0.8};
    for (const std::string integrator : {"exponential", "euler"}) {
      const double tol = integrator == "exponential" ? 1e-4 : 1e-3;
      const RunResult r = run_cpu(spec_from(spec_text(integrator, c.gamma, s_init)));
      const auto& s = r.column("s_final").values;
      const auto& rate = r.column("rate_final_Hz").values;
      for (std::size_t i = 0; i < s_init.size(); ++i) {
        const bool low = i < 3;
        SCOPED_TRACE(integrator + " gamma " + std::to_string(c.gamma) + " s_init " + std::to_string(s_init[i]));
        EXPECT_NEAR(s[i], low ? c.low : c.high, tol);
        EXPECT_NEAR(rate[i], low ? c.r_low : c.r_high, low ? 0.01 : 0.05);
        // Self-consistency at the final state with the independent double-precision F.
        EXPECT_NEAR(s[i], fixed_point_map(s[i], c.gamma), 2e-5);
        EXPECT_NEAR(rate[i], F_Hz(0.28 * s[i] + 0.32), 1e-4 * rate[i] + 1e-5);
      }
      // The two integrators share the fixed points (Euler's fixed points are those of the ODE).
      if (integrator == "exponential") {
        std::printf("[ measured ] gamma %.3f: s %.6f / %.6f, r %.4f / %.4f Hz\n", c.gamma, s[0], s[5], rate[0],
                    rate[5]);
      }
    }
  }
}

TEST(SelfSustained, PulsesSwitchBetweenTheStatesAndTheProbeMatchesTheTrace) {
  // Instance 0: strong pulse (I_0 + 0.01 = 0.33 nA, beyond the upper saddle-node at 0.3216) for 500 ms at 2 s,
  // then the notebook's negative pulse -0.029 nA for 300 ms at 5 s. Instance 1: weak pulse (0.001 nA, within the
  // bistable range) for 1 s at 2 s: no switch. s_probe at 2.25 s (inside the first pulse).
  const Spec spec = spec_from(R"({"model": "self_sustained", "duration_ms": 8000, "dt_ms": 0.5,
      "params": {"pulse1_onset_ms": 2000, "pulse2_onset_ms": 5000, "pulse2_amplitude_nA": -0.029,
                 "probe_ms": 2250},
      "zip": [{"pulse1_amplitude_nA": [0.01, 0.001], "pulse1_duration_ms": [500, 1000],
               "pulse2_duration_ms": [300, 0]}],
      "record": {"traces": {"vars": ["s"], "instances": "all", "every": 1}}})");
  const RunResult r = run_cpu(spec);
  const auto& up = r.column("switch_up_ms").values;
  const auto& down = r.column("switch_down_ms").values;
  const auto& s_final = r.column("s_final").values;
  const auto& probe = r.column("s_probe").values;
  std::printf("[ measured ] switch_up %.1f ms, switch_down %.1f ms, s_final %.6f / %.6f, s_probe %.6f / %.6f\n",
              up[0], down[0], s_final[0], s_final[1], probe[0], probe[1]);
  EXPECT_GT(up[0], 2000.0);
  EXPECT_LT(up[0], 2700.0);
  EXPECT_GT(down[0], 5000.0);
  EXPECT_LT(down[0], 5500.0);
  EXPECT_NEAR(s_final[0], 0.12038, 3e-3);  // back in the low state, still relaxing slowly (2.7 s after)
  EXPECT_GT(s_final[0], 0.12038);
  EXPECT_TRUE(std::isnan(up[1]));
  EXPECT_TRUE(std::isnan(down[1]));
  EXPECT_NEAR(s_final[1], 0.12038, 1e-4);

  // Traces: sample k is s after step k (sample 0: s_init). The probe and the crossings agree with them.
  const std::vector<float>& trace = r.trace("s");
  ASSERT_EQ(r.trace_samples, 16001u);
  ASSERT_EQ(trace.size(), 2u * r.trace_samples);
  for (std::size_t row = 0; row < 2; ++row) {
    ASSERT_EQ(r.trace_instances[row], r.instances[row]);
    const float* t = &trace[row * r.trace_samples];
    const float p = t[4500];
    const double probe_value = probe[row];
    EXPECT_EQ(static_cast<double>(p), probe_value) << "row " << row;
    if (row == 0) {
      const auto k_up = static_cast<std::size_t>(std::llround(up[0] / 0.5));
      const auto k_down = static_cast<std::size_t>(std::llround(down[0] / 0.5));
      EXPECT_LT(t[k_up - 1], 0.3f);
      EXPECT_GE(t[k_up], 0.3f);
      EXPECT_GE(t[k_down - 1], 0.3f);
      EXPECT_LT(t[k_down], 0.3f);
      for (std::size_t k = 1; k < k_up; ++k) ASSERT_LT(t[k], 0.3f) << "first crossing at " << k;
      EXPECT_GT(t[4999 * 2], 0.6f);  // in the high state before the negative pulse
      EXPECT_EQ(static_cast<double>(t[r.trace_samples - 1]), s_final[0]);
    }
  }
}

TEST(SelfSustained, OutsideTheBistableRangeBothInitialConditionsEndTogether) {
  struct Case {
    double g_E, I_0;
    bool high;
  };
  const Case cases[] = {{0.24, 0.32, false}, {0.33, 0.32, true}, {0.28, 0.30, false}, {0.28, 0.33, true}};
  for (const Case& c : cases) {
    const Spec spec = spec_from(R"({"model": "self_sustained", "duration_ms": 10000, "dt_ms": 0.5,
        "params": {"g_E_nA": )" + std::to_string(c.g_E) + R"(, "I_0_nA": )" + std::to_string(c.I_0) + R"(},
        "sweep": {"s_init": [0, 0.8]}})");
    const RunResult r = run_cpu(spec);
    const auto& s = r.column("s_final").values;
    SCOPED_TRACE("g_E " + std::to_string(c.g_E) + " I_0 " + std::to_string(c.I_0));
    std::printf("[ measured ] g_E %.2f I_0 %.2f: s_final %.6f / %.6f\n", c.g_E, c.I_0, s[0], s[1]);
    // Not bitwise: s is a float and stalls once a step's increment drops below half an ulp, which for the slow
    // relaxation near a saddle-node ghost leaves the two sides 3e-6 to 7e-6 apart (unchanged at 20 s).
    EXPECT_NEAR(s[0], s[1], 2e-5);
    if (c.high) EXPECT_GT(s[0], 0.5);
    else EXPECT_LT(s[0], 0.2);
    EXPECT_NEAR(s[0], fixed_point_map(s[0], 0.641, c.g_E, c.I_0), 2e-5);
  }
}

// A sweep with distinct parameters, both pulses, switches and traces: every path that could leak between
// instances is active.
// tests/models/self_sustained.json is this sweep in 2 trials: test_every_model.cpp checks chunk size, threads, instance
// order, batches and exact CPU/CUDA parity with it, for both integrators.
const char* kSweep = R"({"model": "self_sustained", "duration_ms": 3000, "dt_ms": 0.5,
    "params": {"pulse1_onset_ms": 500, "pulse1_duration_ms": 400, "pulse2_onset_ms": 1800,
               "pulse2_duration_ms": 300, "pulse2_amplitude_nA": -0.029, "probe_ms": 700.5, "s_switch": 0.25},
    "sweep": {"s_init": [0, 0.1, 0.5, 0.9], "pulse1_amplitude_nA": [0, 0.004, 0.012],
              "g_E_nA": [0.25, 0.28, 0.3]},
    "record": {"traces": {"vars": ["s", "r_Hz"], "instances": [0, 17, 35], "every": 3}}})";

TEST(SelfSustained, CudaFastMathStaysClose) {
  NB_REQUIRE_CUDA();
  const Spec spec = spec_from(kSweep);
  RunOptions fast;
  fast.math = MathMode::fast;
  const RunResult cpu = run_on(spec, "cpu"), gpu = run_on(spec, "cuda", fast);
  const auto& a = cpu.column("s_final").values;
  const auto& b = gpu.column("s_final").values;
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-3) << "instance " << i;
  const auto& ra = cpu.column("rate_final_Hz").values;
  const auto& rb = gpu.column("rate_final_Hz").values;
  for (std::size_t i = 0; i < ra.size(); ++i) EXPECT_NEAR(ra[i], rb[i], 1e-3 * ra[i] + 1e-3) << "instance " << i;
}

Json base_spec() { return Json{{"model", "self_sustained"}, {"duration_ms", 1000}, {"dt_ms", 0.5}}; }

Json with_params(Json params) {
  Json doc = base_spec();
  doc["params"] = std::move(params);
  return doc;
}

// Out-of-range values of single parameters and unknown names: test_every_model.cpp, for every model.
TEST(SelfSustained, BadSpecsNameTheField) {
  EXPECT_NO_THROW(parse_spec(base_spec(), "test"));
  EXPECT_NO_THROW(parse_spec(with_params({{"pulse1_onset_ms", 900}, {"pulse1_duration_ms", 100},
                                          {"probe_ms", 1000}, {"s_init", 1}}), "test"));
  expect_spec_error(with_params({{"pulse1_onset_ms", 900}, {"pulse1_duration_ms", 200}}),
                    "params.pulse1_duration_ms");
  expect_spec_error(with_params({{"pulse2_onset_ms", 1200}, {"pulse2_duration_ms", 10}}),
                    "params.pulse2_duration_ms");
  expect_spec_error(with_params({{"probe_ms", 1000.5}}), "params.probe_ms");
  Json swept = base_spec();
  swept["params"] = {{"pulse1_onset_ms", 500}};
  swept["sweep"] = {{"pulse1_duration_ms", {100, 600}}};
  expect_spec_error(swept, "sweep.pulse1_duration_ms");
}

TEST(SelfSustained, OffGridPulseCoversTheStepsStartingInsideIt) {
  // dt = 0.5 ms, pulse [0.3, 0.6) ms: exactly the step starting at 0.5 ms (step 1) is driven. Steps 0 and 2 see no
  // pulse, so the pulsed run equals the plain one after step 1 and differs from step 2 on.
  const std::string base = R"({"model": "self_sustained", "duration_ms": 2, "dt_ms": 0.5,
      "record": {"traces": {"vars": ["s"], "instances": [0], "every": 1}}, "params": {"s_init": 0.1)";
  const RunResult plain = test::run_cpu(test::spec_from(base + "}}"));
  const RunResult pulsed = test::run_cpu(test::spec_from(
      base + R"(, "pulse1_onset_ms": 0.3, "pulse1_duration_ms": 0.3, "pulse1_amplitude_nA": 1.0}})"));
  const auto& a = plain.trace("s");
  const auto& b = pulsed.trace("s");
  EXPECT_EQ(a[1], b[1]) << "step 0 (starting at 0 ms) is before the pulse";
  EXPECT_GT(b[2], a[2]) << "step 1 (starting at 0.5 ms) is inside [0.3, 0.6) ms";
}

}  // namespace
}  // namespace nb
