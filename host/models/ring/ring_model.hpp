// The Ben-Yishai ring model as the host sees it (docs/models/ring.md): parameters, checks, chunk assembly,
// buffers and the traits that plug it into BufferedEngine.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/engine/buffered_engine.hpp"
#include "host/engine/chunk_engine.hpp"
#include "host/models/model_helpers.hpp"
#include "host/spec/model_registry.hpp"
#include "host/spec/spec.hpp"
#include "kernels/ring/ring_kernels.hpp"

namespace nb {

const ModelInfo& ring_model_info();

struct RingChunk {
#define NB_FIELD(type, name) std::vector<type> name;
  NB_RING_COEFFICIENTS(NB_FIELD)
  NB_RING_STATE(NB_FIELD)
#undef NB_FIELD
  std::vector<float> r_Hz;   // (n, N) initial profiles
  std::vector<float> basis;  // (2 kMaxModes, N)
  std::vector<std::uint64_t> instance_id;
  std::vector<std::int32_t> trace_row, spike_row;  // spike_row unused: no spikes (assign_recording fills it)
  std::uint64_t seed = 0;
  std::uint32_t N = 0, modes = 1, n_steps = 0, trace_neuron = 0;
  float dt_ms = 0;
  std::uint32_t trace_rows = 0, trace_every = 1, trace_samples = 0, spike_rows = 0, spike_capacity = 0;
  std::size_t n = 0;  // instances (Buffers::load may take the arrays)
  std::size_t size() const { return n; }
};

RingChunk assemble_ring_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids);

// The initial profile r_j(0) of one instance (N floats), as the kernels receive it.
std::vector<float> ring_initial_profile(const Spec& spec, std::uint64_t instance);

// Derived on the host from the kernels' moments (libm atan2 and sqrt: the same code for both backends).
// The population vector's orientation, 0.5 atan2(Ms, Mc) in degrees (-90, 90], and its length |M| / M0.
std::vector<double> population_vector_angle_deg(const std::vector<double>& cos_part, const std::vector<double>& sin_part);
std::vector<double> population_vector_length(const std::vector<double>& cos_part, const std::vector<double>& sin_part,
                                             const std::vector<double>& mean);

// The observables in output order, X(name, column) (model_helpers.hpp): ModelInfo::observables and each chunk's
// columns are generated from this list; mean, cos_part and sin_part are the moments as result() copies them to the
// host, from which the population vector's angle and length are derived.
#define NB_RING_OBSERVABLE_COLUMNS(X)                                                                      \
  X(peak_Hz, host(peak_Hz)) X(mean_Hz, mean) X(pv_cos_Hz, cos_part) X(pv_sin_Hz, sin_part)                 \
  X(pv_angle_deg, population_vector_angle_deg(cos_part, sin_part))                                         \
  X(pv_length, population_vector_length(cos_part, sin_part, mean)) X(half_width_deg, host(half_width_deg)) \
  X(half_width_half_max_deg, host(half_width_half_max_deg)) X(converged_ms, host(converged_ms))            \
  X(runaway, host(runaway)) X(diverged_ms, host(diverged_ms))

template <template <class> class Vec>
struct RingBuffers {
#define NB_FIELD(type, name) Vec<type> name;
  NB_RING_COEFFICIENTS(NB_FIELD)
  NB_RING_STATE(NB_FIELD)
  NB_RING_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  Vec<float> r_Hz, basis;
  Vec<std::uint64_t> instance_id;
  Vec<std::int32_t> trace_row;
  Vec<float> trace_mean_Hz, trace_pv_cos_Hz, trace_pv_sin_Hz, trace_peak_Hz, trace_r_Hz;  // (rows, samples)

