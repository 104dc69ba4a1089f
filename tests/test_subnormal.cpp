// Decaying state is flushed to zero instead of sinking into subnormals (kernels/common/subnormal.hpp): the flush
// itself, and the models whose state decays towards zero (ring rates, synapse gates, network conductances), run long
// enough for the state to pass 1e-38 and, without the flush, to stay subnormal.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/common/subnormal.hpp"
#include "tests/test_util.hpp"

namespace nb {
namespace {

constexpr float kMin = std::numeric_limits<float>::min();

TEST(FlushSubnormal, ZeroesSubnormalsAndKeepsEverythingElse) {
  EXPECT_EQ(kSmallestNormalFloat, kMin);
  for (float x : {kMin, -kMin, 1.0f, -3.5e-30f, 1e30f}) EXPECT_EQ(flush_subnormal(x), x) << x;
  for (float x : {std::nextafter(kMin, 0.0f), std::numeric_limits<float>::denorm_min(), 1e-40f}) {
    EXPECT_EQ(flush_subnormal(x), 0.0f) << x;
    EXPECT_FALSE(std::signbit(flush_subnormal(x))) << x;
    EXPECT_EQ(flush_subnormal(-x), 0.0f) << -x;
    EXPECT_TRUE(std::signbit(flush_subnormal(-x))) << -x;  // a zero of the value's sign
  }
  EXPECT_EQ(flush_subnormal(0.0f), 0.0f);
  EXPECT_TRUE(std::isnan(flush_subnormal(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(flush_subnormal(std::numeric_limits<float>::infinity()), std::numeric_limits<float>::infinity());
}

// Counts the zeros and the subnormals among the recorded floats (traces and per-instance arrays) of a run.
struct Census {
  std::size_t zeros = 0, subnormals = 0;
};
Census census(const RunResult& r) {
  Census c;
  auto count = [&](const std::vector<float>& values) {
    for (float v : values) {
      if (v == 0.0f) ++c.zeros;
      else if (std::fabs(v) < kMin) ++c.subnormals;
    }
  };
  for (const auto& t : r.traces) count(t);
  for (const auto& a : r.arrays) count(a);
  return c;
}

void expect_flushed(const std::string& spec_json, const std::string& what) {
  const RunResult r = test::run_cpu(test::spec_from(spec_json));
  const Census c = census(r);
  EXPECT_EQ(c.subnormals, 0u) << what;
  EXPECT_GT(c.zeros, 100u) << what << ": the state should have decayed to zero (else the test checks nothing)";
}

TEST(Subnormals, RingRatesBelowThresholdDecayToZero) {
  // The seed's ring size at dt = 1 ms: the flanks below threshold decay by 0.9 per step, past 1e-38 in 900 steps.
  expect_flushed(R"({"model": "ring", "duration_ms": 2000, "dt_ms": 1, "seed": 3, "trials": 2,
                     "params": {"N": 100, "J0": -7.3, "J2": 11, "eps": 0.1},
                     "sweep": {"contrast": [0.1, 0.8]}})",
                 "ring profiles");
}

TEST(Subnormals, SynapseGatesBetweenRareSpikesDecayToZero) {
  // AMPA (tau 5 ms) driven at 0.2 Hz: gaps of seconds, 1e-38 after 0.45 s.
  expect_flushed(R"({"model": "synapse", "duration_ms": 10000, "dt_ms": 0.1, "seed": 1, "trials": 2,
                     "params": {"train": "poisson", "rate_Hz": 0.2, "receptor": "AMPA"},
                     "record": {"traces": {"vars": ["s"], "instances": [0, 1], "every": 10}}})",
                 "synapse gates");
}

TEST(Subnormals, NetworkConductancesInSilenceDecayToZero) {
  // Without external drive the kicked network falls silent; its conductances then decay for seconds.
  expect_flushed(R"({"model": "network", "duration_ms": 3000, "dt_ms": 0.1, "seed": 1, "trials": 2,
                     "params": {"N": 200, "p": 0.1, "w_e_nS": 6, "w_i_nS": 40, "ext_rate_Hz": 0, "trace_neuron": 7},
                     "record": {"traces": {"vars": ["g_e_nS", "g_i_nS"], "instances": [0, 1], "every": 10}}})",
                 "network conductances");
}

}  // namespace
}  // namespace nb
