// One chunk's buffers for the conductance-driven LIF kernels, in host memory (Vec = std::vector) or device memory
// (Vec = thrust::device_vector), generated from the X-macro field lists of kernels/lif_cond/lif_cond_kernels.hpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "host/engine/buffered_engine.hpp"
#include "host/engine/chunk_engine.hpp"
#include "host/models/model_helpers.hpp"
#include "host/spec/model_registry.hpp"
#include "host/spec/spec.hpp"
#include "kernels/lif_cond/lif_cond_kernels.hpp"

namespace nb {

// The chunk as assembled on the host: inputs and initial state, (n,) each.
struct LifCondChunk {
#define NB_FIELD(type, name) std::vector<type> name;
  NB_LIF_COND_INPUTS(NB_FIELD)
  NB_LIF_COND_STATE(NB_FIELD)
#undef NB_FIELD
  std::uint64_t seed = 0;
  bool noisy = false;
  std::uint32_t K_E_max = 0, K_I_max = 0;
  std::uint32_t trace_rows = 0, trace_every = 1, trace_samples = 0, spike_rows = 0, spike_capacity = 0;
  std::size_t n = 0;  // instances (Buffers::load may take the arrays)
  std::size_t size() const { return n; }
};

LifCondChunk assemble_lif_cond_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids);

// The observables in output order, X(name, column) (model_helpers.hpp): ModelInfo::observables and each chunk's
// columns are generated from this list; spike_count is state, the others are written by finalize.
#define NB_LIF_COND_OBSERVABLE_COLUMNS(X)                                                             \
  X(spike_count, host(spike_count)) X(rate_Hz, host(rate_Hz)) X(first_spike_ms, host(first_spike_ms)) \
  X(isi_mean_ms, host(isi_mean_ms)) X(isi_sd_ms, host(isi_sd_ms)) X(isi_cv, host(isi_cv))             \
  X(V_mean_mV, host(V_mean_mV)) X(V_sd_mV, host(V_sd_mV)) X(g_AMPA_mean_nS, host(g_AMPA_mean_nS))     \
  X(g_AMPA_sd_nS, host(g_AMPA_sd_nS)) X(g_NMDA_mean_nS, host(g_NMDA_mean_nS))                         \
  X(g_NMDA_sd_nS, host(g_NMDA_sd_nS)) X(g_GABA_mean_nS, host(g_GABA_mean_nS))                         \
  X(g_GABA_sd_nS, host(g_GABA_sd_nS))

template <template <class> class Vec>
struct LifCondBuffers {
#define NB_FIELD(type, name) Vec<type> name;
  NB_LIF_COND_INPUTS(NB_FIELD)
  NB_LIF_COND_STATE(NB_FIELD)
  NB_LIF_COND_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  Vec<float> s_A, s_N, s_G;                                   // gates, (K_max, n), start closed
  Vec<float> trace_V_mV, trace_g_AMPA_nS, trace_g_NMDA_nS, trace_g_GABA_nS;  // (rows, samples)
  Vec<std::uint32_t> spike_steps;                             // (rows, capacity)

  // Every buffer, in a fixed order: a checkpoint saves and restores them (BufferedEngine::save_state).
  template <class F>
  void for_each(F&& f) {
#define NB_VISIT(type, name) f(name);
    NB_LIF_COND_INPUTS(NB_VISIT)
    NB_LIF_COND_STATE(NB_VISIT)
    NB_LIF_COND_OBSERVABLES(NB_VISIT)
#undef NB_VISIT
    f(s_A); f(s_N); f(s_G); f(trace_V_mV); f(trace_g_AMPA_nS); f(trace_g_NMDA_nS); f(trace_g_GABA_nS);
    f(spike_steps);
  }

  // Takes the chunk's arrays (take_array); its sizes stay for the view.
  void load(LifCondChunk& c) {
#define NB_TAKE(type, name) take_array(name, c.name);
    NB_LIF_COND_INPUTS(NB_TAKE)
    NB_LIF_COND_STATE(NB_TAKE)
#undef NB_TAKE
#define NB_ALLOC(type, name) name.assign(c.size(), type{});
    NB_LIF_COND_OBSERVABLES(NB_ALLOC)
#undef NB_ALLOC
    s_A.assign(std::size_t(c.K_E_max) * c.size(), 0.0f);
    s_N.assign(std::size_t(c.K_E_max) * c.size(), 0.0f);
    s_G.assign(std::size_t(c.K_I_max) * c.size(), 0.0f);
    const std::size_t trace_size = std::size_t(c.trace_rows) * c.trace_samples;
    for (auto* t : {&trace_V_mV, &trace_g_AMPA_nS, &trace_g_NMDA_nS, &trace_g_GABA_nS}) t->assign(trace_size, 0.0f);
    spike_steps.assign(std::size_t(c.spike_rows) * c.spike_capacity, 0u);
  }

  template <class Ptr>
  lif_cond::View view(const LifCondChunk& c, Ptr ptr) {
    lif_cond::View v;
    v.n = c.size();
    v.seed = c.seed;
    v.noisy = c.noisy;
    v.K_E_max = c.K_E_max;
    v.K_I_max = c.K_I_max;
#define NB_POINT(type, name) v.name = ptr(name);
    NB_LIF_COND_INPUTS(NB_POINT)
    NB_LIF_COND_STATE(NB_POINT)
    NB_LIF_COND_OBSERVABLES(NB_POINT)
#undef NB_POINT
    v.s_A = ptr(s_A);
    v.s_N = ptr(s_N);
    v.s_G = ptr(s_G);
    if (c.trace_rows > 0) {
      v.trace_V_mV = ptr(trace_V_mV);
      v.trace_g_AMPA_nS = ptr(trace_g_AMPA_nS);
      v.trace_g_NMDA_nS = ptr(trace_g_NMDA_nS);
      v.trace_g_GABA_nS = ptr(trace_g_GABA_nS);
      v.trace_every = c.trace_every;
      v.trace_samples = c.trace_samples;
    }
    if (c.spike_rows > 0) {
      v.spike_steps = ptr(spike_steps);
      v.spike_capacity = c.spike_capacity;
    }
    return v;
  }

  template <class ToHost>
  ChunkResult result(const Spec& spec, ToHost host) {
    ChunkResult r;
    r.observables = observable_columns_of({NB_LIF_COND_OBSERVABLE_COLUMNS(NB_OBSERVABLE_COLUMN)});
    for (const std::string& var : spec.traces.vars) {
      r.traces.push_back(var == "V_mV"        ? host(trace_V_mV)
                         : var == "g_AMPA_nS" ? host(trace_g_AMPA_nS)
                         : var == "g_NMDA_nS" ? host(trace_g_NMDA_nS)
                                              : host(trace_g_GABA_nS));
    }
    r.spike_steps = host(spike_steps);
    return r;
  }
};

// The conductance-driven LIF model for BufferedEngine (host/engine/buffered_engine.hpp).
struct LifCondTraits {
  using Chunk = LifCondChunk;
  template <template <class> class Vec>
  using Buffers = LifCondBuffers<Vec>;
  static constexpr auto assemble = assemble_lif_cond_chunk;
  NB_KERNEL_LAUNCHERS(lif_cond)
};

const ModelInfo& lif_cond_model_info();

// The traits the generic engines are instantiated with (host/engine/make_engine.hpp, cuda_engines.cu).
namespace model_traits {
using lif_cond = LifCondTraits;
}  // namespace model_traits

}  // namespace nb
