#include "host/lif_batch.hpp"

#include <cmath>

#include "host/buffered_engine.hpp"
#include "host/errors.hpp"
#include "host/model_helpers.hpp"

namespace nb {

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

std::unique_ptr<ChunkEngine> make_lif_chunk_engine(const EngineConfig& config) {
  if (config.backend == "cuda") return make_lif_cuda_engine(config);
  return std::make_unique<BufferedEngine<LifTraits, CpuBackend>>(config);
}

#if !defined(NB_HAVE_CUDA)
std::unique_ptr<ChunkEngine> make_lif_cuda_engine(const EngineConfig&) {
  throw BackendUnavailable("--backend cuda: this build has no CUDA backend");
}
#endif

}  // namespace nb
