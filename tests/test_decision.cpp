// Wong & Wang decision model (docs/models/decision.md): symmetry without noise, the coin toss at c = 0, the
// psychometric and chronometric trends, the working-memory protocol and its reset, binned choice-split rates
// against the traces, the seed, the GPU trial loop on the host, CPU-CUDA parity of the noiseless protocol and of fast
// math, and rejected specs.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "host/engine/buffered_engine.hpp"
#include "host/io/compare.hpp"
#include "host/models/decision/decision_model.hpp"
#include "host/common/errors.hpp"
#include "tests/test_util.hpp"

namespace nb {
namespace {

using test::run_cpu;
using test::expect_spec_error;
using test::run_on;
using Json = nlohmann::ordered_json;

Json decision_spec(double duration_ms, std::uint64_t trials) {
  return Json{{"model", "decision"}, {"duration_ms", duration_ms}, {"trials", trials}, {"seed", 7}};
}

// The psychometric run shared by the choice tests: 2 s of stimulus from 0.5 s, 20000 trials per coherence.
const std::vector<double> kCoherences = {0, 0.032, 0.064, 0.128, 0.256, 0.512, 1.0};
constexpr std::uint64_t kTrials = 20000;

const RunResult& psychometric_run() {
  static const RunResult result = [] {
    Json doc = decision_spec(2500, kTrials);
    doc["params"] = {{"stim_onset_ms", 500}, {"stim_duration_ms", 2000}};
    doc["sweep"] = {{"coherence", kCoherences}};
    return run_cpu(parse_spec(doc, "test"));
  }();
  return result;
}

struct ChoiceStats {
  double p1 = 0, decided = 0, dt_mean_ms = 0, dt_var_ms2 = 0;
  std::uint64_t n = 0;  // decided trials
};

ChoiceStats stats_at(const RunResult& r, std::size_t point) {
  const auto& choice = r.column("choice").values;
  const auto& dt = r.column("decision_time_ms").values;
  ChoiceStats s;
  double ones = 0, sum = 0, sum_sq = 0;
  for (std::size_t i = point * kTrials; i < (point + 1) * kTrials; ++i) {
    if (choice[i] != 1 && choice[i] != 2) continue;
    ++s.n;
    ones += choice[i] == 1;
    sum += dt[i];
    sum_sq += dt[i] * dt[i];
  }
  s.p1 = ones / double(s.n);
  s.decided = double(s.n) / double(kTrials);
  s.dt_mean_ms = sum / double(s.n);
  s.dt_var_ms2 = (sum_sq - sum * sum / double(s.n)) / double(s.n - 1);
  return s;
}

TEST(Decision, CoinTossAtZeroCoherence) {
  const ChoiceStats s = stats_at(psychometric_run(), 0);
  EXPECT_GT(s.decided, 0.99);
  // 4 binomial standard errors: a correct model fails with probability 6.3e-5.
  const double se = std::sqrt(0.25 / double(s.n));
  EXPECT_NEAR(s.p1, 0.5, 4 * se) << "P(choice 1) = " << s.p1 << " over " << s.n << " decided trials";
}

TEST(Decision, AccuracyRisesAndDecisionTimeFallsWithCoherence) {
  // Measured with 20000 trials per point (seed 7): P(choice 1) 0.50, 0.66, 0.79, 0.94, 0.998, 1, 1 and mean
  // decision times 379, 371, 357, 312, 238, 161, 95 ms (SD 105 .. 24 ms). The weakest step, the decision time
  // from c = 0 to 0.032, is about 7 standard errors of the difference, the weakest accuracy step (0.128 to 0.256)
  // about 25: a correct model fails this test with probability below 1e-11.
  std::vector<ChoiceStats> s;
  for (std::size_t k = 0; k < kCoherences.size(); ++k) s.push_back(stats_at(psychometric_run(), k));
  for (std::size_t k = 1; k < s.size(); ++k) {
    const double c = kCoherences[k];
    EXPECT_GT(s[k].decided, 0.99) << "c = " << c;
    if (s[k - 1].p1 < 0.999) {
      EXPECT_GT(s[k].p1, s[k - 1].p1) << "c = " << c;
    } else {
      EXPECT_GE(s[k].p1, 0.999) << "c = " << c;
    }
    const double se = std::sqrt(s[k].dt_var_ms2 / double(s[k].n) + s[k - 1].dt_var_ms2 / double(s[k - 1].n));
    EXPECT_LT(s[k].dt_mean_ms, s[k - 1].dt_mean_ms - 3 * se) << "c = " << c;
    EXPECT_LT(std::sqrt(s[k].dt_var_ms2), std::sqrt(s[k - 1].dt_var_ms2) * 1.02) << "c = " << c;
  }
  EXPECT_GT(s.back().p1, 0.999);
}

TEST(Decision, WithoutNoiseEqualInputsStayExactlySymmetric) {
  Json doc = decision_spec(2000, 1);
  doc["params"] = {{"sigma_nA", 0}, {"stim_onset_ms", 200}, {"stim_duration_ms", 1500}, {"coherence", 0}};
  doc["sweep"] = {{"mu_0_Hz", {0, 10, 30, 60}}};
  doc["record"] = {{"traces", {{"vars", {"r1_Hz", "r2_Hz", "S1", "S2"}}, {"instances", "all"}}}};
  for (const std::string integrator : {"euler", "exponential"}) {
    doc["integrator"] = integrator;
    const RunResult r = run_cpu(parse_spec(doc, "test"));
    for (const auto& [a, b] : {std::pair{"S1_final", "S2_final"}, std::pair{"r1_final_Hz", "r2_final_Hz"}}) {
      const auto &x = r.column(a).values, &y = r.column(b).values;
      for (std::size_t i = 0; i < x.size(); ++i) EXPECT_EQ(std::memcmp(&x[i], &y[i], sizeof(double)), 0) << a << " " << i;
    }
    EXPECT_EQ(std::memcmp(r.trace("r1_Hz").data(), r.trace("r2_Hz").data(), r.trace("r1_Hz").size() * 4), 0);
    EXPECT_EQ(std::memcmp(r.trace("S1").data(), r.trace("S2").data(), r.trace("S1").size() * 4), 0);
    for (std::size_t i = 0; i < r.instances.size(); ++i) {
      EXPECT_EQ(r.column("higher_at_end").values[i], 0.0);
      // Both rise together: either neither reaches the threshold or both do at the same step (a tie).
      const double choice = r.column("choice").values[i];
      EXPECT_TRUE(choice == 0 || choice == 3) << choice;
    }
    EXPECT_EQ(r.column("choice").values[3], 3.0) << "60 Hz into both must drive both over 15 Hz";
  }
}

// Working memory without noise: 35 Hz into population 1 from 0.2 to 0.5 s, then (second half) -45 Hz for 0.3 s
// from 3 s.
Json working_memory_spec(bool reset) {
  Json doc = decision_spec(reset ? 5000 : 3000, 1);
  doc["params"] = {{"sigma_nA", 0},           {"pulse1_onset_ms", 200}, {"pulse1_duration_ms", 300},
                   {"pulse1_mu1_Hz", 35},      {"probe1_ms", 500},       {"probe2_ms", 2000}};
  if (reset) {
    doc["params"]["pulse2_onset_ms"] = 3000;
    doc["params"]["pulse2_duration_ms"] = 300;
    doc["params"]["pulse2_mu1_Hz"] = -45;
    doc["params"]["probe1_ms"] = 2990;
  }
  doc["record"] = {{"traces", {{"vars", {"r1_Hz", "r2_Hz"}}, {"instances", {0}}, {"every", 20}}}};
  return doc;
}

TEST(Decision, WorkingMemoryPersistsAfterTheInputAndANegativeInputResetsIt) {
  const RunResult wm = run_cpu(parse_spec(working_memory_spec(false), "test"));
  // r1 keeps rising after the input ends (0.5 s) and crosses 15 Hz near 1.3 s (measured 1257 ms).
  EXPECT_EQ(wm.column("choice").values[0], 1.0);
  EXPECT_NEAR(wm.column("decision_time_ms").values[0], 1300, 150);
  const auto& r1 = wm.trace("r1_Hz");
  const auto& r2 = wm.trace("r2_Hz");
  const std::size_t at_500ms = 500 / 10, at_1s = 1000 / 10;  // samples every 20 steps of 0.5 ms
  EXPECT_LT(r1[at_500ms], 15.0);
  EXPECT_GT(r1[at_1s], r1[at_500ms]);
  // It settles near 20 Hz (measured 20.43) while r2 falls below 1 Hz (0.51), and stays there.
  EXPECT_NEAR(wm.column("r1_probe2_Hz").values[0], 20.2, 0.5);
  EXPECT_NEAR(wm.column("r1_final_Hz").values[0], 20.4, 0.5);
  EXPECT_LT(wm.column("r2_final_Hz").values[0], 1.0);
  for (std::size_t k = 1500 / 10; k < r1.size(); ++k) {
    ASSERT_GT(r1[k], 15.0) << "sample " << k;
    ASSERT_LT(r2[k], 1.0) << "sample " << k;
  }
  // The negative input returns both to the spontaneous state (about 1.8 Hz).
  const RunResult reset = run_cpu(parse_spec(working_memory_spec(true), "test"));
  EXPECT_GT(reset.column("r1_probe1_Hz").values[0], 19.0);
  EXPECT_NEAR(reset.column("r1_final_Hz").values[0], 1.8, 0.15);
  EXPECT_NEAR(reset.column("r2_final_Hz").values[0], 1.8, 0.15);
}

TEST(Decision, SpontaneousStateWithoutStimulusStaysLow) {
  Json doc = decision_spec(3000, 200);
  const RunResult r = run_cpu(parse_spec(doc, "test"));
  for (std::size_t i = 0; i < r.instances.size(); ++i) {
    EXPECT_EQ(r.column("choice").values[i], 0.0) << i;
    EXPECT_LT(r.column("r1_final_Hz").values[i], 6.0) << i;
    EXPECT_LT(r.column("r2_final_Hz").values[i], 6.0) << i;
  }
}

// The binned sums against a recomputation from full traces of every trial.
TEST(Decision, BinnedRatesAreTheChoiceSplitMeansOfTheTraces) {
  Json doc = decision_spec(1001, 300);  // 2002 steps: the last of the 50-step bins is partial (2 steps)
  doc["params"] = {{"stim_onset_ms", 100}, {"stim_duration_ms", 800}};
  doc["sweep"] = {{"coherence", {0.0, 0.1}}};
  doc["record"] = {{"binned", {{"bin_ms", 25}}}, {"traces", {{"vars", {"r1_Hz", "r2_Hz"}}, {"instances", "all"}}}};
  const Spec spec = parse_spec(doc, "test");
  ASSERT_EQ(spec.binned.n_bins, 41u);
  const RunResult r = run_cpu(spec);
  const std::size_t bins = 41, groups = 4, samples = r.trace_samples;
  ASSERT_EQ(r.binned.counts.size(), 2 * groups);
  ASSERT_EQ(r.binned.sums.size(), 2 * groups * 2 * bins);
  const auto& choice = r.column("choice").values;
  for (std::size_t point = 0; point < 2; ++point) {
    std::vector<double> expected(groups * 2 * bins, 0.0);
    std::vector<std::uint64_t> counts(groups, 0);
    for (std::size_t i = point * 300; i < (point + 1) * 300; ++i) {
      const std::size_t g = static_cast<std::size_t>(choice[i]);
      ++counts[g];
      for (std::size_t pop = 0; pop < 2; ++pop) {
        const float* trace = (pop == 0 ? r.trace("r1_Hz") : r.trace("r2_Hz")).data() + i * samples;
        for (std::size_t b = 0; b < bins; ++b) {
          const std::size_t first = b * 50, last = std::min<std::size_t>(first + 50, 2002);
          float sum = 0;  // the kernel's order: step after step, in float
          for (std::size_t t = first; t < last; ++t) sum += trace[t];
          expected[(g * 2 + pop) * bins + b] += double(sum / float(last - first));
        }
      }
    }
    EXPECT_EQ(counts[1] + counts[2], 300u);
    for (std::size_t g = 0; g < groups; ++g) {
      ASSERT_EQ(r.binned.counts[point * groups + g], counts[g]) << "point " << point << " group " << g;
      for (std::size_t k = 0; k < 2 * bins; ++k) {
        const double got = double(r.binned.sums[(point * groups + g) * 2 * bins + k]) / 1048576.0;
        // Each trial's bin mean is rounded to 2^-20 Hz: at most 2^-21 Hz per trial.
        EXPECT_NEAR(got, expected[g * 2 * bins + k], 300 * 0.5 / 1048576.0 + 1e-9) << point << " " << g << " " << k;
      }
    }
  }
}

// tests/models/decision.json: test_every_model.cpp checks chunk size, threads, instance order, batches and exact
// CPU/CUDA parity with it, for both integrators.
const char* kReproSpec = R"({"model": "decision", "duration_ms": 800, "trials": 23, "seed": 99,
  "params": {"stim_onset_ms": 100, "stim_duration_ms": 500, "probe1_ms": 300, "probe2_ms": 650,
             "pulse1_onset_ms": 50, "pulse1_duration_ms": 30, "pulse1_I2_nA": 0.01},
  "sweep": {"coherence": [0, 0.05, 0.2], "phi": [1, 2]},
  "record": {"binned": {"bin_ms": 20}, "traces": {"vars": ["r1_Hz", "S2"], "instances": [0, 40, 137], "every": 7}}})";

