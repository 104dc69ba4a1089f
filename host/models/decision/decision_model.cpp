#include "host/models/decision/decision_model.hpp"

#include <cmath>
#include <limits>

#include "host/engine/make_engine.hpp"
#include "host/common/errors.hpp"
#include "host/models/model_helpers.hpp"
#include "kernels/common/fields.hpp"

namespace nb {
namespace {

struct PulseNames {
  std::string onset, duration;
};

// The stimulus (slot 0) and the free pulses, by their onset and duration parameters.
std::vector<PulseNames> pulse_names() {
  std::vector<PulseNames> p = {{"stim_onset_ms", "stim_duration_ms"}};
  for (int k = 1; k < decision::kPulses; ++k) {
    const std::string pulse = "pulse" + std::to_string(k);
    p.push_back({pulse + "_onset_ms", pulse + "_duration_ms"});
  }
  return p;
}

void check_point(const double* p, const Spec& spec, const std::string& where) {
  const ModelInfo& m = decision_model_info();
  const auto P = [&](const std::string& name) { return p[m.param_index(name)]; };
  for (const PulseNames& pulse : pulse_names()) {
    const double end_ms = P(pulse.onset) + P(pulse.duration);
    if (P(pulse.duration) > 0 && end_ms > spec.duration_ms) {
      throw SpecError(spec.param_field(pulse.duration),
                      pulse.onset + " + " + pulse.duration + " = " + format_number(end_ms) +
                          " ms must lie within the trial (duration_ms = " + format_number(spec.duration_ms) + ")" + where);
    }
  }
  for (const char* probe : {"probe1_ms", "probe2_ms"}) {
    if (!(P(probe) < spec.duration_ms)) {
      throw SpecError(spec.param_field(probe), std::string(probe) + " = " + format_number(P(probe)) +
                                                   " must lie in [0, duration_ms) = [0, " +
                                                   format_number(spec.duration_ms) + ") ms (the end state is in the "
                                                   "*_final observables)" + where);
    }
  }
  if (P("stim_onset_ms") >= spec.duration_ms) {
    throw SpecError(spec.param_field("stim_onset_ms"), "stim_onset_ms (the start of the decision window) must lie in "
                                                       "[0, duration_ms) = [0, " + format_number(spec.duration_ms) +
                                                       ") ms" + where);
  }
  // Euler-Maruyama for the noise current is stable (and not oscillating) only for dt <= tau_AMPA.
  if (spec.dt_ms > P("tau_AMPA_ms")) {
    throw SpecError(spec.param_field("tau_AMPA_ms"), "tau_AMPA_ms = " + format_number(P("tau_AMPA_ms")) +
                                                         " ms is below dt_ms = " + format_number(spec.dt_ms) +
                                                         " ms; expected tau_AMPA_ms >= dt_ms" + where);
  }
}

std::vector<ParamInfo> params() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<ParamInfo> p = {
      numeric_param("a_Hz_per_nA", 270.0, "Hz/nA", "gain of the transfer function F", 0.0, true),
      numeric_param("b_Hz", 108.0, "Hz", "offset of F: F(x) = (a x - b) / (1 - exp(-d (a x - b)))"),
      numeric_param("d_s", 0.154, "s", "curvature of F", 0.0, true),
      numeric_param("J11_nA", 0.2609, "nA", "self-excitation (J11 = J22)"),
      numeric_param("J12_nA", 0.0497, "nA", "cross-inhibition (enters with a minus sign; J12 = J21)"),
      numeric_param("I_0_nA", 0.3255, "nA", "background current"),
      numeric_param("J_ext_nA_per_Hz", 0.00052, "nA/Hz", "input current per Hz of input rate mu"),
      numeric_param("gamma", 0.641, "", "kinetic factor of the NMDA gating", 0.0),
      numeric_param("tau_S_ms", 100.0, "ms", "NMDA gating time constant", 0.0, true),
      numeric_param("tau_AMPA_ms", 2.0, "ms", "time constant of the noise current (>= dt_ms)", 0.0, true),
      numeric_param("sigma_nA", 0.02, "nA", "noise amplitude", 0.0),
      numeric_param("phi", 1.0, "", "time-scale factor of the gating dynamics", 0.0, true),
      numeric_param("threshold_Hz", 15.0, "Hz", "decision threshold on the rates", 0.0, true),
      numeric_param("S1_init", 0.1, "", "S_1 at t = 0", 0.0, false, 1.0),
      numeric_param("S2_init", 0.1, "", "S_2 at t = 0", 0.0, false, 1.0),
      numeric_param("stim_onset_ms", 0.0, "ms", "stimulus onset; the decision window opens here", 0.0),
      numeric_param("stim_duration_ms", 0.0, "ms", "stimulus duration (0: no stimulus)", 0.0),
      numeric_param("mu_0_Hz", 30.0, "Hz", "stimulus input rate: mu_1,2 = mu_0 (1 +- coherence)"),
      numeric_param("coherence", 0.0, "", "stimulus coherence c", -1.0, false, 1.0),
  };
  for (int k = 1; k < decision::kPulses; ++k) {
    const std::string pulse = "pulse" + std::to_string(k), n = std::to_string(k);
    p.push_back(numeric_param(pulse + "_onset_ms", 0.0, "ms", "onset of extra pulse " + n, 0.0));
    p.push_back(numeric_param(pulse + "_duration_ms", 0.0, "ms", "duration of pulse " + n + " (0: none)", 0.0));
    p.push_back(numeric_param(pulse + "_mu1_Hz", 0.0, "Hz", "pulse " + n + " input rate to population 1 (x J_ext)"));
    p.push_back(numeric_param(pulse + "_mu2_Hz", 0.0, "Hz", "pulse " + n + " input rate to population 2 (x J_ext)"));
    p.push_back(numeric_param(pulse + "_I1_nA", 0.0, "nA", "pulse " + n + " current into population 1 (added)"));
    p.push_back(numeric_param(pulse + "_I2_nA", 0.0, "nA", "pulse " + n + " current into population 2 (added)"));
  }
  p.push_back(numeric_param("probe1_ms", 0.0, "ms", "time of the first probe (r, S reported as *_probe1)", 0.0, false, kInf));
  p.push_back(numeric_param("probe2_ms", 0.0, "ms", "time of the second probe", 0.0, false, kInf));
  return p;
}

}  // namespace