  // Every buffer, in a fixed order: a checkpoint saves and restores them (BufferedEngine::save_state).
  template <class F>
  void for_each(F&& f) {
#define NB_VISIT(type, name) f(name);
    NB_RING_COEFFICIENTS(NB_VISIT)
    NB_RING_STATE(NB_VISIT)
    NB_RING_OBSERVABLES(NB_VISIT)
#undef NB_VISIT
    f(r_Hz); f(basis); f(instance_id); f(trace_row); f(trace_mean_Hz); f(trace_pv_cos_Hz); f(trace_pv_sin_Hz);
    f(trace_peak_Hz); f(trace_r_Hz);
  }

  // Takes the chunk's arrays (take_array); its sizes stay for the view.
  void load(RingChunk& c) {
#define NB_TAKE(type, name) take_array(name, c.name);
    NB_RING_COEFFICIENTS(NB_TAKE)
    NB_RING_STATE(NB_TAKE)
#undef NB_TAKE
#define NB_ALLOC(type, name) name.assign(c.size(), type{});
    NB_RING_OBSERVABLES(NB_ALLOC)
#undef NB_ALLOC
    take_array(r_Hz, c.r_Hz);
    take_array(basis, c.basis);
    take_array(instance_id, c.instance_id);
    take_array(trace_row, c.trace_row);
    const std::size_t words = std::size_t(c.trace_rows) * c.trace_samples;
    for (Vec<float>* t : {&trace_mean_Hz, &trace_pv_cos_Hz, &trace_pv_sin_Hz, &trace_peak_Hz, &trace_r_Hz}) {
      t->assign(words, 0.0f);
    }
  }

  template <class Ptr>
  ring::View view(const RingChunk& c, Ptr ptr) {
    ring::View v;
    v.n = c.size();
    v.N = c.N;
    v.modes = c.modes;
#define NB_POINT(type, name) v.name = ptr(name);
    NB_RING_COEFFICIENTS(NB_POINT)
    NB_RING_STATE(NB_POINT)
    NB_RING_OBSERVABLES(NB_POINT)
#undef NB_POINT
    v.r_Hz = ptr(r_Hz);
    v.basis = ptr(basis);
    v.instance_id = ptr(instance_id);
    v.seed = c.seed;
    v.n_steps = c.n_steps;
    v.dt_ms = c.dt_ms;
    if (c.trace_rows > 0) {
      v.trace_row = ptr(trace_row);
      v.trace_mean_Hz = ptr(trace_mean_Hz);
      v.trace_pv_cos_Hz = ptr(trace_pv_cos_Hz);
      v.trace_pv_sin_Hz = ptr(trace_pv_sin_Hz);
      v.trace_peak_Hz = ptr(trace_peak_Hz);
      v.trace_r_Hz = ptr(trace_r_Hz);
      v.trace_neuron = c.trace_neuron;
      v.trace_every = c.trace_every;
      v.trace_samples = c.trace_samples;
    }
    return v;
  }

  template <class ToHost>
  ChunkResult result(const Spec& spec, ToHost host) {
    ChunkResult r;
    const std::vector<double> cos_part = host(pv_cos_Hz), sin_part = host(pv_sin_Hz), mean = host(mean_Hz);
    r.observables = observable_columns_of({NB_RING_OBSERVABLE_COLUMNS(NB_OBSERVABLE_COLUMN)});
    for (const std::string& var : spec.traces.vars) {
      r.traces.push_back(var == "mean_Hz"     ? host(trace_mean_Hz)
                         : var == "pv_cos_Hz" ? host(trace_pv_cos_Hz)
                         : var == "pv_sin_Hz" ? host(trace_pv_sin_Hz)
                         : var == "peak_Hz"   ? host(trace_peak_Hz)
                                              : host(trace_r_Hz));
    }
    r.arrays = {host(r_Hz)};
    return r;
  }

};

struct RingTraits {
  using Chunk = RingChunk;
  template <template <class> class Vec>
  using Buffers = RingBuffers<Vec>;
  static constexpr auto assemble = assemble_ring_chunk;
  NB_KERNEL_LAUNCHERS(ring)
};

// The traits the generic engines are instantiated with (host/engine/make_engine.hpp, cuda_engines.cu).
namespace model_traits {
using ring = RingTraits;
}  // namespace model_traits

}  // namespace nb
