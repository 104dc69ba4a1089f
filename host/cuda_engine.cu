// The CUDA backend's engine: the chunk's structure-of-arrays in device memory (thrust::device_vector), a View
// of device pointers for kernels/lif/lif_cuda.cuh, and the device probe used by `--backend auto` and `info`.
#include <thrust/copy.h>
#include <thrust/device_vector.h>

#include <memory>

#include "host/engines.hpp"
#include "host/errors.hpp"
#include "kernels/cuda/check.cuh"
#include "kernels/lif/lif_kernels.hpp"

namespace nb {
namespace {

template <class T>
T* ptr(thrust::device_vector<T>& v) {
  return thrust::raw_pointer_cast(v.data());
}
template <class T>
const T* ptr(const thrust::device_vector<T>& v) {
  return thrust::raw_pointer_cast(v.data());
}
template <class T>
std::vector<T> to_host(const thrust::device_vector<T>& d) {
  std::vector<T> h(d.size());
  thrust::copy(d.begin(), d.end(), h.begin());
  return h;
}

class CudaLifEngine final : public LifEngine {
 public:
  explicit CudaLifEngine(MathMode math) : math_(math) {}

  void load(const LifChunk& c) override {
    const std::size_t n = c.size();
    n_ = n;
    seed_ = c.seed;
    noisy_ = c.noisy;
    instance_id_ = c.instance_id;
    V_inf_mV_ = c.V_inf_mV;
    decay_ = c.decay;
    noise_mV_ = c.noise_mV;
    V_reset_mV_ = c.V_reset_mV;
    V_th_mV_ = c.V_th_mV;
    V_spike_mV_ = c.V_spike_mV;
    refractory_steps_ = c.refractory_steps;
    V_mV_ = c.V_init_mV;
    for (auto* v : {&refractory_left_, &spike_count_, &first_spike_step_, &last_spike_step_}) v->assign(n, 0u);
    isi_sq_sum_.assign(n, 0u);
    for (auto* v : {&rate_Hz_, &first_spike_ms_, &isi_mean_ms_, &isi_sd_ms_, &isi_cv_}) v->assign(n, 0.0);
    trace_row_ = c.trace_row;
    spike_row_ = c.spike_row;
    trace_V_mV_.assign(std::size_t(c.trace_rows) * c.trace_samples, 0.0f);
    spike_steps_.assign(std::size_t(c.spike_rows) * c.spike_capacity, 0u);
    trace_rows_ = c.trace_rows;
    trace_every_ = c.trace_every;
    trace_samples_ = c.trace_samples;
    spike_rows_ = c.spike_rows;
    spike_capacity_ = c.spike_capacity;
  }

  void advance(std::uint32_t step_begin, std::uint32_t step_end) override {
    if (math_ == MathMode::exact) {
      lif::advance_cuda_exact(view(), step_begin, step_end);
    } else {
      lif::advance_cuda_fast(view(), step_begin, step_end);
    }
    // One sync per time segment (thousands of steps): keeps progress honest and surfaces faults where they occur.
    NB_CUDA_CHECK(cudaDeviceSynchronize());
  }

  LifChunkResult finish(double dt_ms, std::uint32_t n_steps) override {
    lif::finalize_cuda(view(), dt_ms, n_steps);
    NB_CUDA_CHECK(cudaDeviceSynchronize());
    LifChunkResult r;
    r.spike_count = to_host(spike_count_);
    r.rate_Hz = to_host(rate_Hz_);
    r.first_spike_ms = to_host(first_spike_ms_);
    r.isi_mean_ms = to_host(isi_mean_ms_);
    r.isi_sd_ms = to_host(isi_sd_ms_);
    r.isi_cv = to_host(isi_cv_);
    r.trace_V_mV = to_host(trace_V_mV_);
    r.spike_steps = to_host(spike_steps_);
    return r;
  }

