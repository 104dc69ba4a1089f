// The self-sustained (bistable) population model as the host sees it (docs/models/self_sustained.md): parameters, checks,
// chunk assembly, buffers and the traits that plug it into BufferedEngine.
#pragma once

#include <memory>
#include <vector>

#include "host/engine/chunk_engine.hpp"
#include "host/models/model_helpers.hpp"
#include "host/spec/model_registry.hpp"
#include "host/spec/spec.hpp"
#include "kernels/self_sustained/self_sustained_kernels.hpp"

namespace nb {

const ModelInfo& self_sustained_model_info();

struct SelfSustainedChunk {
#define NB_FIELD(type, name) std::vector<type> name;
  NB_SELF_SUSTAINED_INPUTS(NB_FIELD)
  NB_SELF_SUSTAINED_STATE(NB_FIELD)
#undef NB_FIELD
  std::vector<std::int32_t> spike_row;  // unused: the model has no spikes (assign_recording fills it)
  std::uint32_t trace_rows = 0, trace_every = 1, trace_samples = 0, spike_rows = 0, spike_capacity = 0;
  std::size_t n = 0;  // instances (Buffers::load may take the arrays)
  std::size_t size() const { return n; }
};

SelfSustainedChunk assemble_self_sustained_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids);

// The observables in output order, X(name, column) (model_helpers.hpp): ModelInfo::observables and each chunk's
// columns are generated from this list; every one is written by finalize.
#define NB_SELF_SUSTAINED_OBSERVABLE_COLUMNS(X)                                                 \
  X(s_final, host(s_final)) X(rate_final_Hz, host(rate_final_Hz)) X(s_probe, host(s_probe_out)) \
  X(switch_up_ms, host(switch_up_ms)) X(switch_down_ms, host(switch_down_ms))

template <template <class> class Vec>
struct SelfSustainedBuffers {
#define NB_FIELD(type, name) Vec<type> name;
  NB_SELF_SUSTAINED_INPUTS(NB_FIELD)
  NB_SELF_SUSTAINED_STATE(NB_FIELD)
  NB_SELF_SUSTAINED_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  Vec<float> trace_s, trace_r_Hz;  // (trace_rows, trace_samples)

  // Every buffer, in a fixed order: a checkpoint saves and restores them (BufferedEngine::save_state).
  template <class F>
  void for_each(F&& f) {
#define NB_VISIT(type, name) f(name);
    NB_SELF_SUSTAINED_INPUTS(NB_VISIT)
    NB_SELF_SUSTAINED_STATE(NB_VISIT)
    NB_SELF_SUSTAINED_OBSERVABLES(NB_VISIT)
#undef NB_VISIT
    f(trace_s); f(trace_r_Hz);
  }

  // Takes the chunk's arrays (take_array); its sizes stay for the view.
  void load(SelfSustainedChunk& c) {
#define NB_TAKE(type, name) take_array(name, c.name);
    NB_SELF_SUSTAINED_INPUTS(NB_TAKE)
    NB_SELF_SUSTAINED_STATE(NB_TAKE)
#undef NB_TAKE
#define NB_ALLOC(type, name) name.assign(c.size(), type{});
    NB_SELF_SUSTAINED_OBSERVABLES(NB_ALLOC)
#undef NB_ALLOC
    trace_s.assign(std::size_t(c.trace_rows) * c.trace_samples, 0.0f);
    trace_r_Hz.assign(std::size_t(c.trace_rows) * c.trace_samples, 0.0f);
  }

  template <class Ptr>
  self_sustained::View view(const SelfSustainedChunk& c, Ptr ptr) {
    self_sustained::View v;
    v.n = c.size();
#define NB_POINT(type, name) v.name = ptr(name);
    NB_SELF_SUSTAINED_INPUTS(NB_POINT)
    NB_SELF_SUSTAINED_STATE(NB_POINT)
    NB_SELF_SUSTAINED_OBSERVABLES(NB_POINT)
#undef NB_POINT
    if (c.trace_rows > 0) {
      v.trace_s = ptr(trace_s);
      v.trace_r_Hz = ptr(trace_r_Hz);
      v.trace_every = c.trace_every;
      v.trace_samples = c.trace_samples;
    }
    return v;
  }

  template <class ToHost>
  ChunkResult result(const Spec& spec, ToHost host) {
    ChunkResult r;
    r.observables = observable_columns_of({NB_SELF_SUSTAINED_OBSERVABLE_COLUMNS(NB_OBSERVABLE_COLUMN)});
    for (const std::string& var : spec.traces.vars) r.traces.push_back(var == "s" ? host(trace_s) : host(trace_r_Hz));
    return r;
  }
};

struct SelfSustainedTraits {
  using Chunk = SelfSustainedChunk;
  template <template <class> class Vec>
  using Buffers = SelfSustainedBuffers<Vec>;
  using View = self_sustained::View;
  static Chunk assemble(const Spec& spec, const std::vector<std::uint64_t>& ids) {
    return assemble_self_sustained_chunk(spec, ids);
  }
  static void advance_cpu(const View& v, std::uint32_t b, std::uint32_t e, int threads) {
    self_sustained::advance_cpu(v, b, e, threads);
  }
  static void finalize_cpu(const View& v, double, std::uint32_t, int threads) { self_sustained::finalize_cpu(v, threads); }
  static void advance_cuda_exact(const View& v, std::uint32_t b, std::uint32_t e) {
    self_sustained::advance_cuda_exact(v, b, e);
  }
  static void advance_cuda_fast(const View& v, std::uint32_t b, std::uint32_t e) {
    self_sustained::advance_cuda_fast(v, b, e);
  }
  static void finalize_cuda(const View& v, double, std::uint32_t) { self_sustained::finalize_cuda(v); }
};

// The traits the generic engines are instantiated with (host/engine/make_engine.hpp, cuda_engines.cu).
namespace model_traits {
using self_sustained = SelfSustainedTraits;
}  // namespace model_traits

}  // namespace nb
