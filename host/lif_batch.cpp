#include "host/lif_batch.hpp"

#include <algorithm>
#include <cmath>

#include "host/engines.hpp"
#include "host/model_helpers.hpp"

namespace nb {
namespace {

// Adapts a backend's LifEngine to the generic ChunkEngine contract.
class LifChunkEngine final : public ChunkEngine {
 public:
  explicit LifChunkEngine(std::unique_ptr<LifEngine> engine) : engine_(std::move(engine)) {}

  void load(const Spec& spec, const std::vector<std::uint64_t>& ids) override {
    spec_ = &spec;
    chunk_ = assemble_lif_chunk(spec, ids);  // the engine may keep pointers into it until finish()
    engine_->load(chunk_);
  }

  void advance(std::uint32_t step_begin, std::uint32_t step_end) override { engine_->advance(step_begin, step_end); }

  ChunkResult finish() override {
    LifChunkResult r = engine_->finish(spec_->dt_ms, static_cast<std::uint32_t>(spec_->n_steps));
    ChunkResult out;
    // Same order as lif_model_info().observables.
    out.observables = {std::vector<double>(r.spike_count.begin(), r.spike_count.end()), std::move(r.rate_Hz),
                       std::move(r.first_spike_ms), std::move(r.isi_mean_ms), std::move(r.isi_sd_ms),
                       std::move(r.isi_cv)};
    if (!spec_->traces.vars.empty()) out.traces.push_back(std::move(r.trace_V_mV));  // the only traceable var
    out.spike_steps = std::move(r.spike_steps);
    return out;
  }

 private:
  std::unique_ptr<LifEngine> engine_;
  const Spec* spec_ = nullptr;
  LifChunk chunk_;
};

}  // namespace

std::unique_ptr<ChunkEngine> make_lif_chunk_engine(const EngineConfig& config) {
  return std::make_unique<LifChunkEngine>(config.backend == "cuda" ? make_cuda_lif_engine(config.math)
                                                                   : make_cpu_lif_engine(config.threads));
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
  c.instance_id = ids;
  const std::size_t n = ids.size();
  for (auto* v : {&c.V_inf_mV, &c.decay, &c.noise_mV, &c.V_reset_mV, &c.V_th_mV, &c.V_spike_mV, &c.V_init_mV}) {
    v->resize(n);
  }
  c.refractory_steps.resize(n);
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
    c.V_init_mV[i] = static_cast<float>(p[iV0]);
    c.refractory_steps[i] = static_cast<std::uint32_t>(std::llround(p[iref] / dt_ms));
    c.noisy = c.noisy || c.noise_mV[i] != 0.0f;
  }
  assign_recording(c, spec, ids);
  return c;
}

}  // namespace nb
