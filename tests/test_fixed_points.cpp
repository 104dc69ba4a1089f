// Fixed points and saddle-node bifurcations of the self-sustained population against docs/models/self_sustained.md.
#include <gtest/gtest.h>

#include "host/common/errors.hpp"
#include "host/models/self_sustained/self_sustained_fixed_points.hpp"
#include "tests/test_util.hpp"

namespace nb {
namespace {

TEST(FixedPoints, ThreeStatesAtTheNotebookParameters) {
  RateModelParams p;
  p.gamma = 0.64;
  const auto fps = fixed_points(p);
  ASSERT_EQ(fps.size(), 3u);
  EXPECT_NEAR(fps[0].s, 0.11956, 1e-4);
  EXPECT_NEAR(fps[1].s, 0.24381, 1e-4);
  EXPECT_NEAR(fps[2].s, 0.62774, 1e-4);
  EXPECT_TRUE(fps[0].stable);
  EXPECT_FALSE(fps[1].stable);
  EXPECT_TRUE(fps[2].stable);
  EXPECT_NEAR(fps[0].rate_Hz, 2.12, 0.01);
  EXPECT_NEAR(fps[2].rate_Hz, 26.35, 0.01);
  p.gamma = 0.641;
  const auto fps2 = fixed_points(p);
  ASSERT_EQ(fps2.size(), 3u);
  EXPECT_NEAR(fps2[0].s, 0.12038, 1e-4);
  EXPECT_NEAR(fps2[1].s, 0.24200, 1e-4);
  EXPECT_NEAR(fps2[2].s, 0.62873, 1e-4);
}

TEST(FixedPoints, SaddleNodesBoundTheBistableRange) {
  // docs/models/self_sustained.md's bistable ranges are those of the notebook's gamma = 0.64.
  RateModelParams p;
  p.gamma = 0.64;
  const auto g = saddle_nodes(p, "g_E_nA", 0.24, 0.33);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_NEAR(g[0], 0.2607, 1e-4);
  EXPECT_NEAR(g[1], 0.2896, 1e-4);
  const auto I = saddle_nodes(p, "I_0_nA", 0.30, 0.33);
  ASSERT_EQ(I.size(), 2u);
  EXPECT_NEAR(I[0], 0.3109, 1e-4);
  EXPECT_NEAR(I[1], 0.3216, 1e-4);
  p.g_E_nA = 0.25;  // outside the range: one fixed point
  EXPECT_EQ(fixed_points(p).size(), 1u);
}

TEST(FixedPoints, SimulationSettlesOnTheStableStates) {
  // The kernels' long-run states are the analysis' stable fixed points.
  const Spec spec = test::spec_from(R"({"model": "self_sustained", "duration_ms": 8000, "dt_ms": 0.5,
      "sweep": {"s_init": [0.0, 0.9]}})");
  const RunResult r = test::run_cpu(spec);
  const auto fps = fixed_points(RateModelParams{});
  ASSERT_EQ(fps.size(), 3u);
  EXPECT_NEAR(r.column("s_final").values[0], fps[0].s, 1e-4);
  EXPECT_NEAR(r.column("s_final").values[1], fps[2].s, 1e-4);
}

TEST(FixedPoints, ReportForASpecSweepingGE) {
  const Spec spec = test::spec_from(R"({"model": "self_sustained", "duration_ms": 10, "dt_ms": 0.5,
      "params": {"gamma": 0.64}, "sweep": {"g_E_nA": {"linspace": [0.24, 0.33, 10]}}})");
  const auto report = fixed_point_report(spec);
  ASSERT_EQ(report["points"].size(), 10u);
  EXPECT_EQ(report["saddle_nodes"]["param"], "g_E_nA");
  ASSERT_EQ(report["saddle_nodes"]["values"].size(), 2u);
  EXPECT_NEAR(report["saddle_nodes"]["values"][0].get<double>(), 0.2607, 1e-4);
  const Spec lif = test::spec_from(R"({"model": "lif", "duration_ms": 10})");
  EXPECT_THROW((void)fixed_point_report(lif), UserError);
}

}  // namespace
}  // namespace nb
