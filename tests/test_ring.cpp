// Ben-Yishai ring model (docs/models/ring.md): the linear steady state, the marginal phase's bump width,
// contrast invariance, the moments against a direct O(N^2) sum, runaway flags, the seed, CPU-CUDA parity over
// ring sizes and runaway, and rejected specs.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "host/io/compare.hpp"
#include "host/common/errors.hpp"
#include "host/models/ring/ring_model.hpp"
#include "kernels/ring/ring_kernels.hpp"
#include "tests/test_util.hpp"

namespace nb {
namespace {

using test::run_cpu;
using test::expect_spec_error;
using test::run_on;
using Json = nlohmann::ordered_json;

constexpr double kPi = 3.14159265358979323846;

Json ring_spec(double duration_ms, double dt_ms, Json params) {
  return Json{{"model", "ring"}, {"duration_ms", duration_ms}, {"dt_ms", dt_ms}, {"params", std::move(params)}};
}

double theta(std::size_t j, std::size_t N) { return -kPi / 2 + kPi * double(j) / double(N); }

// Profile of instance i of a run (N floats).
std::vector<float> profile(const RunResult& r, std::size_t i) {
  const std::size_t N = r.array_widths[0];
  return std::vector<float>(r.arrays[0].begin() + i * N, r.arrays[0].begin() + (i + 1) * N);
}

TEST(Ring, LinearRegimeSteadyStateIsTheClosedForm) {
  // J0 < 1, J2 < 2, all rates positive: r = A c [(1 - eps)/(1 - J0) + eps cos(2 (theta - cue)) / (1 - J2/2)].
  // 3 s = 300 tau: the transient has decayed below float resolution; the float state then sits within a few
  // ulp-sized steps of the fixed point (measured max relative error 1.2e-5 at N = 256; asserted 3e-5).
  Json doc = ring_spec(3000, 0.1, {{"N", 256}, {"J0", -0.5}, {"J2", 1}, {"eps", 0.1}, {"theta_cue_rad", 0.3}});
  doc["sweep"] = {{"contrast", {0.1, 0.8}}};
  const RunResult r = run_cpu(parse_spec(doc, "test"));
  for (std::size_t k = 0; k < 2; ++k) {
    const double c = k == 0 ? 0.1 : 0.8;
    const std::vector<float> p = profile(r, k);
    double worst = 0;
    for (std::size_t j = 0; j < p.size(); ++j) {
      const double expected = 40 * c * (0.9 / 1.5 + 0.1 * std::cos(2 * (theta(j, 256) - 0.3)) / 0.5);
      worst = std::max(worst, std::fabs(p[j] - expected) / expected);
    }
    EXPECT_LT(worst, 3e-5) << "c = " << c;
    EXPECT_NEAR(r.column("pv_angle_deg").values[k], 0.3 * 180 / kPi, 0.01);
    EXPECT_EQ(r.column("runaway").values[k], 0.0);
    EXPECT_LT(r.column("converged_ms").values[k], 1000.0);
  }
}

TEST(Ring, MarginalPhaseBumpWidthSolvesTheSelfConsistency) {
  // eps = 0, J2 > 2: a bump whose half-width theta_c solves (J2/pi)(theta_c - sin(4 theta_c)/4) = 1, for any
  // contrast (docs/models/ring.md: 59.73, 42.49, 29.16 deg). The edge comes from the input's zero crossing, interpolated
  // between neurons: measured within 0.002 deg at N = 256 (asserted 0.02 deg, 1/35 of a grid step).
  Json doc = ring_spec(2000, 0.1, {{"N", 256}, {"eps", 0}, {"theta_0_rad", 0.35}});
  doc["sweep"] = {{"contrast", {0.1, 0.4, 0.8}}};
  doc["zip"] = Json::array({{{"J0", {-1, -1, -7.3}}, {"J2", {2.5, 4.5, 11}}}});
  const RunResult r = run_cpu(parse_spec(doc, "test"));
  const double theory[] = {59.7315, 42.4936, 29.1648};
  for (std::size_t k = 0; k < 9; ++k) {
    EXPECT_NEAR(r.column("half_width_deg").values[k], theory[k % 3], 0.02) << "point " << k;
    // The bump forms where the initial condition put it (theta_0 = 0.35 rad = 20.05 deg).
    EXPECT_NEAR(r.column("pv_angle_deg").values[k], 0.35 * 180 / kPi, 0.5) << "point " << k;
  }
}

TEST(Ring, ContrastInvariance) {
  // Positively homogeneous dynamics: with r(0) = 0 and input proportional to c, doubling c doubles every rate;
  // scaling by 2 commutes with IEEE rounding, so the profiles are exactly proportional, bit for bit.
  Json doc = ring_spec(1000, 0.1, {{"N", 256}, {"J0", -7.3}, {"J2", 11}, {"eps", 0.1}, {"initial", "uniform"}});
  doc["sweep"] = {{"contrast", {0.1, 0.2, 0.4, 0.8, 0.3}}};
  const RunResult r = run_cpu(parse_spec(doc, "test"));
  const std::vector<float> base = profile(r, 0);
  for (std::size_t k = 1; k < 4; ++k) {
    const float factor = float(1 << k);
    const std::vector<float> p = profile(r, k);
    for (std::size_t j = 0; j < p.size(); ++j) {
      // Exact except in the subnormal range (silent neurons decaying to 0), where rounding is absolute.
      if (std::fabs(base[j]) < 1e-30f) {
        ASSERT_LT(std::fabs(p[j]), 1e-30f) << "c x " << factor << ", j = " << j;
      } else {
        ASSERT_EQ(p[j], factor * base[j]) << "c x " << factor << ", j = " << j;
      }
    }
    EXPECT_EQ(r.column("half_width_deg").values[k], r.column("half_width_deg").values[0]);
  }
  // Any other factor: proportional to float resolution once converged (relative 1e-5).
  const std::vector<float> p3 = profile(r, 4);
  for (std::size_t j = 0; j < p3.size(); ++j) {
    EXPECT_NEAR(p3[j], 3.0f * base[j], 1e-5 * 3.0 * r.column("peak_Hz").values[0]) << j;
  }
}

TEST(Ring, OneStepMatchesTheDirectConnectivitySum) {
  // dt = tau: one Euler step gives r_j(dt) = [h_j + sum_k W_jk r_k(0)]+ exactly; the kernel's moments (all three
  // modes) against an O(N^2) sum in double over random initial profiles, for several N (not multiples of 128).
  for (const int N : {8, 100, 250, 256, 1000}) {
    Json doc = ring_spec(1, 1, {{"N", N}, {"tau_ms", 1}, {"initial", "random"}, {"alpha_Hz", 10}, {"r0_Hz", 1},
                                {"A_Hz", 40}, {"contrast", 1}, {"eps", 0.3}, {"theta_cue_rad", -0.4}, {"J0", -0.7},
                                {"J2", 1.3}, {"J4", 0.6}, {"J6", -0.4}});
    doc["trials"] = 3;
    doc["seed"] = 5;
    const Spec spec = parse_spec(doc, "test");
    const RunResult r = run_cpu(spec);
    for (std::uint64_t i = 0; i < 3; ++i) {
      const std::vector<float> r0 = ring_initial_profile(spec, i), r1 = profile(r, i);
      double worst = 0;
      for (int j = 0; j < N; ++j) {
        double I = 40 * (0.7 + 0.3 * std::cos(2 * (theta(j, N) + 0.4)));
        for (int k = 0; k < N; ++k) {
          const double d = theta(j, N) - theta(k, N);
          I += (-0.7 + 1.3 * std::cos(2 * d) + 0.6 * std::cos(4 * d) - 0.4 * std::cos(6 * d)) / N * r0[k];
        }
        worst = std::max(worst, std::fabs(r1[j] - std::max(I, 0.0)) / 40.0);
      }
      EXPECT_LT(worst, 2e-6) << "N = " << N << " instance " << i;
    }
  }
}

TEST(Ring, RunawayRingsAreFlaggedAndTheOthersUnaffected) {
  Json doc = ring_spec(500, 0.1, {{"N", 128}, {"J2", 1}, {"runaway_Hz", 1000}});
  doc["sweep"] = {{"J0", {-0.5, 1.5, 0.5, 3.0}}};
  const RunResult r = run_cpu(parse_spec(doc, "test"));
  for (std::size_t k : {1u, 3u}) {
    EXPECT_EQ(r.column("runaway").values[k], 1.0);
    EXPECT_TRUE(std::isfinite(r.column("diverged_ms").values[k]));
    EXPECT_GT(r.column("peak_Hz").values[k], 1000.0);
    for (float x : profile(r, k)) ASSERT_TRUE(std::isfinite(x));
  }
  EXPECT_LT(r.column("diverged_ms").values[3], r.column("diverged_ms").values[1]);  // J0 = 3 runs away sooner
  // The stable rings are exactly what they are when run without the runaway ones.
  Json stable = doc;
  stable["sweep"] = {{"J0", {-0.5, 0.5}}};
  const RunResult s = run_cpu(parse_spec(stable, "test"));
  for (std::size_t k : {0u, 1u}) {
    EXPECT_EQ(r.column("runaway").values[2 * k], 0.0);
    EXPECT_TRUE(std::isnan(r.column("diverged_ms").values[2 * k]));
    EXPECT_EQ(profile(r, 2 * k), profile(s, k));
  }
}

// The CPU kernel (ring_cpu.cpp: rings side by side in the vector lanes, or with few wide rings full rounds in place
// and a short last round through zero-padded buffers) against a plain scalar loop written from ring.hpp's description of the
// fixed order: neuron j adds into reduction lane (j / 4) mod 32 in increasing j, the 32 lanes' partials are added
// by the tree (o = 16, 8, 4, 2, 1), a moment is total / N. Bitwise, over ring sizes around the rounds' edges, 1 to 3
// modes, noise, runaway rings, batches not a multiple of the vector width (37 rings) or too few to fill it (5) and
// two time segments.
struct ScalarRing {
  std::vector<float> r;
  float M[ring::kMoments] = {};
  float r_max = 0;
  std::uint32_t diverged = 0, moving = 0;
};

float scalar_flush(float x) { return std::fabs(x) < 1.17549435e-38f ? 0.0f * x : x; }

void scalar_moments(const std::vector<float>& basis, std::uint32_t N, int modes, const std::vector<float>& r,
                    float* M, float& r_max) {
  float partial[ring::kMoments][32] = {};
  r_max = 0.0f;
  for (std::uint32_t j = 0; j < N; ++j) {
    const unsigned l = (j / 4) % 32;
    partial[0][l] = partial[0][l] + r[j];
    for (int m = 0; m < modes; ++m) {
      partial[1 + 2 * m][l] = partial[1 + 2 * m][l] + r[j] * basis[(2 * m) * N + j];
      partial[2 + 2 * m][l] = partial[2 + 2 * m][l] + r[j] * basis[(2 * m + 1) * N + j];
    }
    if (r[j] > r_max) r_max = r[j];
  }
  for (int m = 0; m < ring::kMoments; ++m) {
    for (unsigned o = 16; o > 0; o /= 2) {
      for (unsigned l = 0; l < o; ++l) partial[m][l] = partial[m][l] + partial[m][l + o];
    }
    M[m] = partial[m][0] / static_cast<float>(N);
  }
}

void scalar_step(const ring::View& v, std::size_t i, ScalarRing& s, std::uint32_t n) {
  if (s.diverged != 0u) return;
  const std::uint32_t N = v.N;
  const float J[3] = {v.J2[i], v.J4[i], v.J6[i]};
  const float a0 = v.h0_Hz[i] + v.J0[i] * s.M[0];
  float ac[3], as[3];
  for (int m = 0; m < 3; ++m) {
    ac[m] = J[m] * s.M[1 + 2 * m];
    as[m] = J[m] * s.M[2 + 2 * m];
  }
  ac[0] = v.h_cos_Hz[i] + ac[0];
  as[0] = v.h_sin_Hz[i] + as[0];
  const std::vector<float> before = s.r;
  float step_max = 0.0f;
  for (std::uint32_t j = 0; j < N; ++j) {
    float I = a0;
    for (std::uint32_t m = 0; m < v.modes; ++m) {
      I = (I + ac[m] * v.basis[(2 * m) * N + j]) + as[m] * v.basis[(2 * m + 1) * N + j];
    }
    if (v.noise_Hz[i] != 0.0f) {
      const Normals4 z = ring::quad_noise<ExactMath>(v.seed, v.instance_id[i], j / 4, n);
      I = I + v.noise_Hz[i] * z.z[j % 4];
    }
    const float x = before[j] + v.dt_over_tau[i] * ((I > 0.0f ? I : 0.0f) - before[j]);
    s.r[j] = scalar_flush(x);
    step_max = std::max(step_max, std::fabs(s.r[j] - before[j]));
  }
  const std::vector<float> basis(v.basis, v.basis + 2 * ring::kMaxModes * N);
  scalar_moments(basis, N, static_cast<int>(v.modes), s.r, s.M, s.r_max);
  if (step_max > v.converge_step_Hz[i]) s.moving = n + 1;
  s.diverged = (!(s.r_max <= v.runaway_Hz[i]) || !std::isfinite(s.M[0])) ? n + 1 : 0;
}

TEST(Ring, CpuKernelMatchesAPlainScalarLoopBitwise) {
  for (const std::uint32_t N : {1u, 2u, 3u, 5u, 13u, 64u, 99u, 100u, 125u, 127u, 128u, 129u, 255u, 300u}) {
    for (const std::pair<std::uint32_t, std::size_t> shape : {std::pair<std::uint32_t, std::size_t>{1, 37}, {3, 37}, {2, 5}}) {
      const std::uint32_t modes = shape.first;
      const std::size_t n = shape.second;
      ring::View v;
      v.n = n;
      v.N = N;
      v.modes = modes;
      v.seed = 3;
      v.n_steps = 120;
      v.dt_ms = 0.5f;
      std::vector<std::vector<float>> fields;
      const auto field = [&](float*& to, auto value) {
        fields.emplace_back(n);
        for (std::size_t i = 0; i < n; ++i) fields.back()[i] = static_cast<float>(value(i));
        to = fields.back().data();
      };
      field(v.h0_Hz, [](std::size_t i) { return 4.0 * (1 + i % 5) * 0.9; });
      field(v.h_cos_Hz, [](std::size_t i) { return 0.4 * (1 + i % 5) * 0.3; });
      field(v.h_sin_Hz, [](std::size_t i) { return -0.2 * (i % 3); });
      field(v.J0, [](std::size_t i) { return i % 7 == 3 ? 2.5 : (i % 2 == 0 ? -7.3 : -0.5); });
      field(v.J2, [](std::size_t i) { return i % 3 == 0 ? 11.0 : 1.0 + 0.5 * (i % 4); });
      field(v.J4, [modes](std::size_t i) { return modes > 1 ? 0.3 - 0.1 * (i % 3) : 0.0; });
      field(v.J6, [modes](std::size_t i) { return modes > 2 ? 0.1 * (i % 2) : 0.0; });
      field(v.dt_over_tau, [](std::size_t i) { return i % 4 == 1 ? 1.0 : 0.1; });
      field(v.noise_Hz, [](std::size_t i) { return i % 3 == 1 ? 3.0 * std::sqrt(0.5) : 0.0; });
      field(v.runaway_Hz, [](std::size_t) { return 500.0; });
      field(v.converge_step_Hz, [](std::size_t) { return 1e-4 * 0.5; });
      std::vector<float> M(ring::kMoments * n, 0.0f), r_max(n, 0.0f), r(n * N), basis(2 * ring::kMaxModes * N);
      std::vector<std::uint32_t> diverged(n, 0), moving(n, 0);
      std::vector<std::uint64_t> ids(n);
      v.M0 = &M[0];
      v.Mc1 = &M[n];
      v.Ms1 = &M[2 * n];
      v.Mc2 = &M[3 * n];
      v.Ms2 = &M[4 * n];
      v.Mc3 = &M[5 * n];
      v.Ms3 = &M[6 * n];
      v.r_max = r_max.data();
      v.diverged_step = diverged.data();
      v.last_moving_step = moving.data();
      for (int mode = 0; mode < ring::kMaxModes; ++mode) {
        for (std::uint32_t j = 0; j < N; ++j) {
          basis[(2 * mode) * N + j] = static_cast<float>(std::cos(2.0 * (mode + 1) * theta(j, N)));
          basis[(2 * mode + 1) * N + j] = static_cast<float>(std::sin(2.0 * (mode + 1) * theta(j, N)));
        }
      }
      v.basis = basis.data();
      for (std::size_t i = 0; i < n; ++i) {
        ids[i] = 1000 + 7 * i;
        for (std::uint32_t j = 0; j < N; ++j) {
          r[i * N + j] = static_cast<float>(std::max(0.0, 2.0 + 2.0 * std::cos(2 * (theta(j, N) - 0.1 * i))));
        }
      }
      v.instance_id = ids.data();
      v.r_Hz = r.data();
      std::vector<ScalarRing> ref(n);
      for (std::size_t i = 0; i < n; ++i) {
        ref[i].r.assign(r.begin() + i * N, r.begin() + (i + 1) * N);
        scalar_moments(basis, N, static_cast<int>(modes), ref[i].r, ref[i].M, ref[i].r_max);
      }
      for (std::uint32_t n_ = 0; n_ < 120; ++n_) {
        for (std::size_t i = 0; i < n; ++i) scalar_step(v, i, ref[i], n_);
      }
      ring::advance_cpu(v, 0, 50, 2);
      ring::advance_cpu(v, 50, 120, 1);
      std::size_t ran_away = 0;
      for (std::size_t i = 0; i < n; ++i) {
        SCOPED_TRACE("N = " + std::to_string(N) + ", modes " + std::to_string(modes) + ", ring " + std::to_string(i));
        ran_away += ref[i].diverged != 0u;
        ASSERT_EQ(0, std::memcmp(ref[i].r.data(), &r[i * N], N * sizeof(float)));
        for (int m = 0; m < ring::kMoments; ++m) {
          ASSERT_EQ(0, std::memcmp(&ref[i].M[m], &M[m * n + i], sizeof(float))) << "moment " << m;
        }
        ASSERT_EQ(0, std::memcmp(&ref[i].r_max, &r_max[i], sizeof(float)));
        EXPECT_EQ(ref[i].diverged, diverged[i]);
        EXPECT_EQ(ref[i].moving, moving[i]);
      }
      EXPECT_GT(ran_away, 0u);
      EXPECT_LT(ran_away, n);
    }
  }
}

// tests/models/ring.json is this spec with the neuron trace r_Hz added: test_every_model.cpp checks chunk size, threads,
// instance order, batches and exact CPU/CUDA parity (whole and chunked) with it.
const char* kReproSpec = R"({"model": "ring", "duration_ms": 50, "dt_ms": 0.5, "seed": 11, "trials": 3,
  "params": {"N": 300, "eps": 0.2, "sigma_Hz": 3, "J4": 0.3},
  "sweep": {"contrast": [0.1, 0.5], "J2": [1, 4], "initial": ["cosine", "random"]},
  "record": {"traces": {"vars": ["mean_Hz", "pv_cos_Hz", "pv_sin_Hz", "peak_Hz"], "instances": [0, 7, 23], "every": 9}}})";

