#include "host/models/ring/ring_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/common/random.hpp"

#include "host/engine/make_engine.hpp"
#include "host/common/errors.hpp"
#include "host/models/model_helpers.hpp"
#include "kernels/common/fields.hpp"

namespace nb {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr std::uint32_t kMaxNeurons = 65536;

// Fourier modes the run needs: the highest m with a nonzero J_2m at some point (at least 1).
std::uint32_t modes_in_use(const Spec& spec) {
  std::uint32_t modes = 1;
  for (std::uint64_t p = 0; p < spec.n_points(); ++p) {
    if (spec.param(p, "J4") != 0.0 && modes < 2) modes = 2;
    if (spec.param(p, "J6") != 0.0) modes = 3;
  }
  return modes;
}

std::uint32_t neurons(const Spec& spec) { return static_cast<std::uint32_t>(spec.param(0, "N")); }

void check_point(const double* p, const Spec& spec, const std::string& where) {
  const ModelInfo& m = ring_model_info();
  const auto P = [&](const std::string& name) { return p[m.param_index(name)]; };
  const double N = P("N");
  if (N != std::floor(N)) {
    throw SpecError(spec.param_field("N"), "N = " + format_number(N) + " must be a whole number of neurons" + where);
  }
  // Forward Euler on tau dr/dt = -r + ... is stable and monotone only for dt <= tau.
  if (spec.dt_ms > P("tau_ms")) {
    throw SpecError(spec.param_field("tau_ms"), "tau_ms = " + format_number(P("tau_ms")) + " ms is below dt_ms = " +
                                                    format_number(spec.dt_ms) + " ms; expected tau_ms >= dt_ms" + where);
  }
  const ParamInfo& initial = m.params[m.param_index("initial")];
  // A profile that no point uses would be ignored without a word (checked once, at the first point).
  if (spec.array("initial_profile_Hz") != nullptr && p == spec.point_params(0)) {
    bool used = false;
    for (std::uint64_t k = 0; k < spec.n_points() && !used; ++k) {
      used = initial.choice_name(spec.param(k, "initial")) == "given";
    }
    if (!used) {
      throw SpecError("arrays.initial_profile_Hz", "is used only where initial = given, and no sweep point has it; "
                                                   "set params.initial to \"given\" (or sweep it)");
    }
  }
  if (initial.choice_name(P("initial")) == "given") {
    const std::vector<double>* given = spec.array("initial_profile_Hz");
    if (given == nullptr || given->size() != static_cast<std::size_t>(N)) {
      throw SpecError("arrays.initial_profile_Hz", "initial = given needs arrays.initial_profile_Hz with N = " +
                                                       format_number(N) + " rates (Hz)" + where);
    }
    for (double r : *given) {
      if (!(std::fabs(P("r0_Hz") + r) <= P("runaway_Hz"))) {
        throw SpecError("arrays.initial_profile_Hz", "a given rate of " + format_number(r) +
                                                         " Hz is beyond runaway_Hz = " + format_number(P("runaway_Hz")) + where);
      }
    }
  }
  if (P("trace_neuron") != std::floor(P("trace_neuron")) || P("trace_neuron") >= N) {
    throw SpecError(spec.param_field("trace_neuron"), "trace_neuron must be a neuron index in [0, N)" + where);
  }
  const double initial_peak = std::fabs(P("r0_Hz")) + std::fabs(P("alpha_Hz"));
  if (initial_peak > P("runaway_Hz")) {
    throw SpecError(spec.param_field("alpha_Hz"), "the initial profile reaches " + format_number(initial_peak) +
                                                      " Hz, above runaway_Hz = " + format_number(P("runaway_Hz")) + where);
  }
}

std::vector<ParamInfo> params() {
  return {
      numeric_param("N", 256, "", "neurons per ring, theta_j = -pi/2 + pi j / N (the same at every point)", 2.0, false,
                    double(kMaxNeurons)),
      numeric_param("tau_ms", 10.0, "ms", "rate time constant (>= dt_ms)", 0.0, true),
      numeric_param("A_Hz", 40.0, "Hz", "input amplitude"),
      numeric_param("contrast", 0.1, "", "stimulus contrast c", 0.0),
      numeric_param("eps", 0.1, "", "input tuning: h = A c (1 - eps + eps cos(2 (theta - theta_cue)))", 0.0, false, 1.0),
      numeric_param("theta_cue_rad", 0.0, "rad", "stimulus orientation"),
      numeric_param("J0", -0.5, "", "uniform coupling"),
      numeric_param("J2", 1.0, "", "coupling of the cos 2 theta mode"),
      numeric_param("J4", 0.0, "", "coupling of the cos 4 theta mode (costs two more moments when nonzero)"),
      numeric_param("J6", 0.0, "", "coupling of the cos 6 theta mode"),
      numeric_param("sigma_Hz", 0.0, "Hz/sqrt(ms)", "input noise: sigma sqrt(dt_ms) xi added to every I_j each step", 0.0),
      choice_param("initial", {"cosine", "uniform", "random", "given"}, 0,
                   "initial profile: cosine r0 + alpha cos(2 (theta - theta_0)) (the notebook's), uniform r0, "
                   "random r0 + alpha u_j (u_j uniform in (0, 1), keyed by seed and instance), or given: "
                   "r0 + the spec's arrays.initial_profile_Hz (N values)"),
      numeric_param("alpha_Hz", 2.0, "Hz", "amplitude of the cosine or random initial profile"),
      numeric_param("theta_0_rad", kPi / 4, "rad", "orientation of the cosine initial profile"),
      numeric_param("r0_Hz", 0.0, "Hz", "uniform initial rate (offset of the cosine profile)"),
      numeric_param("runaway_Hz", 1e4, "Hz", "a ring whose largest rate exceeds this is stopped and flagged", 0.0, true),
      numeric_param("trace_neuron", 0, "", "the neuron whose rate the trace variable r_Hz records (same at every point)",
                    0.0),
      numeric_param("converge_tol_Hz_per_ms", 1e-4, "Hz/ms",
                    "converged once every |dr/dt| stays below this (converged_ms: the last step above it)", 0.0),
  };
}

}  // namespace

