// An instance's results depend only on (spec, seed, instance index): not on batch size, chunking, instance
// order, thread count or time segmentation. Checked bitwise.
#include <algorithm>
#include <cstring>
#include <numeric>

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

// Results of `sub` (instances in any order) must equal those instances in `full`, field by field, bitwise.
void expect_same_instances(const RunResult& full, const RunResult& sub) {
  for (const ObservableColumn& c : sub.observables) {
    const auto& ref = full.column(c.name).values;
    for (std::size_t i = 0; i < sub.instances.size(); ++i) {
      const double a = ref[sub.instances[i]], b = c.values[i];
      EXPECT_TRUE(std::memcmp(&a, &b, sizeof a) == 0) << c.name << " of instance " << sub.instances[i];
    }
  }
}

TEST(LifReproducibility, ChunkSizeDoesNotMatter) {
  const Spec spec = spec_from(kNoisySweep);
  const RunResult whole = run_cpu(spec);
  for (std::uint64_t chunk : {1u, 7u, 16u, 33u}) {
    RunOptions o;
    o.chunk_instances = chunk;
    const RunResult chunked = run_cpu(spec, o);
    EXPECT_GT(chunked.chunks, 1u);
    const CompareReport report = compare_results(whole, chunked);
    EXPECT_TRUE(report.identical()) << "chunk " << chunk << "\n" << report.to_text();
  }
}

TEST(LifReproducibility, ThreadCountDoesNotMatter) {
  const Spec spec = spec_from(kNoisySweep);
  RunOptions one, two;
  one.threads = 1;
  two.threads = 2;
  const CompareReport report = compare_results(run_cpu(spec, one), run_cpu(spec, two));
  EXPECT_TRUE(report.identical()) << report.to_text();
}

TEST(LifReproducibility, InstanceOrderAndBatchSizeDoNotMatter) {
  const Spec spec = spec_from(kNoisySweep);
  const RunResult full = run_cpu(spec);
  RunOptions reversed;
  reversed.instances.resize(spec.n_instances());
  std::iota(reversed.instances.rbegin(), reversed.instances.rend(), std::uint64_t(0));
  expect_same_instances(full, run_cpu(spec, reversed));
  RunOptions few;  // a batch of 3 scattered instances
  few.instances = {68, 2, 41};
  expect_same_instances(full, run_cpu(spec, few));
}

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