TEST(Decision, NoiseIsKeyedBySeed) {
  Json doc = Json::parse(kReproSpec);
  const RunResult a = run_cpu(parse_spec(doc, "test"));
  doc["seed"] = 100;
  const RunResult b = run_cpu(parse_spec(doc, "test"));
  EXPECT_FALSE(compare_results(a, b).identical());
}

// The CUDA kernel's thread loop (decision::advance_trial: the integrator and the recording as template
// parameters, steps in blocks of 4, the stimulus recomputed only at pulse edges), run on the host over the CPU
// backend's buffers. It must give the CPU lane loop's bits however a run is cut into calls; the GPU parity tests
// then only have the device's arithmetic left to check.
struct TrialLoopOnHost : CpuBackend {
  template <class Traits, class View>
  static void advance(const View& v, std::uint32_t step_begin, std::uint32_t step_end, const EngineConfig&) {
    for (std::size_t i = 0; i < v.n; ++i) {
      if (decision::records(v)) {
        decision::advance_trial<ExactMath, true>(v, i, step_begin, step_end);
      } else {
        decision::advance_trial<ExactMath, false>(v, i, step_begin, step_end);
      }
    }
  }
};


TEST(Decision, GpuTrialLoopOnTheHostMatchesTheCpuLanesBitwise) {
  Json unrecorded = Json::parse(kReproSpec);
  unrecorded.erase("record");
  const std::vector<std::pair<std::string, Json>> cases = {
      {"noisy, pulses, probes, traces and bins", Json::parse(kReproSpec)},
      {"unrecorded", unrecorded},
      {"noiseless working memory and reset", working_memory_spec(true)}};
  // One call; calls cut inside and at the ends of 4-step noise blocks, and at pulse edges (kReproSpec's pulse 1
  // is steps [100, 160), the stimulus [200, 1200); the reset protocol's pulses start at 400 and 6000).
  const std::vector<std::vector<std::uint32_t>> cuts = {{}, {1, 2, 7, 8, 100, 101, 160, 203, 1201}, {3, 5, 6, 400, 6001}};
  for (const auto& [label, doc_in] : cases) {
    for (const std::string integrator : {"euler", "exponential"}) {
      Json doc = doc_in;
      doc["integrator"] = integrator;
      const Spec spec = parse_spec(doc, "test");
      const EngineConfig config{"cpu", MathMode::exact, 1};
      BufferedEngine<DecisionTraits, CpuBackend> lanes(config);
      const ChunkResult want = test::run_in_calls(lanes, spec, {});
      for (const auto& cut : cuts) {
        std::vector<std::uint32_t> inside;
        std::copy_if(cut.begin(), cut.end(), std::back_inserter(inside), [&](std::uint32_t n) { return n < spec.n_steps; });
        BufferedEngine<DecisionTraits, TrialLoopOnHost> trials(config);
        const ChunkResult got = test::run_in_calls(trials, spec, inside);
        const std::string where = label + ", " + integrator + ", " + std::to_string(inside.size()) + " cuts";
        test::expect_same_bits(got, want, spec, where);
      }
    }
  }
}

