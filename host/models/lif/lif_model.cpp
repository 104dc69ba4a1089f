#include "host/models/lif/lif_model.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include "host/common/errors.hpp"
#include "host/engine/make_engine.hpp"
#include "host/models/model_helpers.hpp"
#include "host/spec/spec.hpp"

namespace nb {

namespace {

void check_lif_point(const double* p, const Spec& spec, const std::string& where) {
  const ModelInfo& m = lif_model_info();
  const double V_reset = p[m.param_index("V_reset_mV")];
  const double V_th = p[m.param_index("V_th_mV")];
  if (!(V_reset < V_th)) {
    throw SpecError(spec.param_field("V_reset_mV"), "V_reset_mV (" + format_number(V_reset) + ") must be below V_th_mV (" + format_number(V_th) +
                                             ")" + where);
  }
  const double tau_ms = 1000.0 * p[m.param_index("C_nF")] / p[m.param_index("G_L_nS")];
  // Forward Euler on a linear ODE is stable only for dt < 2 tau; beyond dt = tau it overshoots V_inf.
  if (spec.integrator == "euler" && !(spec.dt_ms < tau_ms)) {
    throw SpecError("dt_ms", "forward Euler needs dt_ms < tau_m = C/G_L = " + format_number(tau_ms) + " ms (got " +
                                 format_number(spec.dt_ms) + ")" + where + "; use a smaller dt_ms or \"integrator\": \"exact\"");
  }
}

}  // namespace

const ModelInfo& lif_model_info() {
  static const ModelInfo info = [] {
    ModelInfo m;
    m.name = "lif";
    m.description = "Leaky integrate-and-fire neuron, C dV/dt = -G_L (V - V_L) + I, with additive white noise";
    m.params = {
        numeric_param("C_nF", 0.2, "nF", "membrane capacitance", 0.0, true),
        numeric_param("G_L_nS", 20.0, "nS", "leak conductance", 0.0, true),
        numeric_param("V_L_mV", -70.0, "mV", "leak reversal potential"),
        numeric_param("V_reset_mV", -60.0, "mV", "reset potential after a spike (must be < V_th_mV)"),
        numeric_param("V_th_mV", -52.0, "mV", "spike threshold: a spike is emitted when V > V_th_mV"),
        numeric_param("V_spike_mV", -20.0, "mV", "value drawn in traces at a spike step (cosmetic)"),
        numeric_param("t_ref_ms", 2.0, "ms", "absolute refractory period, V held at V_reset_mV", 0.0),
        numeric_param("I_nA", 0.0, "nA", "constant injected current"),
        numeric_param("sigma_mV_sqrt_ms", 0.3, "mV/sqrt(ms)", "noise amplitude: V += sigma sqrt(dt) xi each step", 0.0),
        numeric_param("V_init_mV", -70.0, "mV", "membrane potential at t = 0"),
    };
    m.observables = {NB_LIF_OBSERVABLE_COLUMNS(NB_OBSERVABLE_NAME)};
    m.trace_vars = {"V_mV"};
    m.integrators = {"euler", "exact"};
    m.check_point = check_lif_point;
    m.make_engine = make_engine<LifTraits>;
    m.bytes_per_instance = [](const Spec&) { return kLifBytesPerInstance; };
    return m;
  }();
  return info;
}

LifChunk assemble_lif_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids) {
  const ModelInfo& m = *spec.model;
  const std::size_t iC = m.param_index("C_nF"), iG = m.param_index("G_L_nS"), iVL = m.param_index("V_L_mV"),
                    iVr = m.param_index("V_reset_mV"), iVth = m.param_index("V_th_mV"),
                    iVsp = m.param_index("V_spike_mV"), iref = m.param_index("t_ref_ms"),
                    iI = m.param_index("I_nA"), isig = m.param_index("sigma_mV_sqrt_ms"),
                    iV0 = m.param_index("V_init_mV");
  const double dt_ms = spec.dt_ms;
  const bool exact = spec.integrator == "exact";

  LifChunk c;
  c.seed = spec.seed;
  const std::size_t n = ids.size();
#define NB_RESIZE(type, name) c.name.assign(n, type{});
  NB_LIF_INPUTS(NB_RESIZE)
  NB_LIF_STATE(NB_RESIZE)
#undef NB_RESIZE
  c.n = n;
  c.instance_id = ids;
  for (std::size_t i = 0; i < n; ++i) {
    const double* p = spec.point_params(ids[i] / spec.trials);
    const double tau_ms = 1000.0 * p[iC] / p[iG];  // nF / nS = s
    const double G_L_uS = 1e-3 * p[iG];            // nA / uS = mV
    c.V_inf_mV[i] = static_cast<float>(p[iVL] + p[iI] / G_L_uS);
    c.decay[i] = static_cast<float>(exact ? std::exp(-dt_ms / tau_ms) : 1.0 - dt_ms / tau_ms);
    c.noise_mV[i] = static_cast<float>(p[isig] * std::sqrt(dt_ms));
    c.V_reset_mV[i] = static_cast<float>(p[iVr]);
    c.V_th_mV[i] = static_cast<float>(p[iVth]);
    c.V_spike_mV[i] = static_cast<float>(p[iVsp]);
    c.refractory_steps[i] = to_step(p[iref], dt_ms);
    c.V_mV[i] = static_cast<float>(p[iV0]);
    c.noisy = c.noisy || c.noise_mV[i] != 0.0f;
  }
  assign_recording(c, spec, ids);
  return c;
}

}  // namespace nb