std::vector<double> population_vector_angle_deg(const std::vector<double>& c, const std::vector<double>& s) {
  std::vector<double> out(c.size());
  for (std::size_t i = 0; i < c.size(); ++i) out[i] = 0.5 * std::atan2(s[i], c[i]) * (180.0 / kPi);
  return out;
}

std::vector<double> population_vector_length(const std::vector<double>& c, const std::vector<double>& s,
                                             const std::vector<double>& mean) {
  std::vector<double> out(c.size());
  for (std::size_t i = 0; i < c.size(); ++i) out[i] = std::hypot(c[i], s[i]) / mean[i];
  return out;
}

std::vector<float> ring_initial_profile(const Spec& spec, std::uint64_t instance) {
  const ModelInfo& m = *spec.model;
  const double* p = spec.point_params(instance / spec.trials);
  const auto P = [&](const std::string& name) { return p[m.param_index(name)]; };
  const std::uint32_t N = neurons(spec);
  const ParamInfo& initial = m.params[m.param_index("initial")];
  const std::string kind = initial.choice_name(P("initial"));
  std::vector<float> r(N);
  for (std::uint32_t j = 0; j < N; ++j) {
    const double theta = -kPi / 2 + kPi * double(j) / double(N);
    double shape = 0.0;
    if (kind == "cosine") shape = P("alpha_Hz") * std::cos(2.0 * (theta - P("theta_0_rad")));
    if (kind == "given") shape = (*spec.array("initial_profile_Hz"))[j];
    if (kind == "random") {
      const Philox4x32Words w = random_words(spec.seed, instance, j / ring::kQuad, RandomStream::ring_initial_profile, 0);
      shape = P("alpha_Hz") * double(uniform_open01(w.w[j % ring::kQuad]));
    }
    r[j] = static_cast<float>(P("r0_Hz") + shape);
  }
  return r;
}

