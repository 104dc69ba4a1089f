// Self-sustained (bistable) population (MODELS.md section 4).
#include "tests/test_util.hpp"

namespace nb {
namespace {

TEST(SelfSustained, RelaxesToTheFixedPointOnEachSideOfTheUnstableOne) {
  // gamma = 0.641: stable fixed points 0.12038 and 0.62873, unstable 0.24200 (MODELS.md).
  const RunResult r = test::run_cpu(test::spec_from(R"({"model": "self_sustained", "duration_ms": 5000, "dt_ms": 0.5,
      "sweep": {"s_init": [0, 0.2, 0.235, 0.25, 0.3, 0.8]}})"));
  const auto& s = r.column("s_final").values;
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(s[i], 0.12038, 2e-4) << "s_init index " << i;
  for (int i = 3; i < 6; ++i) EXPECT_NEAR(s[i], 0.62873, 2e-4) << "s_init index " << i;
}

}  // namespace
}  // namespace nb
