// Conductance-driven LIF neurons (docs/models/lif.md and synapse.md; kernels/lif_cond/lif_cond.hpp): expectations derived
// from the math (reversal bounds, the discrete-time stationary gate moments, the Mg block formula, the LIF closed
// form), the seed, CPU/CUDA parity of a larger spec, and bad specs; chunking, threads, instance order and exact parity
// of its small spec run for every model in test_every_model.cpp.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "host/io/compare.hpp"
#include "host/common/errors.hpp"
#include "tests/test_util.hpp"

namespace nb {
namespace {

using test::run_cpu;
using test::run_on;
using test::spec_from;
using Json = nlohmann::ordered_json;

// ---- The math the tests compare with --------------------------------------------------------------------------

// Stationary moments of one kinetic gate driven by Bernoulli(p) inputs, p = r dt, sampled after each step
// (kernels/synapse/synapse.hpp: s <- d s, then s <- 1 - (1 - s) k on a spike; q = 1 - k = 1 - e^-alpha):
//   spike:    s' = q + (1 - q) d s      no spike: s' = d s
//   mean:     m1 = p q / (1 - d (1 - p q))
//   2nd mom.: m2 = p (q^2 + 2 q (1 - q) d m1) / (1 - d^2 (1 - p + p (1 - q)^2))
struct GateMoments {
  double mean, var;
};

GateMoments stationary_gate(double r_Hz, double dt_ms, double tau_ms, double alpha) {
  const double p = r_Hz * dt_ms * 1e-3, q = 1.0 - std::exp(-alpha), d = std::exp(-dt_ms / tau_ms);
  const double m1 = p * q / (1.0 - d * (1.0 - p * q));
  const double m2 = p * (q * q + 2.0 * q * (1.0 - q) * d * m1) / (1.0 - d * d * (1.0 - p + p * (1.0 - q) * (1.0 - q)));
  return {m1, m2 - m1 * m1};
}

// Jahr & Stevens magnesium block.
double mg_block(double V_mV, double Mg_mM) { return 1.0 / (1.0 + Mg_mM * std::exp(-0.062 * V_mV) / 3.57); }

double mean_of(const std::vector<double>& x) { return std::accumulate(x.begin(), x.end(), 0.0) / double(x.size()); }

// Standard error of the mean of x from its own spread (sample SD, ddof = 1).
double std_error(const std::vector<double>& x) {
  const double m = mean_of(x);
  double ss = 0;
  for (double v : x) ss += (v - m) * (v - m);
  return std::sqrt(ss / double(x.size() - 1) / double(x.size()));
}

// Values [first, first + n) of a column.
std::vector<double> slice(const RunResult& r, const std::string& name, std::size_t first, std::size_t n) {
  const auto& v = r.column(name).values;
  return std::vector<double>(v.begin() + first, v.begin() + first + n);
}

// Row `row` of a traced variable.
std::vector<float> trace_row(const RunResult& r, const std::string& var, std::size_t row) {
  const auto& t = r.trace(var);
  return std::vector<float>(t.begin() + row * r.trace_samples, t.begin() + (row + 1) * r.trace_samples);
}

std::string lif_cond_spec(const std::string& integrator, double dt_ms, double duration_ms, const std::string& rest) {
  return R"({"model": "lif_cond", "integrator": ")" + integrator + R"(", "dt_ms": )" + std::to_string(dt_ms) +
         R"(, "duration_ms": )" + std::to_string(duration_ms) + ", " + rest + "}";
}

// ---- 1. Reversal potentials bound the membrane -------------------------------------------------------------------

// With frozen conductances V_inf = (sum_x g_x E_x + I) / sum_x g_x is a convex combination of the reversal
// potentials (I = 0), and one step moves V towards V_inf without passing it: exactly (factor e^-rate in (0, 1)) for
// the exponential integrator, and for Euler as long as rate = dt G_tot / C <= 1. So V stays within
// [min E, max E] when it starts there (no membrane noise, threshold out of reach).
struct Extremes {
  float min = 1e30f, max = -1e30f;
};

Extremes trace_extremes(const RunResult& r) {
  Extremes e;
  for (float v : r.trace("V_mV")) {
    e.min = std::min(e.min, v);
    e.max = std::max(e.max, v);
  }
  return e;
}

TEST(LifCond, ExcitationAloneNeverDrivesVAboveItsReversal) {
  // 50 inputs at 1000 Hz with 200 nS AMPA (+ 20 nS NMDA, Mg-blocked) each: mean AMPA gate ~0.56, g_A ~5600 nS
  // against G_L = 20 nS, so V_inf ~ -70 * 20 / 5620 = -0.25 mV: V runs up close to E_AMPA = E_NMDA = 0 mV but never
  // past it. Euler at dt = 0.01 ms: G_tot <= 20 + 50 (200 + 20) = 11020 nS, rate <= 0.01 * 11020 / 200 = 0.55 < 1.
  for (const char* integrator : {"exponential", "euler"}) {
    const Spec spec = spec_from(lif_cond_spec(integrator, 0.01, 100, R"("trials": 4, "seed": 5,
        "params": {"K_E": 50, "K_I": 0, "r_E_Hz": 1000, "g_AMPA_nS": 200, "g_NMDA_nS": 20, "mg_block": "on",
                   "E_AMPA_mV": 0, "E_NMDA_mV": 0, "V_th_mV": 100, "V_reset_mV": -60, "V_init_mV": -70,
                   "I_nA": 0, "sigma_mV_sqrt_ms": 0},
        "record": {"traces": {"vars": ["V_mV"], "instances": "all", "every": 1}})"));
    const RunResult r = run_cpu(spec);
    const Extremes e = trace_extremes(r);
    EXPECT_LE(e.max, 0.0f + 1e-4f) << integrator;
    EXPECT_GE(e.min, -70.0f - 1e-4f) << integrator << ": every reversal (and V_init) is >= -70 mV";
    EXPECT_GT(e.max, -1.0f) << integrator << ": the drive must bring V close to 0 mV for the bound to mean much";
    EXPECT_EQ(mean_of(r.column("spike_count").values), 0.0);
  }
}

TEST(LifCond, InhibitionAloneNeverDrivesVBelowItsReversal) {
  // Leak towards -50 mV, 50 GABA_A inputs at 1000 Hz with 200 nS each (mean gate ~0.86 at tau 10 ms): g_G ~8600 nS,
  // V_inf ~ (-50 * 20 - 70 * 8600) / 8620 = -69.95 mV: V falls from -50 mV towards E_GABA = -70 mV, never below.
  // Euler at dt = 0.01 ms: G_tot <= 20 + 50 * 200 = 10020 nS, rate <= 0.5.
  for (const char* integrator : {"exponential", "euler"}) {
    const Spec spec = spec_from(lif_cond_spec(integrator, 0.01, 100, R"("trials": 4, "seed": 6,
        "params": {"K_E": 0, "K_I": 50, "r_I_Hz": 1000, "g_GABA_nS": 200, "E_GABA_mV": -70, "V_L_mV": -50,
                   "V_init_mV": -50, "V_th_mV": 100, "V_reset_mV": -60, "I_nA": 0, "sigma_mV_sqrt_ms": 0},
        "record": {"traces": {"vars": ["V_mV"], "instances": "all", "every": 1}})"));
    const RunResult r = run_cpu(spec);
    const Extremes e = trace_extremes(r);
    EXPECT_GE(e.min, -70.0f - 1e-4f) << integrator;
    EXPECT_LE(e.max, -50.0f + 1e-4f) << integrator << ": every reversal (and V_init) is <= -50 mV";
    EXPECT_LT(e.min, -69.0f) << integrator << ": the drive must bring V close to -70 mV for the bound to mean much";
  }
}

// ---- 2. Conductance statistics ----------------------------------------------------------------------------------

// The K inputs of a population are independent gates, so the conductance g sum_k s_k has mean g K m1 and variance
// g^2 K var (stationary_gate). Per instance the model reports the time mean and time SD over the sampled steps; over
// trials, E[time mean] = g K m1 and, by the law of total variance, E[SD^2 + (mean - grand mean)^2 n / (n - 1)] =
// g^2 K var. Both are checked within 5 standard errors estimated from the spread over n = 32 trials: a false failure
// has probability ~2e-5 per check (Student t, 31 degrees of freedom), ~2.6e-4 for the 12 checks here. The
// discrete formula differs from the continuous r tau q / (1 + r tau q) by ~2.5% for AMPA at dt = 0.1 ms (about
// 10 standard errors here), and a variance of K^2 instead of K (inputs sharing random words) would be far off.
TEST(LifCond, MeanAndSdOfConductancesMatchTheStationaryGates) {
  const int trials = 32;
  const double dt = 0.1, r_E = 50, r_I = 30;
  const Spec spec = spec_from(lif_cond_spec("exponential", dt, 2500, R"("trials": 32, "seed": 17,
      "params": {"transient_ms": 500, "r_E_Hz": 50, "r_I_Hz": 30, "g_AMPA_nS": 0.5, "g_NMDA_nS": 0.3,
                 "g_GABA_nS": 0.7, "tau_NMDA_ms": 80, "alpha_NMDA": 0.5, "alpha_GABA": 2, "mg_block": "off",
                 "sigma_mV_sqrt_ms": 1},
      "zip": [{"K_E": [10, 40], "K_I": [40, 10]}])"));
  const RunResult r = run_cpu(spec);
  const struct {
    const char* name;
    double g, K[2], r, tau, alpha;
  } receptors[] = {{"g_AMPA", 0.5, {10, 40}, r_E, 2.0, 1.0},
                   {"g_NMDA", 0.3, {10, 40}, r_E, 80.0, 0.5},
                   {"g_GABA", 0.7, {40, 10}, r_I, 10.0, 2.0}};
  for (int point = 0; point < 2; ++point) {
    for (const auto& x : receptors) {
      const GateMoments gate = stationary_gate(x.r, dt, x.tau, x.alpha);
      const double K = x.K[point];
      const std::vector<double> means = slice(r, std::string(x.name) + "_mean_nS", point * trials, trials);
      const std::vector<double> sds = slice(r, std::string(x.name) + "_sd_nS", point * trials, trials);
      const double grand = mean_of(means);
      std::vector<double> total_var(trials);
      for (int t = 0; t < trials; ++t) {
        total_var[t] = sds[t] * sds[t] + (means[t] - grand) * (means[t] - grand) * trials / (trials - 1.0);
      }
      const double expected_mean = x.g * K * gate.mean, expected_var = x.g * x.g * K * gate.var;
      EXPECT_NEAR(grand, expected_mean, 5.0 * std_error(means)) << x.name << " K = " << K;
      EXPECT_NEAR(mean_of(total_var), expected_var, 5.0 * std_error(total_var)) << x.name << " K = " << K;
    }
  }
}

// With the block on, the NMDA conductance of a step is g_N B(V) with V the membrane at the start of the step
// (lif_cond.hpp), i.e. trace sample k carries g_N(k) B(V[k - 1]) (no spikes here, so V[k - 1] is the true V).
// The gates do not depend on V: the same spec with the block off draws the same inputs (same seed and instance
// index) and traces g_N(k) itself, so the per-sample ratio must be the block formula evaluated at the traced V.
TEST(LifCond, NmdaBlockFollowsTheMagnesiumFormulaSampleBySample) {
  const double Mg_mM = 1.5;
  auto run = [](const char* block) {
    return run_cpu(spec_from(lif_cond_spec("exponential", 0.1, 400, R"("trials": 3, "seed": 23,
        "params": {"K_E": 20, "r_E_Hz": 100, "g_AMPA_nS": 8, "g_NMDA_nS": 1, "K_I": 10, "r_I_Hz": 20,
                   "g_GABA_nS": 3, "V_th_mV": 100, "sigma_mV_sqrt_ms": 1, "Mg_mM": 1.5, "mg_block": ")" +
                                                                   std::string(block) + R"("},
        "record": {"traces": {"vars": ["V_mV", "g_AMPA_nS", "g_NMDA_nS", "g_GABA_nS"], "instances": "all",
                              "every": 1}})")));
  };
  const RunResult off = run("off"), on = run("on");
  ASSERT_EQ(on.trace_samples, 4001u);
  EXPECT_EQ(off.trace("g_AMPA_nS"), on.trace("g_AMPA_nS")) << "gates must not depend on V";
  EXPECT_EQ(off.trace("g_GABA_nS"), on.trace("g_GABA_nS"));
  for (std::size_t row = 0; row < 3; ++row) {
    const std::vector<float> V = trace_row(on, "V_mV", row), gN_on = trace_row(on, "g_NMDA_nS", row),
                             gN_off = trace_row(off, "g_NMDA_nS", row);
    double worst = 0, B_min = 1, B_max = 0, sum_on = 0, sum_off = 0;
    std::size_t checked = 0;
    for (std::size_t k = 1; k < on.trace_samples; ++k) {
      sum_on += gN_on[k];
      sum_off += gN_off[k];
      if (gN_off[k] == 0.0f) continue;
      const double B = mg_block(V[k - 1], Mg_mM);
      worst = std::max(worst, std::fabs(double(gN_on[k]) / gN_off[k] - B) / B);
      B_min = std::min(B_min, B);
      B_max = std::max(B_max, B);
      ++checked;
    }
    const double n = on.trace_samples - 1.0;
    EXPECT_GT(checked, 3900u);
    EXPECT_LT(worst, 1e-5) << "row " << row;
    EXPECT_LT(B_min, 0.1) << "V should sweep a range where the block matters";
    EXPECT_GT(B_max, 0.2);
    // The observables are the same per-step values averaged (no transient): with the block off, g_N itself.
    EXPECT_NEAR(on.column("g_NMDA_mean_nS").values[row], sum_on / n, 1e-6 * sum_on / n);
    EXPECT_NEAR(off.column("g_NMDA_mean_nS").values[row], sum_off / n, 1e-6 * sum_off / n);
    EXPECT_GT(on.column("g_NMDA_mean_nS").values[row], B_min * off.column("g_NMDA_mean_nS").values[row]);
    EXPECT_LT(on.column("g_NMDA_mean_nS").values[row], B_max * off.column("g_NMDA_mean_nS").values[row]);
  }
}

// ---- 3. Without inputs it is the plain LIF ----------------------------------------------------------------------

struct RateCase {
  double I_nA, rate_Hz;  // docs/models/lif.md table (tau = 10 ms, V_L -70, V_reset -60, V_th -52, t_ref 2 ms)
};
const RateCase kRateTable[] = {{0.37, 32.968}, {0.45, 81.856}, {0.50, 103.935}, {0.60, 140.681}};

// K_E = K_I = 0 (the receptors' conductances and the Mg block are set but have nothing to act on): C dV/dt =
// -G_L (V - V_L) + I, so the intervals are the LIF closed form t_ref + T, T = tau ln((V_reset - V_ss) / (V_th -
// V_ss)). A crossing is detected at the end of the first step with V > V_th, and every interval restarts from
// V_reset on a step boundary: with the exponential integrator each interval is the closed form rounded up to a
// whole number of steps (in [closed form, closed form + dt]), all equal (SD exactly 0). Euler's decay 1 - dt/tau
// shortens T by about T dt / (2 tau): within dt + T dt / tau (as in test_lif_analytic.cpp). The first spike, from
// V_init = -70 mV, follows tau ln((V_init - V_ss) / (V_th - V_ss)) the same way.
TEST(LifCond, WithoutInputsIntervalsAreTheLifClosedForm) {
  std::string currents;
  for (const auto& c : kRateTable) currents += (currents.empty() ? "" : ", ") + std::to_string(c.I_nA);
  const std::string rest = R"("params": {"K_E": 0, "K_I": 0, "g_NMDA_nS": 1, "mg_block": "on", "sigma_mV_sqrt_ms": 0},
      "sweep": {"I_nA": [)" + currents + "]}";
  const double tau = 10.0;
  for (const auto& [integrator, dt] : {std::pair<const char*, double>{"exponential", 0.05}, {"exponential", 0.02},
                                       {"exponential", 0.1}, {"euler", 0.05}}) {
    const bool exact = std::string(integrator) == "exponential";
    const RunResult r = run_cpu(spec_from(lif_cond_spec(integrator, dt, 1500, rest)));
    for (std::size_t k = 0; k < std::size(kRateTable); ++k) {
      const double isi_ms = 1000.0 / kRateTable[k].rate_Hz, T_ms = isi_ms - 2.0;
      const double V_ss = -70.0 + kRateTable[k].I_nA / 0.02;
      const double first_ms = tau * std::log((-70.0 - V_ss) / (-52.0 - V_ss));
      const double tolerance = exact ? dt : dt + T_ms * dt / tau;
      const double isi = r.column("isi_mean_ms").values[k], first = r.column("first_spike_ms").values[k];
      EXPECT_NEAR(isi, isi_ms, tolerance) << integrator << " dt " << dt << " I " << kRateTable[k].I_nA;
      EXPECT_NEAR(first, first_ms, exact ? dt : dt + first_ms * dt / tau)
          << integrator << " dt " << dt << " I " << kRateTable[k].I_nA;
      if (exact) {  // detection is never early
        EXPECT_GE(isi, isi_ms - 1e-3 * dt) << integrator << " dt " << dt << " I " << kRateTable[k].I_nA;
        EXPECT_GE(first, first_ms - 1e-3 * dt) << integrator << " dt " << dt << " I " << kRateTable[k].I_nA;
      }
      EXPECT_EQ(r.column("isi_sd_ms").values[k], 0.0) << "deterministic: every interval restarts from V_reset";
      EXPECT_GT(r.column("spike_count").values[k], 1500 / (isi_ms + dt) - 2);
      EXPECT_EQ(r.column("g_AMPA_mean_nS").values[k], 0.0);
      EXPECT_EQ(r.column("g_NMDA_mean_nS").values[k], 0.0);
      EXPECT_EQ(r.column("g_GABA_mean_nS").values[k], 0.0);
    }
  }
}

// ---- 4. Fluctuation-driven firing is irregular -------------------------------------------------------------------

// Three regimes with the same mean conductances (r_E 20 Hz, r_I 50 Hz; K g fixed), no membrane noise:
//   point 0, few strong inputs (20 x 12 nS AMPA, 10 x 4 nS GABA_A): the mean conductances g_A ~6.1 nS, g_G ~9.6 nS
//     give V_inf = (G_L V_L + g_G E_G) / (G_L + g_A + g_G) ~ -58 mV, 6 mV below threshold: only the input
//     fluctuations (each AMPA event ~ +4 mV) make it fire, at random times: CV of the intervals near 1 (> 0.5);
//   point 1, the same mean from 10x as many inputs 10x weaker: fluctuations shrink ~sqrt(10)x, firing nearly stops;
//   point 2, as point 1 plus I = 0.4 nA: V_inf ~ -47 mV is above threshold, the neuron fires regularly (CV < 0.3)
//     at about the LIF rate with the effective G_tot: 1 / (t_ref + C/G_tot ln((V_reset - V_inf) / (V_th - V_inf))).
TEST(LifCond, FluctuationDrivenFiringIsIrregularMeanDrivenIsRegular) {
  const int trials = 8;
  const double dt = 0.1;
  const Spec spec = spec_from(lif_cond_spec("exponential", dt, 4000, R"("trials": 8, "seed": 31,
      "params": {"r_E_Hz": 20, "r_I_Hz": 50, "transient_ms": 200, "sigma_mV_sqrt_ms": 0},
      "zip": [{"K_E": [20, 200, 200], "g_AMPA_nS": [12, 1.2, 1.2], "K_I": [10, 100, 100],
               "g_GABA_nS": [4, 0.4, 0.4], "I_nA": [0, 0, 0.4]}])"));
  const RunResult r = run_cpu(spec);
  const double g_A = 20 * 12 * stationary_gate(20, dt, 2, 1).mean, g_G = 10 * 4 * stationary_gate(50, dt, 10, 1).mean;
  const double G_tot = 20 + g_A + g_G, V_inf = (20 * -70.0 + g_G * -70.0) / G_tot;
  ASSERT_LT(V_inf, -52.0 - 4.0) << "the design needs a sub-threshold mean";
  auto column = [&](const char* name, int point) { return slice(r, name, point * trials, trials); };
  double spikes[3] = {0, 0, 0};
  for (int point = 0; point < 3; ++point) {
    for (double c : column("spike_count", point)) spikes[point] += c;
  }
  // Point 0: sub-threshold on average, firing, irregular.
  for (int t = 0; t < trials; ++t) {
    EXPECT_LT(column("V_mean_mV", 0)[t], -52.0 - 4.0) << "trial " << t;
    EXPECT_GT(column("rate_Hz", 0)[t], 2.0) << "trial " << t;
    EXPECT_GT(column("isi_cv", 0)[t], 0.5) << "trial " << t;
  }
  // Point 1: same mean (conductances within a few percent), much smaller fluctuations, (almost) silent.
  EXPECT_NEAR(mean_of(column("g_AMPA_mean_nS", 1)), mean_of(column("g_AMPA_mean_nS", 0)), 0.05 * g_A);
  EXPECT_NEAR(mean_of(column("g_GABA_mean_nS", 1)), mean_of(column("g_GABA_mean_nS", 0)), 0.05 * g_G);
  EXPECT_LT(mean_of(column("V_sd_mV", 1)), 0.5 * mean_of(column("V_sd_mV", 0)));
  EXPECT_LT(spikes[1], 0.1 * spikes[0]);
  // Point 2: mean-driven, regular, near the LIF rate of the mean conductances.
  const double V_inf2 = V_inf + 400.0 / G_tot;
  const double rate2 = 1000.0 / (2.0 + 1000.0 * 0.2 / G_tot * std::log((-60.0 - V_inf2) / (-52.0 - V_inf2)));
  for (int t = 0; t < trials; ++t) {
    EXPECT_LT(column("isi_cv", 2)[t], 0.3) << "trial " << t;
    EXPECT_NEAR(column("rate_Hz", 2)[t], rate2, 0.1 * rate2) << "trial " << t;
  }
}

// ---- 5. Reproducibility -----------------------------------------------------------------------------------------

// Every instance has its own K_E (so the gate arrays of a chunk have inactive synapses beyond an instance's K_E, and
// a chunk's K_E_max depends on which instances it holds) and rate; membrane noise on, Mg block on, traces of every
// variable and spikes recorded. 450 ms at 0.1 ms is 4500 steps: two time segments of the runner.
const char* kReproSweep = R"({
  "model": "lif_cond", "duration_ms": 450, "dt_ms": 0.1, "seed": 77, "trials": 4,
  "params": {"K_I": 10, "r_I_Hz": 20, "g_NMDA_nS": 0.5, "mg_block": "on", "sigma_mV_sqrt_ms": 0.8,
             "transient_ms": 50},
  "sweep": {"r_E_Hz": [5, 40, 150], "K_E": [0, 3, 17, 40]},
  "record": {"traces": {"vars": ["V_mV", "g_AMPA_nS", "g_NMDA_nS", "g_GABA_nS"], "instances": [0, 13, 29, 47],
                        "every": 3},
             "spikes": {"instances": "all", "max_per_instance": 16}}
})";

// kReproSweep is tests/models/lif_cond.json, with which test_every_model.cpp checks chunk size, threads, instance
// order, batches and (exact) CPU/CUDA parity, for both integrators. Here: it exercises what it is meant to, and the
// seed keys the inputs.
TEST(LifCond, ReproSweepHasSpikesOverflowAndSilenceAndTheSeedKeysTheInputs) {
  const Spec spec = spec_from(kReproSweep);
  RunOptions one_thread;
  one_thread.threads = 1;
  const RunResult whole = run_cpu(spec, one_thread);
  // The sweep must exercise what it is meant to: spikes (and overflow of the spike buffer) and silent instances.
  double spikes = 0, silent = 0;
  for (double c : whole.column("spike_count").values) {
    spikes += c;
    silent += c == 0 ? 1 : 0;
  }
  EXPECT_GT(spikes, 200);
  EXPECT_GT(whole.spike_overflow_instances, 0u);
  EXPECT_GT(silent, 0);
  // Same seed: the same run; another seed: other inputs.
  EXPECT_TRUE(compare_results(whole, run_cpu(spec, one_thread)).identical());
  Json other = Json::parse(kReproSweep);
  other["seed"] = 78;
  EXPECT_FALSE(compare_results(whole, run_cpu(parse_spec(other), one_thread)).identical());
}

// ---- 6. CPU / CUDA parity ---------------------------------------------------------------------------------------

// 222 instances (6 points x 37 trials, so a GPU block is partly filled) with K_E 0 / 9 / 33, noise, Mg block on,
// traces of every variable and spike times: ~16000 spikes on the CPU, 19 silent instances.

std::string parity_spec(const std::string& integrator) {
  return R"({"model": "lif_cond", "duration_ms": 1000, "dt_ms": 0.1, "seed": 2025, "trials": 37, "integrator": ")" +
         integrator + R"(",
    "params": {"K_I": 12, "r_I_Hz": 25, "g_NMDA_nS": 0.6, "mg_block": "on", "Mg_mM": 1.2, "I_nA": 0.35,
               "sigma_mV_sqrt_ms": 0.7, "transient_ms": 100},
    "sweep": {"r_E_Hz": [20, 80], "K_E": [0, 9, 33]},
    "record": {"traces": {"vars": ["V_mV", "g_AMPA_nS", "g_NMDA_nS", "g_GABA_nS"], "instances": [0, 40, 221],
                          "every": 4},
               "spikes": {"instances": [1, 75, 150, 200], "max_per_instance": 30}}})";
}

void expect_bitwise_parity(const Spec& spec) {
  const RunResult cpu = run_on(spec, "cpu"), cuda = run_on(spec, "cuda");
  const CompareReport report = compare_results(cpu, cuda);
  EXPECT_TRUE(report.identical()) << report.to_text();
  RunOptions chunked;
  chunked.chunk_instances = 50;
  const CompareReport chunked_report = compare_results(cpu, run_on(spec, "cuda", chunked));
  EXPECT_TRUE(chunked_report.identical()) << "cuda in chunks of 50\n" << chunked_report.to_text();
}

TEST(LifCondParity, ExponentialIntegratorIsBitwiseIdentical) {
  NB_REQUIRE_CUDA();
  expect_bitwise_parity(spec_from(parity_spec("exponential")));
}

TEST(LifCondParity, EulerIsBitwiseIdentical) {
  NB_REQUIRE_CUDA();
  expect_bitwise_parity(spec_from(parity_spec("euler")));
}

TEST(LifCondParity, FastMathStaysStatisticallyClose) {
  // Fast mode uses hardware exp/log/sin/cos in the membrane, the Mg block and the noise: spike times may move,
  // statistics must not. The inputs are integer comparisons and host-computed factors, so the AMPA and GABA_A
  // conductances do not depend on the math mode at all. Both runs see the same inputs and the membrane contracts
  // between spikes, so spike counts differ only where a crossing moves by a step: far less than 3% of ~16000 (even
  // independent runs would differ by ~1.1% (1 SD)).
  NB_REQUIRE_CUDA();
  const Spec spec = spec_from(parity_spec("exponential"));
  RunOptions fast;
  fast.math = MathMode::fast;
  const RunResult cpu = run_on(spec, "cpu"), gpu = run_on(spec, "cuda", fast);
  auto total = [](const RunResult& r, const char* name) {
    double s = 0;
    for (double v : r.column(name).values) s += v;
    return s;
  };
  EXPECT_NEAR(total(gpu, "spike_count"), total(cpu, "spike_count"), 0.03 * total(cpu, "spike_count"));
  EXPECT_NEAR(total(gpu, "V_mean_mV"), total(cpu, "V_mean_mV"), 1e-3 * std::fabs(total(cpu, "V_mean_mV")));
  EXPECT_NEAR(total(gpu, "g_AMPA_mean_nS"), total(cpu, "g_AMPA_mean_nS"), 1e-6 * total(cpu, "g_AMPA_mean_nS"));
  EXPECT_NEAR(total(gpu, "g_GABA_mean_nS"), total(cpu, "g_GABA_mean_nS"), 1e-6 * total(cpu, "g_GABA_mean_nS"));
  EXPECT_NEAR(total(gpu, "g_NMDA_mean_nS"), total(cpu, "g_NMDA_mean_nS"), 0.01 * total(cpu, "g_NMDA_mean_nS"));
}

// ---- 7. Bad specs -----------------------------------------------------------------------------------------------

Json base_spec() { return Json{{"model", "lif_cond"}, {"duration_ms", 100}, {"dt_ms", 0.1}}; }

Json with_params(Json params) {
  Json doc = base_spec();
  doc["params"] = std::move(params);
  return doc;
}

void expect_spec_error(const Json& doc, const std::string& field, const std::string& message_part) {
  try {
    parse_spec(doc);
    ADD_FAILURE() << "no SpecError for " << doc.dump();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.field(), field) << e.what();
    EXPECT_NE(std::string(e.what()).find(message_part), std::string::npos)
        << "message lacks \"" << message_part << "\": " << e.what();
  }
}

// Out-of-range values of single parameters and unknown names: test_every_model.cpp, for every model.
TEST(LifCond, BadSpecsNameTheFieldAndTheRule) {
  EXPECT_NO_THROW(parse_spec(base_spec()));
  expect_spec_error(with_params({{"K_E", 10.5}}), "params.K_E", "whole number of inputs (got 10.5)");
  // r dt is the spike probability per step: at dt = 0.1 ms, 10 kHz is 1 (allowed), 10.5 kHz is not.
  EXPECT_NO_THROW(parse_spec(with_params({{"r_E_Hz", 10000}})));
  expect_spec_error(with_params({{"r_E_Hz", 10500}}), "params.r_E_Hz", "<= 1 spike per step (got 1.05)");
  expect_spec_error(with_params({{"r_I_Hz", 20000}}), "params.r_I_Hz", "<= 1 spike per step");
  expect_spec_error(with_params({{"mg_block", "sometimes"}}), "params.mg_block", "unknown mg_block 'sometimes'");
  expect_spec_error(with_params({{"V_reset_mV", -52}}), "params.V_reset_mV", "must be below V_th_mV");
  expect_spec_error(with_params({{"V_reset_mV", -40}, {"V_th_mV", -50}}), "params.V_reset_mV", "below V_th_mV");
  // The statistics need at least one sampled step after the transient (else they would be 0 / 0).
  expect_spec_error(with_params({{"transient_ms", 100}}), "params.transient_ms", "duration_ms");
  expect_spec_error(with_params({{"transient_ms", 150}}), "params.transient_ms", "duration_ms");
  expect_spec_error(with_params({{"transient_ms", 99.97}}), "params.transient_ms", "duration_ms");  // 999.7 steps
  EXPECT_NO_THROW(parse_spec(with_params({{"transient_ms", 99.9}})));
  // In a sweep the error names the sweep entry and the point.
  Json doc = base_spec();
  doc["sweep"] = {{"K_E", {10, 20.5}}};
  expect_spec_error(doc, "sweep.K_E", "whole number");
  doc["sweep"] = {{"r_E_Hz", {100, 12000}}};
  expect_spec_error(doc, "sweep.r_E_Hz", "at sweep point 1");
  // Forward Euler needs dt < C / G_L (10 ms at the defaults).
  Json euler = base_spec();
  euler["integrator"] = "euler";
  euler["dt_ms"] = 10;
  expect_spec_error(euler, "dt_ms", "forward Euler");
}

TEST(LifCond, EulerRefusedWhereStrongSynapsesWouldOvershoot) {
  // dt G_max / C = 0.1 ms * (20 + 50 * 220) nS / 0.2 nF = 5.5 >> 1: Euler would swing V past every reversal.
  try {
    (void)test::spec_from(R"({"model": "lif_cond", "duration_ms": 10, "dt_ms": 0.1, "integrator": "euler",
        "params": {"K_E": 50, "g_AMPA_nS": 200, "g_NMDA_nS": 20, "K_I": 0}})");
    FAIL() << "accepted";
  } catch (const SpecError& e) {
    EXPECT_EQ(e.field(), "dt_ms");
    EXPECT_NE(std::string(e.what()).find("G_max"), std::string::npos) << e.what();
  }
  // The exponential integrator has no such limit.
  EXPECT_NO_THROW((void)test::spec_from(R"({"model": "lif_cond", "duration_ms": 10, "dt_ms": 0.1,
      "params": {"K_E": 50, "g_AMPA_nS": 200, "g_NMDA_nS": 20, "K_I": 0}})"));
}