 private:
  lif::View view() {
    lif::View v;
    v.n = n_;
    v.seed = seed_;
    v.noisy = noisy_;
    v.instance_id = ptr(instance_id_);
    v.V_inf_mV = ptr(V_inf_mV_);
    v.decay = ptr(decay_);
    v.noise_mV = ptr(noise_mV_);
    v.V_reset_mV = ptr(V_reset_mV_);
    v.V_th_mV = ptr(V_th_mV_);
    v.V_spike_mV = ptr(V_spike_mV_);
    v.refractory_steps = ptr(refractory_steps_);
    v.V_mV = ptr(V_mV_);
    v.refractory_left = ptr(refractory_left_);
    v.spike_count = ptr(spike_count_);
    v.first_spike_step = ptr(first_spike_step_);
    v.last_spike_step = ptr(last_spike_step_);
    v.isi_sq_sum_steps2 = ptr(isi_sq_sum_);
    if (trace_rows_ > 0) {
      v.trace_row = ptr(trace_row_);
      v.trace_V_mV = ptr(trace_V_mV_);
      v.trace_every = trace_every_;
      v.trace_samples = trace_samples_;
    }
    if (spike_rows_ > 0) {
      v.spike_row = ptr(spike_row_);
      v.spike_steps = ptr(spike_steps_);
      v.spike_capacity = spike_capacity_;
    }
    v.rate_Hz = ptr(rate_Hz_);
    v.first_spike_ms = ptr(first_spike_ms_);
    v.isi_mean_ms = ptr(isi_mean_ms_);
    v.isi_sd_ms = ptr(isi_sd_ms_);
    v.isi_cv = ptr(isi_cv_);
    return v;
  }

  MathMode math_;
  std::size_t n_ = 0;
  std::uint64_t seed_ = 0;
  bool noisy_ = false;
  // Coefficients (n,)
  thrust::device_vector<std::uint64_t> instance_id_;
  thrust::device_vector<float> V_inf_mV_, decay_, noise_mV_, V_reset_mV_, V_th_mV_, V_spike_mV_;
  thrust::device_vector<std::uint32_t> refractory_steps_;
  // State (n,)
  thrust::device_vector<float> V_mV_;
  thrust::device_vector<std::uint32_t> refractory_left_, spike_count_, first_spike_step_, last_spike_step_;
  thrust::device_vector<std::uint64_t> isi_sq_sum_;
  // Observables (n,)
  thrust::device_vector<double> rate_Hz_, first_spike_ms_, isi_mean_ms_, isi_sd_ms_, isi_cv_;
  // Recording
  thrust::device_vector<std::int32_t> trace_row_, spike_row_;  // (n,) or empty
  thrust::device_vector<float> trace_V_mV_;                    // (trace_rows, trace_samples)
  thrust::device_vector<std::uint32_t> spike_steps_;           // (spike_rows, spike_capacity)
  std::uint32_t trace_rows_ = 0, trace_every_ = 1, trace_samples_ = 0, spike_rows_ = 0, spike_capacity_ = 0;
};

}  // namespace

std::string cuda_unavailable_reason() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later probes start clean
    return std::string("no usable CUDA device: ") + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")";
  }
  if (count == 0) return "no CUDA device found";
  return "";
}

std::vector<CudaDeviceInfo> cuda_devices() {
  std::vector<CudaDeviceInfo> out;
  if (!cuda_unavailable_reason().empty()) return out;
  int count = 0;
  NB_CUDA_CHECK(cudaGetDeviceCount(&count));
  int current = 0;
  NB_CUDA_CHECK(cudaGetDevice(&current));
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp prop{};
    NB_CUDA_CHECK(cudaGetDeviceProperties(&prop, d));
    CudaDeviceInfo info;
    info.index = d;
    info.name = prop.name;
    info.cc_major = prop.major;
    info.cc_minor = prop.minor;
    info.multiprocessors = prop.multiProcessorCount;
    NB_CUDA_CHECK(cudaSetDevice(d));
    NB_CUDA_CHECK(cudaMemGetInfo(&info.free_bytes, &info.total_bytes));
    out.push_back(info);
  }
  NB_CUDA_CHECK(cudaSetDevice(current));
  return out;
}

std::unique_ptr<LifEngine> make_cuda_lif_engine(MathMode math) {
  const std::string reason = cuda_unavailable_reason();
  if (!reason.empty()) throw BackendUnavailable("--backend cuda: " + reason);
  return std::make_unique<CudaLifEngine>(math);
}

}  // namespace nb
