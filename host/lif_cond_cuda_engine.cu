// The conductance-driven LIF model's CUDA engine: buffers as thrust::device_vector, kernels from
// kernels/lif_cond/lif_cond_cuda_*.cu.
#include <thrust/copy.h>
#include <thrust/device_vector.h>

#include "host/engines.hpp"
#include "host/errors.hpp"
#include "host/lif_cond_buffers.hpp"
#include "host/lif_cond_model.hpp"
#include "kernels/cuda/check.cuh"

namespace nb {
namespace {

template <class T>
using DeviceVec = thrust::device_vector<T>;

class LifCondCudaEngine final : public ChunkEngine {
 public:
  explicit LifCondCudaEngine(MathMode math) : math_(math) {}

  void load(const Spec& spec, const std::vector<std::uint64_t>& ids) override {
    spec_ = &spec;
    chunk_ = assemble_lif_cond_chunk(spec, ids);
    buffers_.load(chunk_);
  }
  void advance(std::uint32_t step_begin, std::uint32_t step_end) override {
    if (math_ == MathMode::exact) {
      lif_cond::advance_cuda_exact(view(), step_begin, step_end);
    } else {
      lif_cond::advance_cuda_fast(view(), step_begin, step_end);
    }
    NB_CUDA_CHECK(cudaDeviceSynchronize());
  }
  ChunkResult finish() override {
    lif_cond::finalize_cuda(view(), spec_->dt_ms, static_cast<std::uint32_t>(spec_->n_steps));
    NB_CUDA_CHECK(cudaDeviceSynchronize());
    return buffers_.result(*spec_, [](const auto& d) {
      std::vector<typename std::decay_t<decltype(d)>::value_type> h(d.size());
      thrust::copy(d.begin(), d.end(), h.begin());
      return h;
    });
  }

 private:
  lif_cond::View view() {
    return buffers_.view(chunk_, [](auto& d) { return d.empty() ? nullptr : thrust::raw_pointer_cast(d.data()); });
  }
  MathMode math_;
  const Spec* spec_ = nullptr;
  LifCondChunk chunk_;
  LifCondBuffers<DeviceVec> buffers_;
};

}  // namespace

std::unique_ptr<ChunkEngine> make_lif_cond_cuda_engine(MathMode math) {
  const std::string reason = cuda_unavailable_reason();
  if (!reason.empty()) throw BackendUnavailable("--backend cuda: " + reason);
  return std::make_unique<LifCondCudaEngine>(math);
}

}  // namespace nb