namespace {

// The kernels' coefficients and the initial state of every trial of one sweep point (`p`: its parameters).
void point_inputs(const Spec& spec, const double* p, decision::Coefficients& k, decision::State& s) {
  const ModelInfo& m = *spec.model;
  const auto P = [&](const std::string& name) { return p[m.param_index(name)]; };
  const double dt = spec.dt_ms;
  k.a_Hz_per_nA = static_cast<float>(P("a_Hz_per_nA"));
  k.b_Hz = static_cast<float>(P("b_Hz"));
  k.d_s = static_cast<float>(P("d_s"));
  k.J11_nA = static_cast<float>(P("J11_nA"));
  k.J12_nA = static_cast<float>(P("J12_nA"));
  k.I_0_nA = static_cast<float>(P("I_0_nA"));
  k.gamma_per_ms = static_cast<float>(1e-3 * P("gamma"));  // gamma r with r in Hz, per ms
  k.inv_tau_S_per_ms = static_cast<float>(1.0 / P("tau_S_ms"));
  k.phi_dt_ms = static_cast<float>(P("phi") * dt);
  k.noise_decay = static_cast<float>(dt / P("tau_AMPA_ms"));
  k.noise_amp_nA = static_cast<float>(std::sqrt(dt / P("tau_AMPA_ms")) * P("sigma_nA"));
  k.threshold_Hz = static_cast<float>(P("threshold_Hz"));
  k.exponential = spec.integrator == "exponential" ? 1u : 0u;
  k.window_begin = first_step_from(P("stim_onset_ms"), dt);
  k.probe1_step = to_step(P("probe1_ms"), dt);
  k.probe2_step = to_step(P("probe2_ms"), dt);
  // Pulse slots: [begin, end) steps and the current into each population (rates x J_ext, in double).
  const double J_ext = P("J_ext_nA_per_Hz"), mu_0 = P("mu_0_Hz"), coherence = P("coherence");
  const auto slot = [&](const PulseNames& names, double I1, double I2, std::uint32_t& begin, std::uint32_t& end,
                        float& I1_nA, float& I2_nA) {
    const double onset = P(names.onset), duration = P(names.duration);
    begin = first_step_from(onset, dt);
    end = duration > 0 ? first_step_from(onset + duration, dt) : begin;
    I1_nA = static_cast<float>(I1);
    I2_nA = static_cast<float>(I2);
  };
  const std::vector<PulseNames> names = pulse_names();
  slot(names[0], J_ext * mu_0 * (1.0 + coherence), J_ext * mu_0 * (1.0 - coherence), k.pulse0_begin, k.pulse0_end,
       k.pulse0_I1_nA, k.pulse0_I2_nA);
  slot(names[1], J_ext * P("pulse1_mu1_Hz") + P("pulse1_I1_nA"), J_ext * P("pulse1_mu2_Hz") + P("pulse1_I2_nA"),
       k.pulse1_begin, k.pulse1_end, k.pulse1_I1_nA, k.pulse1_I2_nA);
  slot(names[2], J_ext * P("pulse2_mu1_Hz") + P("pulse2_I1_nA"), J_ext * P("pulse2_mu2_Hz") + P("pulse2_I2_nA"),
       k.pulse2_begin, k.pulse2_end, k.pulse2_I1_nA, k.pulse2_I2_nA);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  s = decision::State{};
  s.S1 = static_cast<float>(P("S1_init"));
  s.S2 = static_cast<float>(P("S2_init"));
  s.r1_probe1 = s.r2_probe1 = s.S1_probe1 = s.S2_probe1 = nan;
  s.r1_probe2 = s.r2_probe2 = s.S1_probe2 = s.S2_probe2 = nan;
}

}  // namespace

