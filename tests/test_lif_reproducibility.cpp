// LIF noise: the seed keys it, trials of one point differ, recorded spike times agree with the counts and the
// first-spike time. Independence of chunk size, threads, instance order and batch is checked for every model in
// test_every_model.cpp (with tests/models/lif.json).
#include <algorithm>

#include "host/io/compare.hpp"
#include "tests/test_util.hpp"

namespace nb {
namespace {

using test::run_cpu;
using test::spec_from;

// Noisy, distinct parameters per instance, spikes and traces recorded: every code path that could leak
// state between instances is active.
const char* kNoisySweep = R"({
  "model": "lif", "duration_ms": 300, "dt_ms": 0.1, "seed": 99, "trials": 5, "integrator": "exact",
  "sweep": {"I_nA": {"linspace": [0.3, 0.5, 7]}, "sigma_mV_sqrt_ms": [0.5, 1.5]},
  "record": {"traces": {"vars": ["V_mV"], "instances": [0, 13, 69], "every": 7},
             "spikes": {"instances": "all", "max_per_instance": 8}}
})";

TEST(LifReproducibility, SameSeedSameResultsDifferentSeedDifferentNoise) {
  const Spec spec = spec_from(kNoisySweep);
  EXPECT_TRUE(compare_results(run_cpu(spec), run_cpu(spec)).identical());
  nlohmann::ordered_json other = nlohmann::ordered_json::parse(kNoisySweep);
  other["seed"] = 100;
  const RunResult a = run_cpu(spec), b = run_cpu(parse_spec(other));
  EXPECT_FALSE(compare_results(a, b).identical());
}

TEST(LifReproducibility, TrialsOfOnePointDiffer) {
  // Trials are independent noise realisations: identical parameters, different instance keys.
  const Spec spec = spec_from(kNoisySweep);
  const RunResult r = run_cpu(spec);
  const auto& first = r.column("first_spike_ms").values;
  EXPECT_FALSE(first[0] == first[1] && first[1] == first[2] && first[2] == first[3]);
}

TEST(LifReproducibility, SpikeTimesMatchCountsAndIntervals) {
  const Spec spec = spec_from(kNoisySweep);
  const RunResult r = run_cpu(spec);
  ASSERT_EQ(r.spike_instances.size(), spec.n_instances());
  std::uint64_t overflow = 0;
  for (std::size_t i = 0; i < r.instances.size(); ++i) {
    const auto n = static_cast<std::uint32_t>(r.column("spike_count").values[i]);
    overflow += n > 8 ? 1 : 0;
    const std::uint32_t* steps = &r.spike_steps[i * 8];
    if (n >= 1) EXPECT_DOUBLE_EQ(steps[0] * spec.dt_ms, r.column("first_spike_ms").values[i]);
    for (std::uint32_t k = 1; k < std::min(n, 8u); ++k) EXPECT_GT(steps[k], steps[k - 1]);
  }
  EXPECT_EQ(overflow, r.spike_overflow_instances);
  EXPECT_GT(overflow, 0u) << "the test spec should overflow the 8-spike buffer somewhere";
}

}  // namespace
}  // namespace nb
