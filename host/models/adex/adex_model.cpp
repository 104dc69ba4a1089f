#include "host/models/adex/adex_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "host/common/errors.hpp"
#include "host/engine/make_engine.hpp"
#include "host/models/model_helpers.hpp"
#include "host/spec/spec.hpp"

namespace nb {

namespace {

// The eight firing patterns of Naud, Marcille, Clopath & Gerstner (2008), Biol Cybern 99:335, Table 1, as
// reproduced in Brian2's example examples/frompapers/Naud_et_al_2008_adex_firing_patterns.py (commit 3032909);
// Delta_T = 2 mV and V_T = -50 mV in all eight (the defaults), V starts at E_L and w at 0.
struct NaudRow {
  const char* name;
  double C_pF, g_L_nS, E_L_mV, a_nS, tau_w_ms, b_pA, V_r_mV, I_pA;
};
const NaudRow kNaud[] = {
    {"tonic", 200, 10, -70, 2, 30, 0, -58, 500},
    {"adapting", 200, 12, -70, 2, 300, 60, -58, 500},
    {"initial_burst", 130, 18, -58, 4, 150, 120, -50, 400},
    {"regular_bursting", 200, 10, -58, 2, 120, 100, -46, 210},
    {"delayed_accelerating", 200, 12, -70, -10, 300, 0, -58, 300},
    {"delayed_regular_bursting", 100, 10, -65, -10, 90, 30, -47, 110},
    {"transient", 100, 10, -65, 10, 90, 100, -47, 180},
    {"irregular", 100, 12, -60, -11, 130, 30, -48, 160},
};

constexpr int kPulses = 3;

std::string pulse_name(int k) { return "pulse" + std::to_string(k); }

void check_whole(const double* p, const Spec& spec, const std::string& name, const std::string& where) {
  const double v = p[adex_model_info().param_index(name)];
  if (v != std::floor(v)) {
    throw SpecError(spec.param_field(name), name + " = " + format_number(v) + " must be a whole number" + where);
  }
}

void check_adex_point(const double* p, const Spec& spec, const std::string& where) {
  const ModelInfo& m = adex_model_info();
  const auto P = [&](const char* name) { return p[m.param_index(name)]; };
  const double V_peak = P("V_peak_mV");
  for (const char* name : {"V_r_mV", "V_T_mV", "V_init_mV"}) {
    if (!(P(name) < V_peak)) {
      throw SpecError(spec.param_field(name), std::string(name) + " (" + format_number(P(name)) +
                                                  ") must be below V_peak_mV (" + format_number(V_peak) + ")" + where);
    }
  }
  check_whole(p, spec, "adaptation_skip", where);
  check_whole(p, spec, "isi_K", where);
  if (spec.integrator == "euler") {
    // Forward Euler on the linear parts is stable only for dt < 2 tau; beyond dt = tau it overshoots.
    const double tau_m = P("C_pF") / P("g_L_nS"), tau_w = P("tau_w_ms");
    const double tau = std::min(tau_m, tau_w);
    if (!(spec.dt_ms < tau)) {
      throw SpecError("dt_ms", "forward Euler needs dt_ms below tau_m = C/g_L and tau_w (here " + format_number(tau) +
                                   " ms, got " + format_number(spec.dt_ms) + ")" + where +
                                   "; use a smaller dt_ms or \"integrator\": \"exponential\"");
    }
  }
}

std::vector<ParamInfo> params() {
  std::vector<std::string> patterns = {"none"};
  for (const NaudRow& r : kNaud) patterns.push_back(r.name);
  std::vector<ParamInfo> p = {
      numeric_param("C_pF", 200.0, "pF", "membrane capacitance", 0.0, true),
      numeric_param("g_L_nS", 10.0, "nS", "leak conductance", 0.0, true),
      numeric_param("E_L_mV", -70.0, "mV", "leak reversal potential"),
      numeric_param("V_T_mV", -50.0, "mV", "threshold of the exponential term: it equals g_L Delta_T at V = V_T (must be < V_peak_mV)"),
      numeric_param("Delta_T_mV", 2.0, "mV", "slope factor: sharpness of spike initiation (-> 0: LIF with threshold V_T)", 0.0, true),
      numeric_param("a_nS", 2.0, "nS", "subthreshold adaptation: tau_w dw/dt = a (V - E_L) - w"),
      numeric_param("tau_w_ms", 30.0, "ms", "adaptation time constant", 0.0, true),
      numeric_param("b_pA", 0.0, "pA", "spike-triggered adaptation: w += b at each spike"),
      numeric_param("V_r_mV", -58.0, "mV", "reset potential after a spike (must be < V_peak_mV)"),
      numeric_param("V_peak_mV", 0.0, "mV", "spike cut-off: a spike is emitted when V > V_peak_mV"),
      numeric_param("t_ref_ms", 0.0, "ms", "absolute refractory period, V held at V_r_mV (w keeps evolving)", 0.0),
      numeric_param("sigma_mV_sqrt_ms", 0.0, "mV/sqrt(ms)", "noise amplitude: V += sigma sqrt(dt) xi each step", 0.0),
      numeric_param("V_init_mV", -70.0, "mV", "membrane potential at t = 0 (must be < V_peak_mV)"),
      numeric_param("w_init_pA", 0.0, "pA", "adaptation current at t = 0"),
      numeric_param("I_pA", 500.0, "pA", "step current amplitude"),
      numeric_param("I_onset_ms", 0.0, "ms", "step current onset", 0.0),
      numeric_param("I_duration_ms", 0.0, "ms", "step current duration (0: to the end of the run)", 0.0),
  };
  for (int k = 1; k <= kPulses; ++k) {
    const std::string pulse = pulse_name(k), n = std::to_string(k);
    p.push_back(numeric_param(pulse + "_onset_ms", 0.0, "ms", "onset of pulse " + n, 0.0));
    p.push_back(numeric_param(pulse + "_duration_ms", 0.0, "ms", "duration of pulse " + n + " (0: none)", 0.0));
    p.push_back(numeric_param(pulse + "_pA", 0.0, "pA", "amplitude of pulse " + n + " (added to the step current)"));
  }
  p.push_back(numeric_param("adaptation_skip", 4.0, "", "leading ISIs left out of adaptation_index and isi_ratio (whole number)", 0.0, false, 1e6));
  p.push_back(numeric_param("isi_K", 8.0, "", "ISIs kept per instance in isi_first_ms (whole number, same at every sweep point)", 1.0, false, 1000.0));
  p.push_back(choice_param("naud_pattern", patterns, 0,
                           "parameter set of Naud et al. (2008), Table 1; its values apply where the spec does not set them"));
  return p;
}

std::vector<ModelInfo::Preset> presets() {
  std::vector<ModelInfo::Preset> out;
  for (const NaudRow& r : kNaud) {
    out.push_back({"naud_pattern", r.name,
                   {{"C_pF", r.C_pF}, {"g_L_nS", r.g_L_nS}, {"E_L_mV", r.E_L_mV}, {"a_nS", r.a_nS},
                    {"tau_w_ms", r.tau_w_ms}, {"b_pA", r.b_pA}, {"V_r_mV", r.V_r_mV}, {"I_pA", r.I_pA},
                    {"V_init_mV", r.E_L_mV}}});
  }
  return out;
}

std::uint32_t isi_K_of(const Spec& spec) { return static_cast<std::uint32_t>(spec.param(0, "isi_K")); }

}  // namespace

std::vector<float> isi_first_ms(const std::vector<std::uint32_t>& steps, double dt_ms) {
  std::vector<float> ms(steps.size());
  for (std::size_t k = 0; k < steps.size(); ++k) {
    ms[k] = steps[k] == 0u ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(double(steps[k]) * dt_ms);
  }
  return ms;
}

const ModelInfo& adex_model_info() {
  static const ModelInfo info = [] {
    ModelInfo m;
    m.name = "adex";
    m.description = "Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005), C dV/dt = -g_L (V - E_L) "
                    "+ g_L Delta_T exp((V - V_T)/Delta_T) - w + I, tau_w dw/dt = a (V - E_L) - w, with firing-pattern "
                    "observables";
    m.params = params();
    m.presets = presets();
    m.observables = {NB_ADEX_OBSERVABLE_COLUMNS(NB_OBSERVABLE_NAME)};
    m.integer_observables = {"initial_burst_spikes", "pattern"};
    m.trace_vars = {"V_mV", "w_pA"};
    m.integrators = {"exponential", "euler"};
    m.per_run_params = {"isi_K"};
    m.instance_arrays = {{"isi_first_ms", [](const Spec& spec) { return std::size_t(isi_K_of(spec)); }, {{"isi", {}}}}};
    m.check_point = check_adex_point;
    m.make_engine = make_engine<AdexTraits>;
    m.bytes_per_instance = [](const Spec& spec) {
      return kAdexBytesPerInstance + std::size_t(isi_K_of(spec)) * 2 * sizeof(float);  // buffer and result
    };
    return m;
  }();
  return info;
}

AdexChunk assemble_adex_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids) {
  const ModelInfo& m = *spec.model;
  const std::size_t iC = m.param_index("C_pF"), igL = m.param_index("g_L_nS"), iEL = m.param_index("E_L_mV"),
                    iVT = m.param_index("V_T_mV"), iD = m.param_index("Delta_T_mV"), ia = m.param_index("a_nS"),
                    itw = m.param_index("tau_w_ms"), ib = m.param_index("b_pA"), iVr = m.param_index("V_r_mV"),
                    iVp = m.param_index("V_peak_mV"), iref = m.param_index("t_ref_ms"),
                    isig = m.param_index("sigma_mV_sqrt_ms"), iV0 = m.param_index("V_init_mV"),
                    iw0 = m.param_index("w_init_pA"), iI = m.param_index("I_pA"), ion = m.param_index("I_onset_ms"),
                    idur = m.param_index("I_duration_ms"), iskip = m.param_index("adaptation_skip");
  std::size_t ipulse[kPulses][3];
  for (int k = 0; k < kPulses; ++k) {
    const std::string pulse = pulse_name(k + 1);
    ipulse[k][0] = m.param_index(pulse + "_onset_ms");
    ipulse[k][1] = m.param_index(pulse + "_duration_ms");
    ipulse[k][2] = m.param_index(pulse + "_pA");
  }
  const double dt = spec.dt_ms;
  const bool exponential = spec.integrator == "exponential";

  AdexChunk c;
  c.seed = spec.seed;
  c.exponential = exponential;
  c.dt_ms = dt;
  c.isi_K = isi_K_of(spec);
  const std::size_t n = ids.size();
#define NB_RESIZE(type, name) c.name.assign(n, type{});
  NB_ADEX_INPUTS(NB_RESIZE)
  NB_ADEX_STATE(NB_RESIZE)
#undef NB_RESIZE
  c.n = n;
  c.instance_id = ids;
  const std::uint32_t forever = std::numeric_limits<std::uint32_t>::max();
  for (std::size_t i = 0; i < n; ++i) {
    const double* p = spec.point_params(ids[i] / spec.trials);
    const double C = p[iC], g_L = p[igL], Delta_T = p[iD], tau_w = p[itw];
    c.dt_over_C[i] = static_cast<float>(dt / C);
    c.g_L_nS[i] = static_cast<float>(g_L);
    c.g_L_Delta_T[i] = static_cast<float>(g_L * Delta_T);
    c.E_L_mV[i] = static_cast<float>(p[iEL]);
    c.V_T_mV[i] = static_cast<float>(p[iVT]);
    c.inv_Delta_T[i] = static_cast<float>(1.0 / Delta_T);
    c.x_cap[i] = static_cast<float>(std::min((p[iVp] - p[iVT]) / Delta_T, double(adex::kExpArgMax)));
    c.a_nS[i] = static_cast<float>(p[ia]);
    c.k_w[i] = static_cast<float>(exponential ? -std::expm1(-dt / tau_w) : dt / tau_w);
    c.b_pA[i] = static_cast<float>(p[ib]);
    c.V_r_mV[i] = static_cast<float>(p[iVr]);
    c.V_peak_mV[i] = static_cast<float>(p[iVp]);
    c.noise_mV[i] = static_cast<float>(p[isig] * std::sqrt(dt));
    c.refractory_steps[i] = to_step(p[iref], dt);
    c.I0_begin[i] = first_step_from(p[ion], dt);
    c.I0_end[i] = p[idur] > 0 ? first_step_from(p[ion] + p[idur], dt) : forever;
    c.I0_pA[i] = static_cast<float>(p[iI]);
    std::uint32_t* begin[kPulses] = {&c.I1_begin[i], &c.I2_begin[i], &c.I3_begin[i]};
    std::uint32_t* end[kPulses] = {&c.I1_end[i], &c.I2_end[i], &c.I3_end[i]};
    float* amp[kPulses] = {&c.I1_pA[i], &c.I2_pA[i], &c.I3_pA[i]};
    for (int k = 0; k < kPulses; ++k) {
      const double onset = p[ipulse[k][0]], duration = p[ipulse[k][1]];
      *begin[k] = first_step_from(onset, dt);
      *end[k] = duration > 0 ? first_step_from(onset + duration, dt) : *begin[k];
      *amp[k] = static_cast<float>(p[ipulse[k][2]]);
    }
    c.skip[i] = static_cast<std::uint32_t>(p[iskip]);
    c.V_mV[i] = static_cast<float>(p[iV0]);
    c.w_pA[i] = static_cast<float>(p[iw0]);
    c.noisy = c.noisy || c.noise_mV[i] != 0.0f;
  }
  assign_recording(c, spec, ids);
  return c;
}

}  // namespace nb