TEST(Ring, NoiseMovesTheProfileAndIsKeyedBySeed) {
  Json doc = Json::parse(kReproSpec);
  const RunResult a = run_cpu(parse_spec(doc, "test"));
  doc["seed"] = 12;
  const RunResult b = run_cpu(parse_spec(doc, "test"));
  EXPECT_NE(profile(a, 0), profile(b, 0));
  EXPECT_NE(profile(a, 0), profile(a, 1));  // trials differ
}

void expect_bitwise_parity(const Spec& spec) {
  const CompareReport report = compare_results(run_on(spec, "cpu"), run_on(spec, "cuda"));
  EXPECT_TRUE(report.identical()) << report.to_text();
}

TEST(RingParity, RingSizesAndRunawayAreBitwiseIdentical) {
  NB_REQUIRE_CUDA();
  for (const int N : {8, 100, 256, 1000, 4096}) {
    Json doc = ring_spec(200, 0.1, {{"N", N}, {"eps", 0.1}, {"runaway_Hz", 500}});
    doc["sweep"] = {{"contrast", {0.1, 0.8}}, {"J0", {-7.3, 1.2}}, {"J2", {1, 11}}};
    doc["record"] = {{"traces", {{"vars", {"mean_Hz", "peak_Hz"}}, {"instances", "all"}, {"every", 50}}}};
    SCOPED_TRACE("N = " + std::to_string(N));
    expect_bitwise_parity(parse_spec(doc, "test"));
  }
}