RingChunk assemble_ring_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids) {
  const ModelInfo& m = *spec.model;
  RingChunk c;
  const std::size_t n = ids.size();
#define NB_RESIZE(type, name) c.name.assign(n, type{});
  NB_RING_COEFFICIENTS(NB_RESIZE)
  NB_RING_STATE(NB_RESIZE)
#undef NB_RESIZE
  c.n = n;
  c.N = neurons(spec);
  c.modes = modes_in_use(spec);
  c.n_steps = static_cast<std::uint32_t>(spec.n_steps);
  c.dt_ms = static_cast<float>(spec.dt_ms);
  c.seed = spec.seed;
  c.instance_id = ids;
  c.trace_neuron = static_cast<std::uint32_t>(spec.param(0, "trace_neuron"));
  const std::size_t N = c.N;
  std::vector<double> theta(N);
  for (std::size_t j = 0; j < N; ++j) theta[j] = -kPi / 2 + kPi * double(j) / double(N);
  c.basis.assign(2 * ring::kMaxModes * N, 0.0f);
  for (int mode = 0; mode < ring::kMaxModes; ++mode) {
    for (std::size_t j = 0; j < N; ++j) {
      c.basis[(2 * mode) * N + j] = static_cast<float>(std::cos(2.0 * (mode + 1) * theta[j]));
      c.basis[(2 * mode + 1) * N + j] = static_cast<float>(std::sin(2.0 * (mode + 1) * theta[j]));
    }
  }
  c.r_Hz.assign(n * N, 0.0f);
  const double dt = spec.dt_ms;
  for (std::size_t i = 0; i < n; ++i) {
    const double* p = spec.point_params(ids[i] / spec.trials);
    const auto P = [&](const std::string& name) { return p[m.param_index(name)]; };
    const double Ac = P("A_Hz") * P("contrast"), eps = P("eps"), cue = P("theta_cue_rad");
    c.h0_Hz[i] = static_cast<float>(Ac * (1.0 - eps));
    c.h_cos_Hz[i] = static_cast<float>(Ac * eps * std::cos(2.0 * cue));
    c.h_sin_Hz[i] = static_cast<float>(Ac * eps * std::sin(2.0 * cue));
    c.J0[i] = static_cast<float>(P("J0"));
    c.J2[i] = static_cast<float>(P("J2"));
    c.J4[i] = static_cast<float>(P("J4"));
    c.J6[i] = static_cast<float>(P("J6"));
    c.dt_over_tau[i] = static_cast<float>(dt / P("tau_ms"));
    c.noise_Hz[i] = static_cast<float>(P("sigma_Hz") * std::sqrt(dt));
    c.runaway_Hz[i] = static_cast<float>(P("runaway_Hz"));
    c.converge_step_Hz[i] = static_cast<float>(P("converge_tol_Hz_per_ms") * dt);
    const std::vector<float> profile = ring_initial_profile(spec, ids[i]);
    std::copy(profile.begin(), profile.end(), c.r_Hz.begin() + i * N);
  }
  assign_recording(c, spec, ids);
  return c;
}

// Backend memory per ring without its profile: coefficients, state, observables, the two observables derived on
// the host (pv_angle_deg, pv_length), instance_id and trace_row, and 4 bytes that no field holds: the sum by hand
// that this replaced counted them; kept so that chunk plans, and the summary's chunk_plan_MiB, stay the same.
constexpr std::size_t kBytesPerRing = NB_FIELD_BYTES(NB_RING_COEFFICIENTS) + NB_FIELD_BYTES(NB_RING_STATE) +
                                      NB_FIELD_BYTES(NB_RING_OBSERVABLES) + 2 * sizeof(double) +
                                      sizeof(std::uint64_t) + sizeof(std::int32_t) + 4;
static_assert(kBytesPerRing == 11 * 4 + 10 * 4 + 11 * 8 + 8 + 8, "the chunk plan's bytes per instance changed");

const ModelInfo& ring_model_info() {
  static const ModelInfo info = [] {
    ModelInfo m;
    m.name = "ring";
    m.description = "Ben-Yishai ring model of orientation selectivity: N rate neurons per ring, tau dr/dt = -r + "
                    "[h + W r]+ with W = (J0 + J2 cos 2(theta - theta') + ...) / N, by its Fourier moments";
    m.params = params();
    m.observables = {NB_RING_OBSERVABLE_COLUMNS(NB_OBSERVABLE_NAME)};
    m.integer_observables = {"runaway"};
    m.trace_vars = {"mean_Hz", "pv_cos_Hz", "pv_sin_Hz", "peak_Hz", "r_Hz"};
    m.array_inputs = {"initial_profile_Hz"};
    m.integrators = {"euler"};
    m.neurons_per_instance = [](const Spec& spec) { return double(neurons(spec)); };
    m.per_run_params = {"N", "trace_neuron"};
    m.instance_arrays = {{"profile_Hz", [](const Spec& spec) { return std::size_t(neurons(spec)); }, {{"neuron", {}}}}};
    m.check_point = check_point;
    m.make_engine = make_engine<RingTraits>;
    m.bytes_per_instance = [](const Spec& spec) {
      return kBytesPerRing + std::size_t(neurons(spec)) * 2 * sizeof(float);  // the profile and its copy in the results
    };
    return m;
  }();
  return info;
}

}  // namespace nb
