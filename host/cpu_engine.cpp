// The CPU reference backend's engine: host vectors, and a View over them for kernels/lif/lif_cpu.cpp.
#include <memory>

#include "host/engines.hpp"
#include "host/errors.hpp"
#include "kernels/lif/lif_kernels.hpp"

namespace nb {
namespace {

class CpuLifEngine final : public LifEngine {
 public:
  explicit CpuLifEngine(int threads) : threads_(threads) {}

  void load(const LifChunk& chunk) override {
    chunk_ = &chunk;
    const std::size_t n = chunk.size();
    V_mV_ = chunk.V_init_mV;
    refractory_left_.assign(n, 0);
    spike_count_.assign(n, 0);
    first_spike_step_.assign(n, 0);
    last_spike_step_.assign(n, 0);
    isi_sq_sum_.assign(n, 0);
    result_ = LifChunkResult{};
    result_.trace_V_mV.assign(std::size_t(chunk.trace_rows) * chunk.trace_samples, 0.0f);
    result_.spike_steps.assign(std::size_t(chunk.spike_rows) * chunk.spike_capacity, 0u);
    for (auto* v : {&result_.rate_Hz, &result_.first_spike_ms, &result_.isi_mean_ms, &result_.isi_sd_ms,
                    &result_.isi_cv}) {
      v->assign(n, 0.0);
    }
  }

  void advance(std::uint32_t step_begin, std::uint32_t step_end) override {
    lif::advance_cpu(view(), step_begin, step_end, threads_);
  }

  LifChunkResult finish(double dt_ms, std::uint32_t n_steps) override {
    lif::finalize_cpu(view(), dt_ms, n_steps, threads_);
    result_.spike_count = spike_count_;
    return std::move(result_);
  }

 private:
  lif::View view() {
    const LifChunk& c = *chunk_;
    lif::View v;
    v.n = c.size();
    v.seed = c.seed;
    v.noisy = c.noisy;
    v.instance_id = c.instance_id.data();
    v.V_inf_mV = c.V_inf_mV.data();
    v.decay = c.decay.data();
    v.noise_mV = c.noise_mV.data();
    v.V_reset_mV = c.V_reset_mV.data();
    v.V_th_mV = c.V_th_mV.data();
    v.V_spike_mV = c.V_spike_mV.data();
    v.refractory_steps = c.refractory_steps.data();
    v.V_mV = V_mV_.data();
    v.refractory_left = refractory_left_.data();
    v.spike_count = spike_count_.data();
    v.first_spike_step = first_spike_step_.data();
    v.last_spike_step = last_spike_step_.data();
    v.isi_sq_sum_steps2 = isi_sq_sum_.data();
    if (c.trace_rows > 0) {
      v.trace_row = c.trace_row.data();
      v.trace_V_mV = result_.trace_V_mV.data();
      v.trace_every = c.trace_every;
      v.trace_samples = c.trace_samples;
    }
    if (c.spike_rows > 0) {
      v.spike_row = c.spike_row.data();
      v.spike_steps = result_.spike_steps.data();
      v.spike_capacity = c.spike_capacity;
    }
    v.rate_Hz = result_.rate_Hz.data();
    v.first_spike_ms = result_.first_spike_ms.data();
    v.isi_mean_ms = result_.isi_mean_ms.data();
    v.isi_sd_ms = result_.isi_sd_ms.data();
    v.isi_cv = result_.isi_cv.data();
    return v;
  }

  int threads_;
  const LifChunk* chunk_ = nullptr;
  // State (n,)
  std::vector<float> V_mV_;
  std::vector<std::uint32_t> refractory_left_, spike_count_, first_spike_step_, last_spike_step_;
  std::vector<std::uint64_t> isi_sq_sum_;
  LifChunkResult result_;
};

}  // namespace

std::unique_ptr<LifEngine> make_cpu_lif_engine(int threads) { return std::make_unique<CpuLifEngine>(threads); }

#if !defined(NB_HAVE_CUDA)
std::string cuda_unavailable_reason() { return "this build has no CUDA backend (nvcc was not found at configure time)"; }
std::vector<CudaDeviceInfo> cuda_devices() { return {}; }
std::unique_ptr<LifEngine> make_cuda_lif_engine(MathMode) {
  throw BackendUnavailable("--backend cuda: " + cuda_unavailable_reason());
}
#endif

}  // namespace nb