TEST(Ring, GivenInitialProfileAndNeuronTrace) {
  // A given profile (a bump at neuron 40 of 64) relaxes like any other; the trace of neuron 40 starts at the given
  // value and ends at the final profile's.
  std::vector<double> given(64, 0.0);
  for (int j = 30; j < 51; ++j) given[j] = 10.0 * std::cos((j - 40) * kPi / 20);
  Json doc = ring_spec(100, 0.1, {{"N", 64}, {"initial", "given"}, {"trace_neuron", 40}, {"eps", 0}, {"J0", -1},
                                  {"J2", 4.5}});
  doc["arrays"] = {{"initial_profile_Hz", given}};
  doc["record"] = {{"traces", {{"vars", {"r_Hz"}}, {"instances", {0}}, {"every", 10}}}};
  const Spec spec = parse_spec(doc, "test");
  const std::vector<float> r0 = ring_initial_profile(spec, 0);
  for (int j = 0; j < 64; ++j) EXPECT_EQ(r0[j], static_cast<float>(given[j])) << j;
  const RunResult r = run_cpu(spec);
  const auto& trace = r.trace("r_Hz");
  EXPECT_EQ(trace.front(), 10.0f);
  EXPECT_EQ(trace.back(), profile(r, 0)[40]);
  // The bump stays where it was given (theta_40 = -pi/2 + 40 pi / 64 = 22.5 deg).
  EXPECT_NEAR(r.column("pv_angle_deg").values[0], 22.5, 0.5);
  Json wrong = doc;
  wrong["arrays"]["initial_profile_Hz"] = std::vector<double>(63, 1.0);
  expect_spec_error(wrong, "arrays.initial_profile_Hz");
  Json missing = doc;
  missing.erase("arrays");
  expect_spec_error(missing, "arrays.initial_profile_Hz");
  Json unknown = doc;
  unknown["arrays"] = {{"profile", given}};
  expect_spec_error(unknown, "arrays.profile");
  Json unused = doc;  // a profile that no point starts from would be ignored
  unused["params"]["initial"] = "random";
  expect_spec_error(unused, "arrays.initial_profile_Hz");
  Json swept = unused;  // used where the sweep sets initial = given
  swept["params"].erase("initial");
  swept["sweep"] = {{"initial", {"random", "given"}}};
  EXPECT_NO_THROW(parse_spec(swept, "test"));
}

// Out-of-range values of single parameters and unknown names: test_every_model.cpp, for every model.
TEST(Ring, BadSpecsNameTheField) {
  EXPECT_NO_THROW(parse_spec(ring_spec(10, 0.1, {{"N", 2}}), "t"));
  expect_spec_error(ring_spec(10, 0.1, {{"N", 100.5}}), "params.N");
  expect_spec_error(ring_spec(10, 1, {{"tau_ms", 0.5}}), "params.tau_ms");  // tau < dt
  expect_spec_error(ring_spec(10, 0.1, {{"initial", "gaussian"}}), "params.initial");
  expect_spec_error(ring_spec(10, 0.1, {{"alpha_Hz", 2e4}}), "params.alpha_Hz");
  expect_spec_error(ring_spec(10, 0.1, {{"N", 64}, {"trace_neuron", 64}}), "params.trace_neuron");
  Json varying = ring_spec(10, 0.1, Json::object());
  varying["sweep"] = {{"N", {64, 128}}};
  expect_spec_error(varying, "sweep.N");
}

}  // namespace
}  // namespace nb