TEST(DecisionParity, NoiselessExactModeIsBitwiseIdentical) {
  NB_REQUIRE_CUDA();
  const Spec spec = parse_spec(working_memory_spec(true), "test");
  const CompareReport report = compare_results(run_on(spec, "cpu"), run_on(spec, "cuda"));
  EXPECT_TRUE(report.identical()) << report.to_text();
}

TEST(DecisionParity, FastMathGivesTheSameChoiceStatistics) {
  NB_REQUIRE_CUDA();
  Json doc = decision_spec(2500, 4000);
  doc["params"] = {{"stim_onset_ms", 500}, {"stim_duration_ms", 2000}};
  doc["sweep"] = {{"coherence", {0.0, 0.064}}};
  const Spec spec = parse_spec(doc, "test");
  RunOptions fast;
  fast.math = MathMode::fast;
  const RunResult cpu = run_on(spec, "cpu"), gpu = run_on(spec, "cuda", fast);
  for (std::size_t point = 0; point < 2; ++point) {
    double p_cpu = 0, p_gpu = 0;
    for (std::size_t i = point * 4000; i < (point + 1) * 4000; ++i) {
      p_cpu += cpu.column("choice").values[i] == 1;
      p_gpu += gpu.column("choice").values[i] == 1;
    }
    // Same noise, slightly different rounding: most trials make the same choice, so the fractions agree far
    // more closely than two independent samples would (5 binomial SE of independent samples: 0.04).
    EXPECT_NEAR(p_cpu / 4000, p_gpu / 4000, 0.04) << "point " << point;
  }
}

