// Host side of the AdEx model: one chunk of instances as structure-of-arrays vectors (fields from the X-macro lists
// of kernels/adex/adex_kernels.hpp), its buffers on either backend, and the traits that plug it into BufferedEngine.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "host/engine/buffered_engine.hpp"
#include "host/engine/chunk_engine.hpp"
#include "host/models/model_helpers.hpp"
#include "host/spec/model_registry.hpp"
#include "host/spec/spec.hpp"
#include "kernels/adex/adex_kernels.hpp"
#include "kernels/common/fields.hpp"

namespace nb {

// The chunk as assembled on the host: inputs and initial state, (n,) each.
struct AdexChunk {
#define NB_FIELD(type, name) std::vector<type> name;
  NB_ADEX_INPUTS(NB_FIELD)
  NB_ADEX_STATE(NB_FIELD)
#undef NB_FIELD
  std::uint64_t seed = 0;
  bool noisy = false;
  bool exponential = false;
  double dt_ms = 0;
  std::uint32_t isi_K = 0;
  std::uint32_t trace_rows = 0, trace_every = 1, trace_samples = 0, spike_rows = 0, spike_capacity = 0;
  std::size_t n = 0;  // instances (Buffers::load may take the arrays)
  std::size_t size() const { return n; }
};

// Assembles the chunk holding `ids` (global instance indices, any order): coefficients derived in double.
AdexChunk assemble_adex_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids);

// Backend memory per instance: inputs + state + observables (the first isi_K ISIs come on top, adex_model.cpp).
constexpr std::size_t kAdexBytesPerInstance =
    NB_FIELD_BYTES(NB_ADEX_INPUTS) + NB_FIELD_BYTES(NB_ADEX_STATE) + NB_FIELD_BYTES(NB_ADEX_OBSERVABLES);

// The observables in output order, X(name, column) (model_helpers.hpp): ModelInfo::observables and each chunk's
// columns are generated from this list; spike_count, initial_burst_spikes and pause_count are state, the others
// are written by finalize.
#define NB_ADEX_OBSERVABLE_COLUMNS(X)                                                                           \
  X(spike_count, host(spike_count)) X(rate_Hz, host(rate_Hz)) X(first_spike_ms, host(first_spike_ms))           \
  X(isi_mean_ms, host(isi_mean_ms)) X(isi_sd_ms, host(isi_sd_ms)) X(isi_cv, host(isi_cv))                       \
  X(adaptation_index, host(adaptation_index)) X(isi_ratio, host(isi_ratio))                                     \
  X(initial_burst_spikes, host(initial_burst)) X(pause_count, host(pause_count))                                \
  X(w_mean_pA, host(w_mean_pA)) X(pattern, host(pattern))

// The first isi_K ISIs (steps, 0: none) as the instance array isi_first_ms (float ms, NaN: none).
std::vector<float> isi_first_ms(const std::vector<std::uint32_t>& steps, double dt_ms);

template <template <class> class Vec>
struct AdexBuffers {
#define NB_FIELD(type, name) Vec<type> name;
  NB_ADEX_INPUTS(NB_FIELD)
  NB_ADEX_STATE(NB_FIELD)
  NB_ADEX_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  Vec<std::uint32_t> isi_first_steps;  // (n, isi_K)
  Vec<float> trace_V_mV, trace_w_pA;   // (trace_rows, trace_samples)
  Vec<std::uint32_t> spike_steps;      // (spike_rows, spike_capacity)

  // Every buffer, in a fixed order (for code that saves and restores a chunk's buffers).
  template <class F>
  void for_each(F&& f) {
#define NB_VISIT(type, name) f(name);
    NB_ADEX_INPUTS(NB_VISIT)
    NB_ADEX_STATE(NB_VISIT)
    NB_ADEX_OBSERVABLES(NB_VISIT)
#undef NB_VISIT
    f(isi_first_steps);
    f(trace_V_mV);
    f(trace_w_pA);
    f(spike_steps);
  }

  // Takes the chunk's arrays (take_array); its sizes stay for the view.
  void load(AdexChunk& c) {
#define NB_TAKE(type, name) take_array(name, c.name);
    NB_ADEX_INPUTS(NB_TAKE)
    NB_ADEX_STATE(NB_TAKE)
#undef NB_TAKE
#define NB_ALLOC(type, name) name.assign(c.size(), type{});
    NB_ADEX_OBSERVABLES(NB_ALLOC)
#undef NB_ALLOC
    isi_first_steps.assign(c.size() * c.isi_K, 0u);
    trace_V_mV.assign(std::size_t(c.trace_rows) * c.trace_samples, 0.0f);
    trace_w_pA.assign(std::size_t(c.trace_rows) * c.trace_samples, 0.0f);
    spike_steps.assign(std::size_t(c.spike_rows) * c.spike_capacity, 0u);
  }

  template <class Ptr>
  adex::View view(const AdexChunk& c, Ptr ptr) {
    adex::View v;
    v.n = c.size();
    v.seed = c.seed;
    v.noisy = c.noisy;
    v.exponential = c.exponential;
#define NB_POINT(type, name) v.name = ptr(name);
    NB_ADEX_INPUTS(NB_POINT)
    NB_ADEX_STATE(NB_POINT)
    NB_ADEX_OBSERVABLES(NB_POINT)
#undef NB_POINT
    v.isi_first_steps = ptr(isi_first_steps);
    v.isi_K = c.isi_K;
    if (c.trace_rows > 0) {
      v.trace_V_mV = ptr(trace_V_mV);
      v.trace_w_pA = ptr(trace_w_pA);
      v.trace_every = c.trace_every;
      v.trace_samples = c.trace_samples;
    }
    if (c.spike_rows > 0) {
      v.spike_steps = ptr(spike_steps);
      v.spike_capacity = c.spike_capacity;
    }
    return v;
  }

  // In the order of adex_model_info().observables; traces in the spec's order of variables.
  template <class ToHost>
  ChunkResult result(const Spec& spec, ToHost host) {
    ChunkResult r;
    r.observables = observable_columns_of({NB_ADEX_OBSERVABLE_COLUMNS(NB_OBSERVABLE_COLUMN)});
    for (const std::string& var : spec.traces.vars) r.traces.push_back(var == "V_mV" ? host(trace_V_mV) : host(trace_w_pA));
    r.spike_steps = host(spike_steps);
    r.arrays.push_back(isi_first_ms(host(isi_first_steps), spec.dt_ms));
    return r;
  }
};

// The AdEx model for BufferedEngine (host/engine/buffered_engine.hpp).
struct AdexTraits {
  using Chunk = AdexChunk;
  template <template <class> class Vec>
  using Buffers = AdexBuffers<Vec>;
  static constexpr auto assemble = assemble_adex_chunk;
  NB_KERNEL_LAUNCHERS(adex)
};

const ModelInfo& adex_model_info();

// The traits the generic engines are instantiated with (host/engine/make_engine.hpp, cuda_engines.cu).
namespace model_traits {
using adex = AdexTraits;
}  // namespace model_traits

}  // namespace nb