DecisionChunk assemble_decision_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids) {
  DecisionChunk c;
  const std::size_t n = ids.size();
#define NB_RESIZE(type, name) c.name.assign(n, type{});
  NB_DECISION_COEFFICIENTS(NB_RESIZE)
  NB_DECISION_STATE(NB_RESIZE)
#undef NB_RESIZE
  c.n = n;
  c.instance_id = ids;
  c.point_row.assign(n, 0u);
  c.seed = spec.seed;
  c.n_steps = static_cast<std::uint32_t>(spec.n_steps);
  c.dt_ms = static_cast<float>(spec.dt_ms);
  if (n > 0) {
    const auto [lo, hi] = std::minmax_element(ids.begin(), ids.end());
    c.first_point = *lo / spec.trials;
    c.points = *hi / spec.trials - c.first_point + 1;
  }
  if (spec.binned.enabled) {
    c.bin_steps = spec.binned.bin_steps;
    c.n_bins = spec.binned.n_bins;
  }
  // Trials of one point share everything but their id: computed once per point (ids come grouped by point).
  decision::Coefficients k{};
  decision::State s{};
  std::uint64_t cached = std::numeric_limits<std::uint64_t>::max();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t point = ids[i] / spec.trials;
    if (point != cached) {
      point_inputs(spec, spec.point_params(point), k, s);
      cached = point;
    }
    c.point_row[i] = static_cast<std::uint32_t>(point - c.first_point);
#define NB_SET(type, name) c.name[i] = k.name;
    NB_DECISION_COEFFICIENTS(NB_SET)
#undef NB_SET
#define NB_SET(type, name) c.name[i] = s.name;
    NB_DECISION_STATE(NB_SET)
#undef NB_SET
  }
  assign_recording(c, spec, ids);
  return c;
}

// Backend memory per trial without the binned rates: coefficients, state, observables, instance_id, point_row and
// trace_row, and 68 bytes that no field holds: the sum by hand that this replaced counted them (44 words of
// coefficients where the list has 28, and one word more for the rows); kept so that chunk plans, and the
// summary's chunk_plan_MiB, stay the same.
constexpr std::size_t kBytesPerTrial = NB_FIELD_BYTES(NB_DECISION_COEFFICIENTS) + NB_FIELD_BYTES(NB_DECISION_STATE) +
                                       NB_FIELD_BYTES(NB_DECISION_OBSERVABLES) + sizeof(std::uint64_t) +
                                       sizeof(std::uint32_t) + sizeof(std::int32_t) + 68;
static_assert(kBytesPerTrial == 44 * 4 + 16 * 4 + 15 * 8 + 8 + 3 * 4, "the chunk plan's bytes per instance changed");

const ModelInfo& decision_model_info() {
  static const ModelInfo info = [] {
    ModelInfo m;
    m.name = "decision";
    m.description = "Wong & Wang (2006) reduced decision model: two populations with NMDA gating S_1, S_2, "
                    "self-excitation, cross-inhibition and Ornstein-Uhlenbeck noise; choice and decision time";
    m.params = params();
    m.observables = {NB_DECISION_OBSERVABLE_COLUMNS(NB_OBSERVABLE_NAME)};
    m.integer_observables = {"choice", "higher_at_end"};
    m.trace_vars = {"r1_Hz", "r2_Hz", "S1", "S2"};
    m.integrators = {"euler", "exponential"};
    m.default_dt_ms = 0.5;
    m.binned.vars = {"r1_Hz", "r2_Hz"};
    m.binned.groups = {"none", "choice1", "choice2", "tie"};
    m.binned.units_per_value = decision::kBinScale;
    m.binned.description = "mean rate per bin, averaged over the trials of each sweep point with the given choice";
    m.check_point = check_point;
    m.make_engine = make_engine<DecisionTraits>;
    m.bytes_per_instance = [](const Spec& spec) {
      const std::size_t bins = spec.binned.enabled ? spec.binned.n_bins : 0;
      return kBytesPerTrial + bins * 2 * sizeof(float);
    };
    return m;
  }();
  return info;
}

}  // namespace nb
