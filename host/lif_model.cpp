#include "host/lif_model.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include "host/errors.hpp"
#include "host/lif_batch.hpp"
#include "host/model_helpers.hpp"
#include "host/spec.hpp"

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
    m.observables = {"spike_count", "rate_Hz", "first_spike_ms", "isi_mean_ms", "isi_sd_ms", "isi_cv"};
    m.trace_vars = {"V_mV"};
    m.integrators = {"euler", "exact"};
    m.check_point = check_lif_point;
    m.make_engine = make_lif_chunk_engine;
    m.bytes_per_instance = [](const Spec&) { return kLifBytesPerInstance; };
    return m;
  }();
  return info;
}

}  // namespace nb