Json with_params(Json params) {
  Json doc = decision_spec(1000, 1);
  doc["params"] = std::move(params);
  return doc;
}

// Out-of-range values of single parameters and unknown names: test_every_model.cpp, for every model.
TEST(Decision, BadSpecsNameTheField) {
  EXPECT_NO_THROW(parse_spec(with_params({{"stim_onset_ms", 500}, {"stim_duration_ms", 500}, {"probe1_ms", 999}}), "t"));
  EXPECT_EQ(parse_spec(decision_spec(1000, 1), "t").dt_ms, 0.5);  // the model's default
  expect_spec_error(with_params({{"tau_AMPA_ms", 0.25}}), "params.tau_AMPA_ms");  // below dt = 0.5 ms
  expect_spec_error(with_params({{"stim_onset_ms", 800}, {"stim_duration_ms", 300}}), "params.stim_duration_ms");
  expect_spec_error(with_params({{"pulse2_onset_ms", 990}, {"pulse2_duration_ms", 20}}), "params.pulse2_duration_ms");
  expect_spec_error(with_params({{"probe2_ms", 1000}}), "params.probe2_ms");
  Json swept = decision_spec(1000, 1);
  swept["sweep"] = {{"stim_duration_ms", {100, 2000}}};
  expect_spec_error(swept, "sweep.stim_duration_ms");
  Json binned = decision_spec(1000, 1);
  binned["record"] = {{"binned", {{"bin_ms", 0.75}}}};
  expect_spec_error(binned, "record.binned.bin_ms");
  binned["record"] = {{"binned", {{"bin_ms", 2000}}}};
  expect_spec_error(binned, "record.binned.bin_ms");
  Json lif = Json{{"model", "lif"}, {"duration_ms", 100}, {"record", {{"binned", {{"bin_ms", 10}}}}}};
  expect_spec_error(lif, "record.binned");
}

}  // namespace
}  // namespace nb
