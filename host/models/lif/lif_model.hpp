// Host side of the LIF model: one chunk of instances as structure-of-arrays vectors (fields from the X-macro lists
// of kernels/lif/lif_kernels.hpp), its buffers on either backend, and the traits that plug it into BufferedEngine.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "host/engine/buffered_engine.hpp"
#include "host/engine/chunk_engine.hpp"
#include "host/models/model_helpers.hpp"
#include "host/spec/model_registry.hpp"
#include "host/spec/spec.hpp"
#include "kernels/common/fields.hpp"
#include "kernels/lif/lif_kernels.hpp"

namespace nb {

// The chunk as assembled on the host: inputs and initial state, (n,) each.
struct LifChunk {
#define NB_FIELD(type, name) std::vector<type> name;
  NB_LIF_INPUTS(NB_FIELD)
  NB_LIF_STATE(NB_FIELD)
#undef NB_FIELD
  std::uint64_t seed = 0;
  bool noisy = false;
  std::uint32_t trace_rows = 0, trace_every = 1, trace_samples = 0, spike_rows = 0, spike_capacity = 0;
  std::size_t n = 0;  // instances (Buffers::load may take the arrays)
  std::size_t size() const { return n; }
};

// Assembles the chunk holding `ids` (global instance indices, any order): coefficients derived in double.
LifChunk assemble_lif_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids);

// Backend memory per instance: inputs + state + observables.
constexpr std::size_t kLifBytesPerInstance =
    NB_FIELD_BYTES(NB_LIF_INPUTS) + NB_FIELD_BYTES(NB_LIF_STATE) + NB_FIELD_BYTES(NB_LIF_OBSERVABLES);
static_assert(kLifBytesPerInstance == 112, "the chunk plan's bytes per instance changed");

// The observables in output order, X(name, column) (model_helpers.hpp): ModelInfo::observables and each chunk's
// columns are generated from this list; spike_count is state, the others are written by finalize.
#define NB_LIF_OBSERVABLE_COLUMNS(X)                                                                  \
  X(spike_count, host(spike_count)) X(rate_Hz, host(rate_Hz)) X(first_spike_ms, host(first_spike_ms)) \
  X(isi_mean_ms, host(isi_mean_ms)) X(isi_sd_ms, host(isi_sd_ms)) X(isi_cv, host(isi_cv))

template <template <class> class Vec>
struct LifBuffers {
#define NB_FIELD(type, name) Vec<type> name;
  NB_LIF_INPUTS(NB_FIELD)
  NB_LIF_STATE(NB_FIELD)
  NB_LIF_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  Vec<float> trace_V_mV;           // (trace_rows, trace_samples)
  Vec<std::uint32_t> spike_steps;  // (spike_rows, spike_capacity)

  // Every buffer, in a fixed order: a checkpoint saves and restores them (BufferedEngine::save_state).
  template <class F>
  void for_each(F&& f) {
#define NB_VISIT(type, name) f(name);
    NB_LIF_INPUTS(NB_VISIT)
    NB_LIF_STATE(NB_VISIT)
    NB_LIF_OBSERVABLES(NB_VISIT)
#undef NB_VISIT
    f(trace_V_mV); f(spike_steps);
  }

  // Takes the chunk's arrays (take_array); its sizes stay for the view.
  void load(LifChunk& c) {
#define NB_TAKE(type, name) take_array(name, c.name);
    NB_LIF_INPUTS(NB_TAKE)
    NB_LIF_STATE(NB_TAKE)
#undef NB_TAKE
#define NB_ALLOC(type, name) name.assign(c.size(), type{});
    NB_LIF_OBSERVABLES(NB_ALLOC)
#undef NB_ALLOC
    trace_V_mV.assign(std::size_t(c.trace_rows) * c.trace_samples, 0.0f);
    spike_steps.assign(std::size_t(c.spike_rows) * c.spike_capacity, 0u);
  }

  template <class Ptr>
  lif::View view(const LifChunk& c, Ptr ptr) {
    lif::View v;
    v.n = c.size();
    v.seed = c.seed;
    v.noisy = c.noisy;
#define NB_POINT(type, name) v.name = ptr(name);
    NB_LIF_INPUTS(NB_POINT)
    NB_LIF_STATE(NB_POINT)
    NB_LIF_OBSERVABLES(NB_POINT)
#undef NB_POINT
    if (c.trace_rows > 0) {
      v.trace_V_mV = ptr(trace_V_mV);
      v.trace_every = c.trace_every;
      v.trace_samples = c.trace_samples;
    }
    if (c.spike_rows > 0) {
      v.spike_steps = ptr(spike_steps);
      v.spike_capacity = c.spike_capacity;
    }
    return v;
  }

  // In the order of lif_model_info().observables; V_mV is the only traceable variable.
  template <class ToHost>
  ChunkResult result(const Spec& spec, ToHost host) {
    ChunkResult r;
    r.observables = observable_columns_of({NB_LIF_OBSERVABLE_COLUMNS(NB_OBSERVABLE_COLUMN)});
    if (!spec.traces.vars.empty()) r.traces.push_back(host(trace_V_mV));
    r.spike_steps = host(spike_steps);
    return r;
  }
};

// The LIF model for BufferedEngine (host/engine/buffered_engine.hpp).
struct LifTraits {
  using Chunk = LifChunk;
  template <template <class> class Vec>
  using Buffers = LifBuffers<Vec>;
  static constexpr auto assemble = assemble_lif_chunk;
  NB_KERNEL_LAUNCHERS(lif)
  static constexpr auto advance_cpu_fast = lif::advance_cpu_fast;  // --math fast on the CPU
};

const ModelInfo& lif_model_info();

// The traits the generic engines are instantiated with (host/engine/make_engine.hpp, cuda_engines.cu).
namespace model_traits {
using lif = LifTraits;
}  // namespace model_traits

}  // namespace nb
