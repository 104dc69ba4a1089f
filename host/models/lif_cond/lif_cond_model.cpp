#include "host/models/lif_cond/lif_cond_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "host/common/errors.hpp"
#include "host/engine/make_engine.hpp"
#include "host/models/lif_cond/lif_cond_model.hpp"
#include "host/models/model_helpers.hpp"
#include "kernels/common/fields.hpp"
#include "host/spec/spec.hpp"

namespace nb {
namespace {

constexpr double kMaxInputs = 100000;  // per population and neuron

const std::vector<ParamInfo>& lif_cond_params() {
  static const std::vector<ParamInfo> params = [] {
    const ParamInfo mg = choice_param("mg_block", {"off", "on"}, 0, "NMDA magnesium block (Jahr & Stevens 1990)");
    return std::vector<ParamInfo>{
        numeric_param("C_nF", 0.2, "nF", "membrane capacitance", 0.0, true),
        numeric_param("G_L_nS", 20.0, "nS", "leak conductance", 0.0, true),
        numeric_param("V_L_mV", -70.0, "mV", "leak reversal potential"),
        numeric_param("V_reset_mV", -60.0, "mV", "reset potential after a spike (must be < V_th_mV)"),
        numeric_param("V_th_mV", -52.0, "mV", "spike threshold"),
        numeric_param("V_spike_mV", -20.0, "mV", "value drawn in traces at a spike step (cosmetic)"),
        numeric_param("t_ref_ms", 2.0, "ms", "absolute refractory period", 0.0),
        numeric_param("I_nA", 0.0, "nA", "constant injected current"),
        numeric_param("sigma_mV_sqrt_ms", 0.0, "mV/sqrt(ms)", "additive membrane noise", 0.0),
        numeric_param("V_init_mV", -70.0, "mV", "membrane potential at t = 0"),
        numeric_param("K_E", 100, "", "excitatory inputs (each with an AMPA and an NMDA gate), integer", 0.0, false, kMaxInputs),
        numeric_param("K_I", 25, "", "inhibitory inputs (GABA_A gates), integer", 0.0, false, kMaxInputs),
        numeric_param("r_E_Hz", 5.0, "Hz", "Poisson rate of each excitatory input", 0.0),
        numeric_param("r_I_Hz", 10.0, "Hz", "Poisson rate of each inhibitory input", 0.0),
        numeric_param("g_AMPA_nS", 4.0, "nS", "maximal AMPA conductance per synapse", 0.0),
        numeric_param("g_NMDA_nS", 0.0, "nS", "maximal NMDA conductance per synapse (0: no NMDA)", 0.0),
        numeric_param("g_GABA_nS", 4.0, "nS", "maximal GABA_A conductance per synapse", 0.0),
        numeric_param("tau_AMPA_ms", 2.0, "ms", "AMPA gate decay", 0.0, true),
        numeric_param("tau_NMDA_ms", 100.0, "ms", "NMDA gate decay", 0.0, true),
        numeric_param("tau_GABA_ms", 10.0, "ms", "GABA_A gate decay", 0.0, true),
        numeric_param("alpha_AMPA", 1.0, "", "AMPA jump: s+ = 1 - (1 - s-) exp(-alpha)", 0.0),
        numeric_param("alpha_NMDA", 1.0, "", "NMDA jump", 0.0),
        numeric_param("alpha_GABA", 1.0, "", "GABA_A jump", 0.0),
        numeric_param("E_AMPA_mV", 0.0, "mV", "AMPA reversal potential"),
        numeric_param("E_NMDA_mV", 0.0, "mV", "NMDA reversal potential"),
        numeric_param("E_GABA_mV", -70.0, "mV", "GABA_A reversal potential"),
        mg,
        numeric_param("Mg_mM", 1.0, "mM", "extracellular magnesium for the block", 0.0),
        numeric_param("transient_ms", 0.0, "ms", "spike, V and conductance statistics use t > transient_ms", 0.0),
    };
  }();
  return params;
}

void check_rate(const double* p, const ModelInfo& m, const Spec& spec, const char* name, const std::string& where) {
  const double per_step = p[m.param_index(name)] * spec.dt_ms * 1e-3;
  if (per_step > 1.0) {
    throw SpecError(spec.param_field(name), std::string(name) + " * dt must be <= 1 spike per step (got " +
                                                format_number(per_step) + ")" + where);
  }
}

void check_count(const double* p, const ModelInfo& m, const Spec& spec, const char* name, const std::string& where) {
  const double k = p[m.param_index(name)];
  if (k != std::floor(k)) {
    throw SpecError(spec.param_field(name), std::string(name) + " must be a whole number of inputs (got " + format_number(k) +
                                                ")" + where);
  }
}

void check_lif_cond_point(const double* p, const Spec& spec, const std::string& where) {
  const ModelInfo& m = lif_cond_model_info();
  if (!(p[m.param_index("V_reset_mV")] < p[m.param_index("V_th_mV")])) {
    throw SpecError(spec.param_field("V_reset_mV"), "V_reset_mV must be below V_th_mV" + where);
  }
  check_count(p, m, spec, "K_E", where);
  check_count(p, m, spec, "K_I", where);
  check_rate(p, m, spec, "r_E_Hz", where);
  check_rate(p, m, spec, "r_I_Hz", where);
  if (std::llround(p[m.param_index("transient_ms")] / spec.dt_ms) >= static_cast<long long>(spec.n_steps)) {
    throw SpecError(spec.param_field("transient_ms"), "transient_ms must leave at least one step before duration_ms" + where);
  }
  // Forward Euler overshoots V_inf once dt G_tot / C >= 1. Gates and the Mg block are at most 1, so the total
  // conductance is at most G_L + K_E (g_AMPA + g_NMDA) + K_I g_GABA.
  const double G_max_nS = p[m.param_index("G_L_nS")] +
                          p[m.param_index("K_E")] * (p[m.param_index("g_AMPA_nS")] + p[m.param_index("g_NMDA_nS")]) +
                          p[m.param_index("K_I")] * p[m.param_index("g_GABA_nS")];
  const double tau_min_ms = 1000.0 * p[m.param_index("C_nF")] / G_max_nS;
  if (spec.integrator == "euler" && !(spec.dt_ms < tau_min_ms)) {
    throw SpecError("dt_ms", "forward Euler needs dt_ms < C / G_max = " + format_number(tau_min_ms) +
                                 " ms, G_max = G_L + K_E (g_AMPA + g_NMDA) + K_I g_GABA = " + format_number(G_max_nS) +
                                 " nS" + where + "; use a smaller dt_ms or \"integrator\": \"exponential\"");
  }
}

// Every input and initial state of one instance from its sweep point's parameters (host, double -> float once).
void set_instance(LifCondChunk& c, std::size_t i, const double* p, const ModelInfo& m, const Spec& spec) {
  const auto P = [&](const char* name) { return p[m.param_index(name)]; };
  const double dt = spec.dt_ms;
  c.G_L_nS[i] = static_cast<float>(P("G_L_nS"));
  c.V_L_mV[i] = static_cast<float>(P("V_L_mV"));
  c.I_pA[i] = static_cast<float>(1000.0 * P("I_nA"));
  c.dt_over_C[i] = static_cast<float>(1e-3 * dt / P("C_nF"));  // dt [ms] G [nS] / C [nF] is 1e-3 dt G / C
  c.noise_mV[i] = static_cast<float>(P("sigma_mV_sqrt_ms") * std::sqrt(dt));
  c.V_reset_mV[i] = static_cast<float>(P("V_reset_mV"));
  c.V_th_mV[i] = static_cast<float>(P("V_th_mV"));
  c.V_spike_mV[i] = static_cast<float>(P("V_spike_mV"));
  c.refractory_steps[i] = to_step(P("t_ref_ms"), dt);
  c.exponential[i] = spec.integrator == "exponential" ? 1u : 0u;
  c.mg_over_357[i] = P("mg_block") != 0.0 ? static_cast<float>(P("Mg_mM") / 3.57) : 0.0f;
  c.g_AMPA_nS[i] = static_cast<float>(P("g_AMPA_nS"));
  c.E_AMPA_mV[i] = static_cast<float>(P("E_AMPA_mV"));
  c.g_NMDA_nS[i] = static_cast<float>(P("g_NMDA_nS"));
  c.E_NMDA_mV[i] = static_cast<float>(P("E_NMDA_mV"));
  c.g_GABA_nS[i] = static_cast<float>(P("g_GABA_nS"));
  c.E_GABA_mV[i] = static_cast<float>(P("E_GABA_mV"));
  c.decay_A[i] = static_cast<float>(std::exp(-dt / P("tau_AMPA_ms")));
  c.decay_N[i] = static_cast<float>(std::exp(-dt / P("tau_NMDA_ms")));
  c.decay_G[i] = static_cast<float>(std::exp(-dt / P("tau_GABA_ms")));
  c.keep_A[i] = static_cast<float>(std::exp(-P("alpha_AMPA")));
  c.keep_N[i] = static_cast<float>(std::exp(-P("alpha_NMDA")));
  c.keep_G[i] = static_cast<float>(std::exp(-P("alpha_GABA")));
  c.K_E[i] = static_cast<std::uint32_t>(P("K_E"));
  c.K_I[i] = static_cast<std::uint32_t>(P("K_I"));
  c.threshold_E[i] = fixed_point_fraction(P("r_E_Hz") * dt * 1e-3);
  c.threshold_I[i] = fixed_point_fraction(P("r_I_Hz") * dt * 1e-3);
  c.transient_steps[i] = to_step(P("transient_ms"), dt);
  c.V_mV[i] = static_cast<float>(P("V_init_mV"));
  c.noisy = c.noisy || c.noise_mV[i] != 0.0f;
  c.K_E_max = std::max(c.K_E_max, c.K_E[i]);
  c.K_I_max = std::max(c.K_I_max, c.K_I[i]);
}

// Inputs + state + observables, and 8 bytes that no field holds: the sum by hand that this replaced counted them;
// kept so that chunk plans, and the summary's chunk_plan_MiB, stay the same.
constexpr std::size_t kListedBytesPerInstance = NB_FIELD_BYTES(NB_LIF_COND_INPUTS) + NB_FIELD_BYTES(NB_LIF_COND_STATE) +
                                                NB_FIELD_BYTES(NB_LIF_COND_OBSERVABLES) + 8;
static_assert(kListedBytesPerInstance == 8 + 31 * 4 + 9 * 4 + 8 + 8 * 8 + 13 * 8,
              "the chunk plan's bytes per instance changed");

// The lists' bytes, plus the gates of the largest input counts of the spec.
std::size_t lif_cond_bytes_per_instance(const Spec& spec) {
  const ModelInfo& m = *spec.model;
  double K_E = 0, K_I = 0;
  for (std::uint64_t p = 0; p < spec.n_points(); ++p) {
    K_E = std::max(K_E, spec.point_params(p)[m.param_index("K_E")]);
    K_I = std::max(K_I, spec.point_params(p)[m.param_index("K_I")]);
  }
  return kListedBytesPerInstance + static_cast<std::size_t>(2 * K_E + K_I) * 4;
}

}  // namespace

LifCondChunk assemble_lif_cond_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids) {
  LifCondChunk c;
  c.seed = spec.seed;
  const std::size_t n = ids.size();
#define NB_RESIZE(type, name) c.name.assign(n, type{});
  NB_LIF_COND_INPUTS(NB_RESIZE)
  NB_LIF_COND_STATE(NB_RESIZE)
#undef NB_RESIZE
  c.n = n;
  c.instance_id = ids;
  for (std::size_t i = 0; i < n; ++i) set_instance(c, i, spec.point_params(ids[i] / spec.trials), *spec.model, spec);
  assign_recording(c, spec, ids);  // rows are (n,) even when nothing is recorded: the CPU kernel loads them
  return c;
}

const ModelInfo& lif_cond_model_info() {
  static const ModelInfo info = [] {
    ModelInfo m;
    m.name = "lif_cond";
    m.description = "LIF neuron driven through AMPA, NMDA and GABA_A kinetic synapses by K_E excitatory and K_I "
                    "inhibitory Poisson inputs (conductance-based)";
    m.params = lif_cond_params();
    m.observables = {NB_LIF_COND_OBSERVABLE_COLUMNS(NB_OBSERVABLE_NAME)};
    m.trace_vars = {"V_mV", "g_AMPA_nS", "g_NMDA_nS", "g_GABA_nS"};
    m.integrators = {"exponential", "euler"};
    m.check_point = check_lif_cond_point;
    m.make_engine = make_engine<LifCondTraits>;
    m.bytes_per_instance = lif_cond_bytes_per_instance;
    return m;
  }();
  return info;
}

}  // namespace nb
