#include "host/models/synapse/synapse_model.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "host/common/errors.hpp"
#include "host/models/lif/lif_model.hpp"
#include "host/models/model_helpers.hpp"
#include "host/spec/spec.hpp"
#include "host/engine/make_engine.hpp"
#include "host/models/synapse/synapse_model.hpp"

namespace nb {
namespace {

void check_synapse_point(const double* p, const Spec& spec, const std::string& where) {
  const ModelInfo& m = synapse_model_info();
  // One Bernoulli draw (poisson) or one phase step (periodic) per time step: at most one spike per step.
  const double spikes_per_step = p[m.param_index("rate_Hz")] * spec.dt_ms * 1e-3;
  if (spikes_per_step > 1.0) {
    throw SpecError(spec.param_field("rate_Hz"), "rate_Hz * dt must be <= 1 spike per step (got " +
                                                     format_number(spikes_per_step) + ")" + where + "; lower rate_Hz or dt_ms");
  }
  // The statistics need at least one sampled step after the transient (counted in whole steps).
  if (std::llround(p[m.param_index("transient_ms")] / spec.dt_ms) >= static_cast<long long>(spec.n_steps)) {
    throw SpecError(spec.param_field("transient_ms"), "transient_ms must leave at least one step before duration_ms = " +
                                                          format_number(spec.duration_ms) + " ms" + where);
  }
}

// ---- Chunk assembly --------------------------------------------------------------------------------------------

// The presynaptic LIF neuron: the LIF model's defaults with the synapse model's current and noise.
void set_pre_neuron(SynapseChunk& c, std::size_t i, double I_nA, double sigma, double dt_ms) {
  const ModelInfo& lif = lif_model_info();
  const auto def = [&](const char* name) { return lif.params[lif.param_index(name)].default_value; };
  const double tau_ms = 1000.0 * def("C_nF") / def("G_L_nS");
  c.pre_V_inf_mV[i] = static_cast<float>(def("V_L_mV") + I_nA / (1e-3 * def("G_L_nS")));
  c.pre_decay[i] = static_cast<float>(std::exp(-dt_ms / tau_ms));
  c.pre_noise_mV[i] = static_cast<float>(sigma * std::sqrt(dt_ms));
  c.pre_V_reset_mV[i] = static_cast<float>(def("V_reset_mV"));
  c.pre_V_th_mV[i] = static_cast<float>(def("V_th_mV"));
  c.pre_refractory_steps[i] = to_step(def("t_ref_ms"), dt_ms);
  c.pre_V_mV[i] = static_cast<float>(def("V_init_mV"));
}

void resize(SynapseChunk& c, std::size_t n) {
#define NB_RESIZE(type, name) c.name.assign(n, type{});
  NB_SYNAPSE_INPUTS(NB_RESIZE)
  NB_SYNAPSE_STATE(NB_RESIZE)
#undef NB_RESIZE
  c.n = n;
}

}  // namespace

SynapseChunk assemble_synapse_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids) {
  const ModelInfo& m = *spec.model;
  const std::size_t i_tau = m.param_index("tau_s_ms"), i_alpha = m.param_index("alpha"),
                    i_train = m.param_index("train"), i_rate = m.param_index("rate_Hz"),
                    i_phase = m.param_index("phase"), i_Ipre = m.param_index("I_pre_nA"),
                    i_sigpre = m.param_index("sigma_pre_mV_sqrt_ms"), i_s0 = m.param_index("s_init"),
                    i_trans = m.param_index("transient_ms");
  const double dt_ms = spec.dt_ms;
  SynapseChunk c;
  c.seed = spec.seed;
  resize(c, ids.size());
  c.instance_id = ids;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const double* p = spec.point_params(ids[i] / spec.trials);
    const auto train = static_cast<std::uint32_t>(p[i_train]);
    const double spikes_per_step = p[i_rate] * dt_ms * 1e-3;
    c.decay[i] = static_cast<float>(std::exp(-dt_ms / p[i_tau]));
    c.keep[i] = static_cast<float>(std::exp(-p[i_alpha]));
    c.train[i] = train;
    c.phase_increment[i] = static_cast<std::uint64_t>(std::ceil(spikes_per_step * 4294967296.0));
    c.poisson_threshold[i] = fixed_point_fraction(spikes_per_step);  // P(word < threshold) = threshold / 2^32
    c.transient_steps[i] = to_step(p[i_trans], dt_ms);
    set_pre_neuron(c, i, p[i_Ipre], p[i_sigpre], dt_ms);
    c.s[i] = static_cast<float>(p[i_s0]);
    c.phase[i] = fixed_point_fraction(p[i_phase]);
    c.any_poisson = c.any_poisson || train == synapse::kPoisson;
    c.any_lif = c.any_lif || train == synapse::kLif;
  }
  assign_recording(c, spec, ids);
  return c;
}

const ModelInfo& synapse_model_info() {
  static const ModelInfo info = [] {
    ModelInfo m;
    m.name = "synapse";
    m.description =
        "Kinetic synapse driven by a presynaptic train: ds/dt = alpha sum_j delta(t - t_j) (1 - s) - s / tau_s";
    m.params = {
        choice_param("receptor", {"AMPA", "GABA_A", "NMDA"}, 0, "receptor preset: sets tau_s_ms unless given"),
        numeric_param("tau_s_ms", 2.0, "ms", "decay time constant of s (AMPA 2, GABA_A 10, NMDA 100)", 0.0, true),
        numeric_param("alpha", 1.0, "", "jump strength: s+ = 1 - (1 - s-) exp(-alpha)", 0.0),
        choice_param("train", {"periodic", "poisson", "lif"}, 1, "presynaptic spike train"),
        numeric_param("rate_Hz", 10.0, "Hz", "presynaptic rate (periodic and poisson trains); rate * dt <= 1", 0.0),
        numeric_param("phase", 0.0, "", "periodic train: fraction of the period elapsed at t = 0", 0.0, false, 1.0, true),
        numeric_param("I_pre_nA", 0.45, "nA", "lif train: current into the presynaptic LIF neuron (LIF defaults otherwise)"),
        numeric_param("sigma_pre_mV_sqrt_ms", 0.0, "mV/sqrt(ms)", "lif train: presynaptic membrane noise", 0.0),
        numeric_param("s_init", 0.0, "", "s at t = 0", 0.0, false, 1.0),
        numeric_param("transient_ms", 0.0, "ms", "statistics of s use t > transient_ms", 0.0),
    };
    m.presets = {{"receptor", "GABA_A", {{"tau_s_ms", 10.0}}}, {"receptor", "NMDA", {{"tau_s_ms", 100.0}}}};
    m.observables = {NB_SYNAPSE_OBSERVABLE_COLUMNS(NB_OBSERVABLE_NAME)};
    m.trace_vars = {"s", "V_pre_mV"};
    m.integrators = {"exact"};
    m.check_point = check_synapse_point;
    m.make_engine = make_engine<SynapseTraits>;
    m.bytes_per_instance = [](const Spec&) { return kSynapseBytesPerInstance; };
    return m;
  }();
  return info;
}

}  // namespace nb
