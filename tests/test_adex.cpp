// AdEx against closed forms and published firing patterns (docs/models/adex.md).
#include <cmath>
#include <string>
#include <vector>

#include "kernels/adex/adex.hpp"
#include "tests/test_util.hpp"

namespace nb {
namespace {

using test::run_cpu;
using test::spec_from;
using Json = nlohmann::ordered_json;

Json adex_doc(const std::string& integrator, double dt_ms, double duration_ms) {
  return Json{{"model", "adex"}, {"integrator", integrator}, {"dt_ms", dt_ms}, {"duration_ms", duration_ms}};
}

RunResult run_doc(const Json& doc) { return run_cpu(parse_spec(doc, "test")); }

// ---- Rheobase: the saddle-node closed form -----------------------------------------------------------------------

struct RheobaseCase {
  double C_pF, g_L_nS, E_L_mV, V_T_mV, Delta_T_mV, a_nS, tau_w_ms, b_pA;
};

// I_rh = (g_L + a) (V_T - E_L - Delta_T + Delta_T ln(1 + a / g_L)), valid when a / g_L < tau_m / tau_w.
double rheobase_pA(const RheobaseCase& c) {
  return (c.g_L_nS + c.a_nS) * (c.V_T_mV - c.E_L_mV - c.Delta_T_mV + c.Delta_T_mV * std::log(1.0 + c.a_nS / c.g_L_nS));
}

const RheobaseCase kRheobaseCases[] = {
    {200, 10, -70, -50, 2, 0, 30, 0},     // a = 0: the exponential integrate-and-fire neuron, 180 pA
    {200, 10, -70, -50, 2, 2, 30, 0},     // the defaults (Naud's tonic cell), 220.38 pA
    {100, 12, -60, -50, 3, 1, 10, 20},    // b > 0, 94.12 pA
    {300, 20, -65, -52, 0.5, 0, 100, 0},  // sharp spike initiation, a = 0
    {150, 8, -72, -48, 1.5, 4, 12, 50},   // a / g_L = 0.5 < tau_m / tau_w = 1.56
};

// The stable resting potential at current I below the rheobase: the lower root of
// -(g_L + a) (V - E_L) + g_L Delta_T exp((V - V_T) / Delta_T) + I = 0, by bisection below V_SN.
double resting_V_mV(const RheobaseCase& c, double I_pA) {
  const auto g = [&](double V) {
    return -(c.g_L_nS + c.a_nS) * (V - c.E_L_mV) + c.g_L_nS * c.Delta_T_mV * std::exp((V - c.V_T_mV) / c.Delta_T_mV) + I_pA;
  };
  double lo = c.E_L_mV - 100.0, hi = c.V_T_mV + c.Delta_T_mV * std::log(1.0 + c.a_nS / c.g_L_nS);  // g(lo) > 0 > g(hi)
  for (int k = 0; k < 200; ++k) {
    const double mid = 0.5 * (lo + hi);
    (g(mid) > 0 ? lo : hi) = mid;
  }
  return lo;
}

// Both currents start from the resting state (V*, w* = a (V* - E_L)) of the lower one: a step from E_L with w = 0
// can fire once before w has grown (the fast threshold is the a = 0 one), which says nothing of the bifurcation.
TEST(Adex, RheobaseMatchesTheSaddleNodeClosedForm) {
  for (const std::string integrator : {"exponential", "euler"}) {
    for (const RheobaseCase& c : kRheobaseCases) {
      ASSERT_LT(c.a_nS / c.g_L_nS, (c.C_pF / c.g_L_nS) / c.tau_w_ms) << "a saddle-node case";
      const double I_rh = rheobase_pA(c);
      Json doc = adex_doc(integrator, 0.05, 3000);
      const double V0 = resting_V_mV(c, I_rh * 0.995);
      doc["params"] = {{"C_pF", c.C_pF},       {"g_L_nS", c.g_L_nS},     {"E_L_mV", c.E_L_mV},
                       {"V_T_mV", c.V_T_mV},   {"Delta_T_mV", c.Delta_T_mV}, {"a_nS", c.a_nS},
                       {"tau_w_ms", c.tau_w_ms}, {"b_pA", c.b_pA},       {"V_init_mV", V0},
                       {"w_init_pA", c.a_nS * (V0 - c.E_L_mV)}};
      doc["sweep"] = {{"I_pA", {I_rh * 0.995, I_rh * 1.005}}};
      const RunResult r = run_doc(doc);
      const auto& count = r.column("spike_count").values;
      EXPECT_EQ(count[0], 0) << integrator << ": 0.5% below I_rh = " << I_rh << " pA";
      EXPECT_GE(count[1], 1) << integrator << ": 0.5% above I_rh = " << I_rh << " pA";
    }
  }
}

// ---- The LIF limit: a = b = 0, Delta_T -> 0 ------------------------------------------------------------------------

TEST(Adex, SharpInitiationTendsToTheLifRate) {
  // C = 200 pF, g_L = 10 nS (tau_m = 20 ms), E_L = -70, V_T = -50, V_r = -58 mV, t_ref = 2 ms, I = 300 pA:
  // V_inf = -40 mV and the LIF interval with threshold V_T is t_ref + tau_m ln((V_r - V_inf) / (V_T - V_inf)).
  // The exponential term takes over from the leak where Delta_T exp(x) reaches V_inf - V_T, i.e. at
  // V_T + delta with delta = Delta_T ln((V_inf - V_T) / Delta_T): the interval tends to the LIF's like
  // Delta_T ln(1 / Delta_T), and the LIF interval to threshold V_T + delta matches it at every Delta_T.
  const double tau = 20.0, V_inf = -40.0;
  const auto lif_interval = [&](double threshold) { return 2.0 + tau * std::log((-58.0 - V_inf) / (threshold - V_inf)); };
  const double T_lif = lif_interval(-50.0);  // 13.756 ms
  const std::vector<double> deltas = {2.0, 0.5, 0.1, 0.02, 0.001};
  for (const std::string integrator : {"exponential", "euler"}) {
    Json doc = adex_doc(integrator, 0.005, 400);
    doc["params"] = {{"a_nS", 0}, {"b_pA", 0}, {"t_ref_ms", 2}, {"I_pA", 300}};
    doc["sweep"] = {{"Delta_T_mV", deltas}};
    const RunResult r = run_doc(doc);
    const auto& isi = r.column("isi_mean_ms").values;
    double previous = 1e9;
    for (std::size_t k = 0; k < isi.size(); ++k) {
      const double error = std::fabs(isi[k] - T_lif) / T_lif;
      EXPECT_LT(error, previous) << integrator << ": the error shrinks with Delta_T = " << deltas[k];
      previous = error;
      if (deltas[k] <= 0.1) {
        const double delta = deltas[k] * std::log((V_inf + 50.0) / deltas[k]);
        EXPECT_NEAR(isi[k], lif_interval(-50.0 + delta), 0.02) << integrator << ", Delta_T = " << deltas[k];
      }
    }
    EXPECT_LT(previous, 0.0025) << integrator << ": ISI " << isi.back() << " ms against the LIF's " << T_lif;
  }
}

// ---- Naud et al. (2008), Table 1: the eight firing patterns ------------------------------------------------------

TEST(Adex, NaudPatternsAreClassifiedInTheKernels) {
  const std::vector<std::pair<std::string, adex::Pattern>> expected = {
      {"tonic", adex::tonic},
      {"adapting", adex::adapting},
      {"initial_burst", adex::initial_burst},
      {"regular_bursting", adex::regular_bursting},
      {"delayed_accelerating", adex::accelerating},
      {"delayed_regular_bursting", adex::delayed_regular_bursting},
      {"transient", adex::transient},
      {"irregular", adex::irregular},
  };
  Json names = Json::array();
  for (const auto& e : expected) names.push_back(e.first);
  for (const std::string integrator : {"exponential", "euler"}) {
    // At Naud's and Brian2's dt = 0.1 ms and at half of it. The irregular cell sits near a chaotic regime: at some
    // finer steps its discretised orbit locks onto a regular burst cycle (docs/models/adex.md).
    for (double dt : {0.1, 0.05}) {
      Json doc = adex_doc(integrator, dt, 1000);
      doc["sweep"] = {{"naud_pattern", names}};
      const RunResult r = run_doc(doc);
      const auto& pattern = r.column("pattern").values;
      for (std::size_t k = 0; k < expected.size(); ++k) {
        EXPECT_EQ(pattern[k], expected[k].second) << expected[k].first << ", " << integrator << ", dt = " << dt;
      }
      // The observables behind the classes.
      EXPECT_EQ(r.column("initial_burst_spikes").values[2], 3) << "initial burst of 3 spikes";
      EXPECT_GT(r.column("adaptation_index").values[1], 0.01) << "adapting: A > 0";
      EXPECT_LT(r.column("adaptation_index").values[4], 0.0) << "accelerating: A < 0";
      EXPECT_LE(r.column("spike_count").values[6], 3) << "transient: a few spikes, then none";
    }
  }
}

// ---- Spike times converge with dt ----------------------------------------------------------------------------------

// The first spike times of the adapting cell against a reference at dt = 0.0025 ms: the largest error over the
// first 8 spikes shrinks about linearly with dt (each halving of dt at least a factor 1.4) for both integrators.
TEST(Adex, SpikeTimesConvergeWithDt) {
  const int kSpikes = 8;
  const auto spike_times = [&](const std::string& integrator, double dt) {
    Json doc = adex_doc(integrator, dt, 300);
    doc["params"] = {{"naud_pattern", "adapting"}};
    doc["record"] = {{"spikes", {{"instances", "all"}, {"max_per_instance", kSpikes}}}};
    const RunResult r = run_doc(doc);
    EXPECT_GE(r.column("spike_count").values[0], kSpikes);
    std::vector<double> t;
    for (int k = 0; k < kSpikes; ++k) t.push_back(r.spike_steps[k] * dt);
    return t;
  };
  const std::vector<double> reference = spike_times("exponential", 0.0025);
  for (const std::string integrator : {"exponential", "euler"}) {
    double previous = 0;
    for (double dt : {0.2, 0.1, 0.05, 0.025}) {
      const std::vector<double> t = spike_times(integrator, dt);
      double error = 0;
      for (int k = 0; k < kSpikes; ++k) error = std::max(error, std::fabs(t[k] - reference[k]));
      if (previous > 0) EXPECT_LT(error * 1.4, previous) << integrator << ", dt = " << dt;
      previous = error;
    }
  }
}

// ---- Stability and the bounded exponential ---------------------------------------------------------------------

TEST(Adex, ExponentialIntegratorStaysFiniteAtCoarseSteps) {
  // dt = 2 ms is a tenth of tau_m but far beyond the stiff upswing; Delta_T = 0.01 mV makes exp((V - V_T) /
  // Delta_T) overflow without the bound. Every observable stays finite where defined.
  Json doc = adex_doc("exponential", 2.0, 2000);
  doc["sweep"] = {{"Delta_T_mV", {2.0, 0.01}}, {"I_pA", {100, 400, 5000}}};
  const RunResult r = run_doc(doc);
  for (const ObservableColumn& c : r.observables) {
    for (double v : c.values) EXPECT_FALSE(std::isinf(v)) << c.name;
  }
  for (double v : r.column("w_mean_pA").values) EXPECT_TRUE(std::isfinite(v));
  EXPECT_EQ(r.column("spike_count").values[0], 0);  // 100 pA is below the 220 pA rheobase
  EXPECT_GT(r.column("spike_count").values[2], 0);
}

// ---- The current: step and pulses; the first K ISIs ---------------------------------------------------------------

TEST(Adex, PulsesDriveSpikesOnlyWhileOn) {
  Json doc = adex_doc("exponential", 0.1, 300);
  doc["params"] = {{"I_pA", 0},
                   {"pulse1_onset_ms", 50},  {"pulse1_duration_ms", 40}, {"pulse1_pA", 600},
                   {"pulse2_onset_ms", 200}, {"pulse2_duration_ms", 40}, {"pulse2_pA", 600},
                   {"isi_K", 4}};
  doc["record"] = {{"spikes", {{"instances", "all"}, {"max_per_instance", 100}}}};
  const RunResult r = run_doc(doc);
  const std::uint32_t n = static_cast<std::uint32_t>(r.column("spike_count").values[0]);
  ASSERT_GE(n, 4u);
  for (std::uint32_t k = 0; k < n; ++k) {
    const double t = r.spike_steps[k] * 0.1;
    EXPECT_TRUE((t > 50 && t <= 95) || (t > 200 && t <= 245)) << "spike at " << t << " ms";
  }
  // isi_first_ms holds the first 4 intervals of the spike record.
  ASSERT_EQ(r.array_names.at(0), "isi_first_ms");
  ASSERT_EQ(r.array_widths.at(0), 4u);
  for (std::uint32_t k = 0; k < 4; ++k) {
    EXPECT_FLOAT_EQ(r.arrays[0][k], static_cast<float>((r.spike_steps[k + 1] - r.spike_steps[k]) * 0.1));
  }
}

TEST(Adex, StepCurrentWindow) {
  Json doc = adex_doc("exponential", 0.1, 400);
  doc["params"] = {{"I_onset_ms", 100}, {"I_duration_ms", 100}};
  doc["record"] = {{"spikes", {{"instances", "all"}, {"max_per_instance", 100}}}};
  const RunResult r = run_doc(doc);
  const std::uint32_t n = static_cast<std::uint32_t>(r.column("spike_count").values[0]);
  ASSERT_GE(n, 3u);
  EXPECT_GT(r.spike_steps[0] * 0.1, 100.0);
  EXPECT_LE(r.spike_steps[n - 1] * 0.1, 205.0);
}

// ---- Bad input beyond the parameter ranges (those are in tests/test_every_model.cpp) -----------------------------

TEST(Adex, CrossFieldChecksNameTheField) {
  const auto doc_with = [](Json params, const std::string& integrator = "exponential", double dt = 0.1) {
    Json doc = adex_doc(integrator, dt, 100);
    doc["params"] = std::move(params);
    return doc;
  };
  test::expect_spec_error(doc_with({{"V_r_mV", 0}}), "params.V_r_mV");
  test::expect_spec_error(doc_with({{"V_r_mV", 5}}), "params.V_r_mV");
  test::expect_spec_error(doc_with({{"V_peak_mV", -55}}), "params.V_T_mV");  // V_r = -58 is still below
  test::expect_spec_error(doc_with({{"V_peak_mV", -52}, {"V_r_mV", -60}}), "params.V_T_mV");
  test::expect_spec_error(doc_with({{"V_init_mV", 10}}), "params.V_init_mV");
  test::expect_spec_error(doc_with({{"isi_K", 2.5}}), "params.isi_K");
  test::expect_spec_error(doc_with({{"adaptation_skip", 0.5}}), "params.adaptation_skip");
  test::expect_spec_error(doc_with({{"Delta_T_mV", 0}}), "params.Delta_T_mV");
  test::expect_spec_error(doc_with({{"tau_w_ms", -1}}), "params.tau_w_ms");
  test::expect_spec_error(doc_with({{"C_pF", 200}, {"g_L_nS", 100}}, "euler", 2.5), "dt_ms");  // tau_m = 2 ms
  test::expect_spec_error(doc_with({{"tau_w_ms", 0.05}}, "euler", 0.1), "dt_ms");
  EXPECT_NO_THROW(parse_spec(doc_with({{"C_pF", 200}, {"g_L_nS", 100}}, "exponential", 2.5), "test"));
  Json swept = adex_doc("exponential", 0.1, 100);
  swept["sweep"] = {{"isi_K", {4, 8}}};
  test::expect_spec_error(swept, "sweep.isi_K");
}

}  // namespace
}  // namespace nb
