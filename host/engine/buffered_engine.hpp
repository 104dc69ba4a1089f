// The one ChunkEngine of every model: the model's chunk buffers are a template over the vector type
// (host/models/<m>/<m>_model.hpp), the backend policy says where the buffers live and which kernels run, and the
// model's traits say how to assemble a chunk and which launchers to call (host/engine/make_engine.hpp picks the
// backend).
//
//   Traits: Chunk; template <template <class> class Vec> Buffers (with for_each(f): f(vec) for every buffer, in a
//           fixed order, for checkpoints); assemble(spec, ids), or assemble(spec, ids, config) where assembling
//           is work worth spreading over the run's threads (the network's connectivity);
//           advance_cpu(view, begin, end, threads), finalize_cpu(view, dt_ms, n_steps, threads),
//           optionally advance_cpu_fast(view, begin, end, threads) (the CPU's --math fast),
//           advance_cuda_exact / advance_cuda_fast(view, begin, end), finalize_cuda(view, dt_ms, n_steps)
//   Backend: CpuBackend below, CudaBackend in host/engine/cuda_backend.cuh (nvcc only)
#pragma once

#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "host/common/errors.hpp"

#include "host/engine/chunk_engine.hpp"
#include "host/spec/spec.hpp"

namespace nb {

// The launchers of kernels/<ns>/<ns>_kernels.hpp as members of a model's traits, for models whose launchers take
// exactly the arguments BufferedEngine's backends pass (the CUDA ones are defined in CUDA builds only, used there
// only).
#define NB_KERNEL_LAUNCHERS(ns)                                      \
  static constexpr auto advance_cpu = ns::advance_cpu;               \
  static constexpr auto finalize_cpu = ns::finalize_cpu;             \
  static constexpr auto advance_cuda_exact = ns::advance_cuda_exact; \
  static constexpr auto advance_cuda_fast = ns::advance_cuda_fast;   \
  static constexpr auto finalize_cuda = ns::finalize_cuda;

template <class Traits, class Backend>
class BufferedEngine final : public ChunkEngine {
 public:
  explicit BufferedEngine(const EngineConfig& config) : config_(config) {}

  void load(const Spec& spec, const std::vector<std::uint64_t>& ids) override {
    spec_ = &spec;
    // The last chunk is freed before the next is assembled: both at once would need twice the memory that the
    // chunk plan (ModelInfo::bytes_per_instance) counts on.
    chunk_ = typename Traits::Chunk();
    buffers_ = typename Traits::template Buffers<Backend::template Vec>();
    chunk_ = assemble(spec, ids);  // kept: the view reads its sizes and seed
    buffers_.load(chunk_);  // takes the chunk's arrays (take_array)
  }
  void advance(std::uint32_t step_begin, std::uint32_t step_end) override {
    Backend::template advance<Traits>(view(), step_begin, step_end, config_);
  }
  ChunkResult finish() override {
    Backend::template finalize<Traits>(view(), spec_->dt_ms, static_cast<std::uint32_t>(spec_->n_steps), config_);
    // The chunk's last use of its buffers: the CPU's results are moved out of them (Backend::to_host).
    return buffers_.result(*spec_, [](auto& v) { return Backend::to_host(v); });
  }
  ChunkState save_state(std::uint32_t step) override {
    ChunkState state;
    state.step = step;
    buffers_.for_each([&](auto& v) { state.buffers.push_back(Backend::bytes(v)); });
    return state;
  }
  void restore_state(const ChunkState& state) override {
    std::size_t k = 0;
    buffers_.for_each([&](auto& v) {
      if (k >= state.buffers.size()) throw InternalError("a checkpoint holds fewer buffers than this chunk");
      Backend::assign_bytes(v, state.buffers[k++]);
    });
    if (k != state.buffers.size()) throw InternalError("a checkpoint holds more buffers than this chunk");
  }

 private:
  template <class T = Traits>
  auto assemble(const Spec& spec, const std::vector<std::uint64_t>& ids)
      -> decltype(T::assemble(spec, ids, std::declval<const EngineConfig&>())) {
    return T::assemble(spec, ids, config_);
  }
  template <class T = Traits, class... None>
  typename T::Chunk assemble(const Spec& spec, const std::vector<std::uint64_t>& ids, None...) {
    return T::assemble(spec, ids);
  }
  auto view() {
    return buffers_.view(chunk_, [](auto& v) { return Backend::ptr(v); });
  }
  EngineConfig config_;
  const Spec* spec_ = nullptr;
  typename Traits::Chunk chunk_;
  typename Traits::template Buffers<Backend::template Vec> buffers_;
};

struct CpuBackend {
  template <class T>
  using Vec = std::vector<T>;

  template <class T>
  static T* ptr(std::vector<T>& v) {
    return v.empty() ? nullptr : v.data();
  }
  template <class T>
  static std::vector<T> to_host(std::vector<T>& v) {  // in finish(), the buffers' last use
    return std::move(v);
  }
  template <class T>
  static std::vector<char> bytes(const std::vector<T>& v) {
    const char* begin = reinterpret_cast<const char*>(v.data());
    return std::vector<char>(begin, begin + v.size() * sizeof(T));
  }
  template <class T>
  static void assign_bytes(std::vector<T>& v, const std::vector<char>& bytes) {
    if (bytes.size() != v.size() * sizeof(T)) throw InternalError("a checkpoint's buffer has the wrong size");
    if (!bytes.empty()) std::memcpy(v.data(), bytes.data(), bytes.size());
  }
  // A model's traits may name a CPU fast-math launcher, advance_cpu_fast (same arguments); --math fast runs it. Models
  // without one run advance_cpu in both modes.
  template <class Traits, class = void>
  struct has_fast : std::false_type {};
  template <class Traits>
  struct has_fast<Traits, std::void_t<decltype(Traits::advance_cpu_fast)>> : std::true_type {};
  template <class Traits, class View>
  static void advance(const View& v, std::uint32_t step_begin, std::uint32_t step_end, const EngineConfig& c) {
    if constexpr (has_fast<Traits>::value) {
      if (c.math == MathMode::fast) return Traits::advance_cpu_fast(v, step_begin, step_end, c.threads);
    }
    Traits::advance_cpu(v, step_begin, step_end, c.threads);
  }
  template <class Traits, class View>
  static void finalize(const View& v, double dt_ms, std::uint32_t n_steps, const EngineConfig& c) {
    Traits::finalize_cpu(v, dt_ms, n_steps, c.threads);
  }
};

}  // namespace nb
