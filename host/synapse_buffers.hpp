// One chunk's buffers for the synapse kernels, in host memory (Vec = std::vector, CPU engine) or device memory
// (Vec = thrust::device_vector, CUDA engine): the same fields, generated from the X-macro lists of
// synapse_batch.hpp, and one function that points a kernel View at them.
#pragma once

#include <vector>

#include "host/synapse_batch.hpp"
#include "kernels/synapse/synapse_kernels.hpp"

namespace nb {

template <template <class> class Vec>
struct SynapseBuffers {
#define NB_FIELD(type, name) Vec<type> name;
  NB_SYNAPSE_INPUTS(NB_FIELD)
  NB_SYNAPSE_STATE(NB_FIELD)
  NB_SYNAPSE_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  Vec<float> trace_s, trace_V_pre_mV;  // (trace_rows, trace_samples)
  Vec<std::uint32_t> spike_steps;      // (spike_rows, spike_capacity)

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
    const auto count = host(pre_spike_count);
    r.observables = observable_columns(host(s_mean), host(s_sd), host(s_peak_out), host(s_final),
                     std::vector<double>(count.begin(), count.end()), host(pre_rate_Hz), host(pre_isi_cv));
    for (const std::string& var : spec.traces.vars) r.traces.push_back(var == "s" ? host(trace_s) : host(trace_V_pre_mV));
    r.spike_steps = host(spike_steps);
    return r;
  }
};

// The synapse model for BufferedEngine (host/buffered_engine.hpp).
struct SynapseTraits {
  using Chunk = SynapseChunk;
  template <template <class> class Vec>
  using Buffers = SynapseBuffers<Vec>;
  static constexpr auto assemble = assemble_synapse_chunk;
  static constexpr auto advance_cpu = synapse::advance_cpu;
  static constexpr auto finalize_cpu = synapse::finalize_cpu;
  static constexpr auto advance_cuda_exact = synapse::advance_cuda_exact;  // defined in CUDA builds only: used there only
  static constexpr auto advance_cuda_fast = synapse::advance_cuda_fast;
  static constexpr auto finalize_cuda = synapse::finalize_cuda;
};

}  // namespace nb
