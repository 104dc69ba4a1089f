#include "host/models/self_sustained/self_sustained_model.hpp"

#include <cmath>

#include "host/engine/make_engine.hpp"
#include "host/common/errors.hpp"
#include "host/models/model_helpers.hpp"
#include "kernels/common/fields.hpp"

namespace nb {
namespace {

void check_point(const double* p, const Spec& spec, const std::string& where) {
  const ModelInfo& m = self_sustained_model_info();
  for (int k = 1; k <= self_sustained::kPulses; ++k) {
    const std::string onset = "pulse" + std::to_string(k) + "_onset_ms";
    const std::string duration = "pulse" + std::to_string(k) + "_duration_ms";
    const double end_ms = p[m.param_index(onset)] + p[m.param_index(duration)];
    if (end_ms > spec.duration_ms) {
      throw SpecError(spec.param_field(duration), onset + " + " + duration + " = " + format_number(end_ms) +
                                                      " ms must lie within the trial (duration_ms = " +
                                                      format_number(spec.duration_ms) + ")" + where);
    }
  }
  if (p[m.param_index("probe_ms")] > spec.duration_ms) {
    throw SpecError(spec.param_field("probe_ms"), "probe_ms must lie within the trial (<= duration_ms = " +
                                                      format_number(spec.duration_ms) + ")" + where);
  }
}

std::vector<ParamInfo> params() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<ParamInfo> p = {
      numeric_param("a_Hz_per_nA", 270.0, "Hz/nA", "gain of the transfer function F", 0.0, true),
      numeric_param("b_Hz", 108.0, "Hz", "offset of F: F(I) = (a I - b) / (1 - exp(-d (a I - b)))"),
      numeric_param("d_s", 0.154, "s", "curvature of F", 0.0, true),
      numeric_param("gamma", 0.641, "", "kinetic factor of the NMDA-like gating", 0.0),
      numeric_param("tau_s_ms", 100.0, "ms", "gating time constant", 0.0, true),
      numeric_param("g_E_nA", 0.28, "nA", "recurrent excitation"),
      numeric_param("I_0_nA", 0.32, "nA", "background current"),
      numeric_param("s_init", 0.0, "", "s at t = 0", 0.0, false, 1.0),
  };
  for (int k = 1; k <= self_sustained::kPulses; ++k) {
    const std::string pulse = "pulse" + std::to_string(k);
    p.push_back(numeric_param(pulse + "_onset_ms", 0.0, "ms", "onset of input pulse " + std::to_string(k), 0.0));
    p.push_back(numeric_param(pulse + "_duration_ms", 0.0, "ms", "duration of pulse " + std::to_string(k) + " (0: none)", 0.0));
    p.push_back(numeric_param(pulse + "_amplitude_nA", 0.0, "nA", "amplitude of pulse " + std::to_string(k)));
  }
  p.push_back(numeric_param("s_switch", 0.3, "", "threshold whose crossings are reported as switches", 0.0, false, 1.0));
  p.push_back(numeric_param("probe_ms", 0.0, "ms", "time at which s is reported as s_probe (0: the initial s)", 0.0, false, kInf));
  return p;
}

}  // namespace

SelfSustainedChunk assemble_self_sustained_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids) {
  const ModelInfo& m = *spec.model;
  SelfSustainedChunk c;
  const std::size_t n = ids.size();
#define NB_RESIZE(type, name) c.name.assign(n, type{});
  NB_SELF_SUSTAINED_INPUTS(NB_RESIZE)
  NB_SELF_SUSTAINED_STATE(NB_RESIZE)
#undef NB_RESIZE
  c.n = n;
  const double dt = spec.dt_ms;
  for (std::size_t i = 0; i < n; ++i) {
    const double* p = spec.point_params(ids[i] / spec.trials);
    const auto P = [&](const std::string& name) { return p[m.param_index(name)]; };
    c.a_Hz_per_nA[i] = static_cast<float>(P("a_Hz_per_nA"));
    c.b_Hz[i] = static_cast<float>(P("b_Hz"));
    c.d_s[i] = static_cast<float>(P("d_s"));
    c.gamma_per_ms[i] = static_cast<float>(1e-3 * P("gamma"));  // gamma F with F in Hz, per ms
    c.inv_tau_per_ms[i] = static_cast<float>(1.0 / P("tau_s_ms"));
    c.g_E_nA[i] = static_cast<float>(P("g_E_nA"));
    c.I_0_nA[i] = static_cast<float>(P("I_0_nA"));
    c.dt_ms[i] = static_cast<float>(dt);
    c.exponential[i] = spec.integrator == "exponential" ? 1u : 0u;
    c.pulse1_begin[i] = first_step_from(P("pulse1_onset_ms"), dt);
    c.pulse1_end[i] = first_step_from(P("pulse1_onset_ms") + P("pulse1_duration_ms"), dt);
    c.pulse1_nA[i] = static_cast<float>(P("pulse1_amplitude_nA"));
    c.pulse2_begin[i] = first_step_from(P("pulse2_onset_ms"), dt);
    c.pulse2_end[i] = first_step_from(P("pulse2_onset_ms") + P("pulse2_duration_ms"), dt);
    c.pulse2_nA[i] = static_cast<float>(P("pulse2_amplitude_nA"));
    c.s_switch[i] = static_cast<float>(P("s_switch"));
    c.probe_step[i] = to_step(P("probe_ms"), dt);
    c.s[i] = static_cast<float>(P("s_init"));
    c.s_probe[i] = c.s[i];
  }
  assign_recording(c, spec, ids);
  return c;
}

// Backend memory per instance: inputs + state + observables.
constexpr std::size_t kBytesPerInstance = NB_FIELD_BYTES(NB_SELF_SUSTAINED_INPUTS) +
                                          NB_FIELD_BYTES(NB_SELF_SUSTAINED_STATE) +
                                          NB_FIELD_BYTES(NB_SELF_SUSTAINED_OBSERVABLES);
static_assert(kBytesPerInstance == 128, "the chunk plan's bytes per instance changed");

const ModelInfo& self_sustained_model_info() {
  static const ModelInfo info = [] {
    ModelInfo m;
    m.name = "self_sustained";
    m.description = "One excitatory population with slow recurrent excitation (bistable): ds/dt = gamma F(g_E s + "
                    "I_0 + I_1(t)) (1 - s) - s / tau_s";
    m.params = params();
    m.observables = {NB_SELF_SUSTAINED_OBSERVABLE_COLUMNS(NB_OBSERVABLE_NAME)};
    m.trace_vars = {"s", "r_Hz"};
    m.integrators = {"exponential", "euler"};
    m.check_point = check_point;
    m.make_engine = make_engine<SelfSustainedTraits>;
    m.bytes_per_instance = [](const Spec&) { return kBytesPerInstance; };
    return m;
  }();
  return info;
}

}  // namespace nb
