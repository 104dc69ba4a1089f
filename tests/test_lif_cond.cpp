// Conductance-driven LIF neurons (MODELS.md sections 1 and 2).
#include "tests/test_util.hpp"

namespace nb {
namespace {

TEST(LifCond, MeanConductanceMatchesPoissonGating) {
  // Each of K inputs is a kinetic synapse with mean gate r tau q / (1 + r tau q) (continuous-time value; the
  // discrete step adds O(dt) which the tolerance covers): the AMPA conductance averages g K times that.
  const Spec spec = test::spec_from(R"({"model": "lif_cond", "duration_ms": 4000, "dt_ms": 0.05, "seed": 1,
      "trials": 8, "params": {"transient_ms": 100, "K_E": 50, "r_E_Hz": 20, "g_AMPA_nS": 0.5, "K_I": 0}})");
  const RunResult r = test::run_cpu(spec);
  const double q = 1.0 - std::exp(-1.0), rtq = 20.0 * 2e-3 * q;
  const double expected = 0.5 * 50 * rtq / (1.0 + rtq);
  double mean = 0;
  for (double v : r.column("g_AMPA_mean_nS").values) mean += v / 8;
  EXPECT_NEAR(mean, expected, 0.03 * expected);
}

}  // namespace
}  // namespace nb
