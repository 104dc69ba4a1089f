// CPU reference against the CUDA backend: bitwise identical in exact math mode. Without a usable GPU every test
// here reports itself skipped, with the reason.
#include "host/io/compare.hpp"
#include "tests/test_util.hpp"

namespace nb {
namespace {

using test::run_on;
using test::spec_from;

std::string parity_spec(const std::string& integrator, double sigma) {
  return R"({"model": "lif", "duration_ms": 500, "dt_ms": 0.05, "seed": 2024, "trials": 37, "integrator": ")" +
         integrator + R"(", "params": {"sigma_mV_sqrt_ms": )" + std::to_string(sigma) + R"(},
    "sweep": {"I_nA": {"linspace": [0.2, 0.6, 9]}, "t_ref_ms": [0, 2.5]},
    "record": {"traces": {"vars": ["V_mV"], "instances": [0, 100, 665], "every": 3},
               "spikes": {"instances": [1, 50, 400], "max_per_instance": 20}}})";
}

void expect_bitwise_parity(const Spec& spec) {
  const RunResult cpu = run_on(spec, "cpu");
  const RunResult cuda = run_on(spec, "cuda");
  const CompareReport report = compare_results(cpu, cuda);
  EXPECT_TRUE(report.identical()) << report.to_text();
}

TEST(LifParity, NoiselessExactIntegrator) {
  NB_REQUIRE_CUDA();
  expect_bitwise_parity(spec_from(parity_spec("exact", 0.0)));
}

TEST(LifParity, NoisyExactIntegrator) {
  NB_REQUIRE_CUDA();
  expect_bitwise_parity(spec_from(parity_spec("exact", 0.8)));
}

TEST(LifParity, NoisyEuler) {
  NB_REQUIRE_CUDA();
  expect_bitwise_parity(spec_from(parity_spec("euler", 0.8)));
}

TEST(LifParity, ChunkedCudaRunMatchesCpu) {
  NB_REQUIRE_CUDA();
  const Spec spec = spec_from(parity_spec("exact", 0.8));
  RunOptions chunked;
  chunked.chunk_instances = 100;
  const CompareReport report = compare_results(run_on(spec, "cpu"), run_on(spec, "cuda", chunked));
  EXPECT_TRUE(report.identical()) << report.to_text();
}

TEST(LifParity, FastMathStaysClose) {
  // Fast mode uses hardware log/sin/cos: individual spike times may shift, statistics must not.
  NB_REQUIRE_CUDA();
  const Spec spec = spec_from(parity_spec("exact", 0.8));
  RunOptions fast;
  fast.math = MathMode::fast;
  const RunResult cpu = run_on(spec, "cpu"), gpu = run_on(spec, "cuda", fast);
  double rate_cpu = 0, rate_gpu = 0;
  for (double v : cpu.column("rate_Hz").values) rate_cpu += v;
  for (double v : gpu.column("rate_Hz").values) rate_gpu += v;
  EXPECT_NEAR(rate_gpu, rate_cpu, 0.02 * rate_cpu);
}

}  // namespace
}  // namespace nb
