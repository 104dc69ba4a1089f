// Kinetic synapse ensembles (MODELS.md section 2).
#include "tests/test_util.hpp"

namespace nb {
namespace {

TEST(Synapse, ReceptorPresetsSetTheDecayTime) {
  const Spec spec = test::spec_from(R"({"model": "synapse", "duration_ms": 10, "dt_ms": 0.1,
                                        "sweep": {"receptor": ["AMPA", "GABA_A", "NMDA"]}})");
  EXPECT_EQ(spec.param(0, "tau_s_ms"), 2.0);
  EXPECT_EQ(spec.param(1, "tau_s_ms"), 10.0);
  EXPECT_EQ(spec.param(2, "tau_s_ms"), 100.0);
}

}  // namespace
}  // namespace nb