TEST(LifCond, SpikeStatisticsStartAfterTheTransient) {
  // No inputs, 0.45 nA: regular firing at the LIF closed-form rate 81.856 Hz. With transient_ms = 500 of 2000 ms,
  // only spikes after 500 ms are counted, stored and used for the rate (over the 1500 ms window).
  const Spec spec = test::spec_from(R"({"model": "lif_cond", "duration_ms": 2000, "dt_ms": 0.05,
      "params": {"K_E": 0, "K_I": 0, "I_nA": 0.45, "transient_ms": 500},
      "record": {"spikes": {"instances": [0], "max_per_instance": 1000}}})");
  const RunResult r = test::run_cpu(spec);
  const double count = r.column("spike_count").values[0];
  EXPECT_NEAR(count, 1.5 * 81.856, 1.5);
  EXPECT_NEAR(r.column("rate_Hz").values[0], count / 1.5, 1e-9);
  EXPECT_GT(r.column("first_spike_ms").values[0], 500.0);
  EXPECT_LE(r.column("first_spike_ms").values[0], 500.0 + 1000.0 / 81.856 + 0.05);
  EXPECT_GT(r.spike_steps[0] * 0.05, 500.0);
  EXPECT_EQ(r.spike_steps[0] * 0.05, r.column("first_spike_ms").values[0]);
}

}  // namespace
}  // namespace nb
