// Host side of the synapse-ensemble model: one chunk of instances as structure-of-arrays vectors (fields from the
// X-macro lists of kernels/synapse/synapse_kernels.hpp), its buffers on either backend, and the traits that plug it
// into BufferedEngine.
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
#include "kernels/synapse/synapse_kernels.hpp"

namespace nb {

struct SynapseChunk {
#define NB_FIELD(type, name) std::vector<type> name;
  NB_SYNAPSE_INPUTS(NB_FIELD)
  NB_SYNAPSE_STATE(NB_FIELD)  // initial values
#undef NB_FIELD
  std::uint64_t seed = 0;
  bool any_poisson = false, any_lif = false;
  std::uint32_t trace_rows = 0, trace_every = 1, trace_samples = 0, spike_rows = 0, spike_capacity = 0;
  std::size_t n = 0;  // instances (Buffers::load may take the arrays)
  std::size_t size() const { return n; }
};

SynapseChunk assemble_synapse_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids);

// Bytes per instance on a backend: inputs + state + observables, and 8 bytes that no field holds: the sum by hand
// that this replaced counted them (it gave the inputs 76 bytes, the list holds 68); kept so that chunk plans, and
// the summary's chunk_plan_MiB, stay the same.
constexpr std::size_t kSynapseBytesPerInstance = NB_FIELD_BYTES(NB_SYNAPSE_INPUTS) + NB_FIELD_BYTES(NB_SYNAPSE_STATE) +
                                                 NB_FIELD_BYTES(NB_SYNAPSE_OBSERVABLES) + 8;
static_assert(kSynapseBytesPerInstance == 184, "the chunk plan's bytes per instance changed");

// The observables in output order, X(name, column) (model_helpers.hpp): ModelInfo::observables and each chunk's
// columns are generated from this list; pre_spike_count is state, the others are written by finalize.
#define NB_SYNAPSE_OBSERVABLE_COLUMNS(X)                                                                      \
  X(s_mean, host(s_mean)) X(s_sd, host(s_sd)) X(s_peak, host(s_peak_out)) X(s_final, host(s_final))           \
  X(pre_spike_count, host(pre_spike_count)) X(pre_rate_Hz, host(pre_rate_Hz)) X(pre_isi_cv, host(pre_isi_cv))

template <template <class> class Vec>
struct SynapseBuffers {
#define NB_FIELD(type, name) Vec<type> name;
  NB_SYNAPSE_INPUTS(NB_FIELD)
  NB_SYNAPSE_STATE(NB_FIELD)
  NB_SYNAPSE_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  Vec<float> trace_s, trace_V_pre_mV;  // (trace_rows, trace_samples)
  Vec<std::uint32_t> spike_steps;      // (spike_rows, spike_capacity)

  // Every buffer, in a fixed order: a checkpoint saves and restores them (BufferedEngine::save_state).
  template <class F>
  void for_each(F&& f) {
#define NB_VISIT(type, name) f(name);
    NB_SYNAPSE_INPUTS(NB_VISIT)
    NB_SYNAPSE_STATE(NB_VISIT)
    NB_SYNAPSE_OBSERVABLES(NB_VISIT)
#undef NB_VISIT
    f(trace_s); f(trace_V_pre_mV); f(spike_steps);
  }

  // Copies inputs and initial state (host -> this memory), allocates observables and recording buffers.
  // Takes the chunk's arrays (take_array); its sizes stay for the view.
  void load(SynapseChunk& c) {
#define NB_TAKE(type, name) take_array(name, c.name);
    NB_SYNAPSE_INPUTS(NB_TAKE)
    NB_SYNAPSE_STATE(NB_TAKE)
#undef NB_TAKE
#define NB_ALLOC(type, name) name.assign(c.size(), type{});
    NB_SYNAPSE_OBSERVABLES(NB_ALLOC)
#undef NB_ALLOC
    trace_s.assign(std::size_t(c.trace_rows) * c.trace_samples, 0.0f);
    trace_V_pre_mV.assign(std::size_t(c.trace_rows) * c.trace_samples, 0.0f);
    spike_steps.assign(std::size_t(c.spike_rows) * c.spike_capacity, 0u);
  }

  // `ptr(vec)` returns the raw pointer of a buffer in its own memory space.
  template <class Ptr>
  synapse::View view(const SynapseChunk& c, Ptr ptr) {
    synapse::View v;
    v.n = c.size();
    v.seed = c.seed;
    v.any_poisson = c.any_poisson;
    v.any_lif = c.any_lif;
#define NB_POINT(type, name) v.name = ptr(name);
    NB_SYNAPSE_INPUTS(NB_POINT)
    NB_SYNAPSE_STATE(NB_POINT)
    NB_SYNAPSE_OBSERVABLES(NB_POINT)
#undef NB_POINT
    if (c.trace_rows == 0) v.trace_row = nullptr;
    if (c.spike_rows == 0) v.spike_row = nullptr;
    if (c.trace_rows > 0) {
      v.trace_s = ptr(trace_s);
      v.trace_V_pre_mV = ptr(trace_V_pre_mV);
      v.trace_every = c.trace_every;
      v.trace_samples = c.trace_samples;
    }
    if (c.spike_rows > 0) {
      v.spike_steps = ptr(spike_steps);
      v.spike_capacity = c.spike_capacity;
    }
    return v;
  }

  // Results in the generic form; `host(vec)` copies a buffer to a std::vector.
  template <class ToHost>
  ChunkResult result(const Spec& spec, ToHost host) {
    ChunkResult r;
    r.observables = observable_columns_of({NB_SYNAPSE_OBSERVABLE_COLUMNS(NB_OBSERVABLE_COLUMN)});
    for (const std::string& var : spec.traces.vars) r.traces.push_back(var == "s" ? host(trace_s) : host(trace_V_pre_mV));
    r.spike_steps = host(spike_steps);
    return r;
  }
};

// The synapse model for BufferedEngine (host/engine/buffered_engine.hpp).
struct SynapseTraits {
  using Chunk = SynapseChunk;
  template <template <class> class Vec>
  using Buffers = SynapseBuffers<Vec>;
  static constexpr auto assemble = assemble_synapse_chunk;
  NB_KERNEL_LAUNCHERS(synapse)
};

const ModelInfo& synapse_model_info();

// The traits the generic engines are instantiated with (host/engine/make_engine.hpp, cuda_engines.cu).
namespace model_traits {
using synapse = SynapseTraits;
}  // namespace model_traits

}  // namespace nb
