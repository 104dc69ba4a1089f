// Spiking E/I networks as the host sees them (docs/models/network.md): parameters, checks, connectivity and chunk
// assembly, buffers and the traits that plug the model into BufferedEngine.
#pragma once

#include <algorithm>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "host/engine/chunk_engine.hpp"
#include "host/models/model_helpers.hpp"
#include "host/spec/model_registry.hpp"
#include "host/spec/spec.hpp"
#include "kernels/network/network_kernels.hpp"

namespace nb {

const ModelInfo& network_model_info();

// Out-lists of one network (or of the shared one): CSR offsets (N + 1) and targets.
struct Connectivity {
  std::vector<std::uint64_t> offsets;
  std::vector<std::uint32_t> targets;
};

// The connectivity of `instance` (any instance when it is shared), as every backend uses it.
Connectivity network_connectivity(const Spec& spec, std::uint64_t instance);

struct NetworkChunk {
#define NB_FIELD(type, name) std::vector<type> name;
  NB_NETWORK_COEFFICIENTS(NB_FIELD)
#undef NB_FIELD
  std::vector<float> V_mV;  // (n * N,) initial membrane potentials
  std::vector<std::uint64_t> offsets, instance_id;
  std::vector<std::uint32_t> targets;
  // Lists left for the GPU to build (device_lists): per list its keying instance and, for the pairwise rule,
  // log(1 - p) and whether p = 1; for the fixed in-degree rule, the in-degree K.
  bool device_lists = false, fixed_indegree = false;
  std::uint64_t connectivity_key = 0;
  std::vector<std::uint64_t> list_instance;
  std::vector<float> list_log_1mp;
  std::vector<std::uint32_t> list_all, list_indegree;
  std::vector<std::int32_t> trace_row, spike_row;  // spike_row unused (assign_recording fills it)
  bool shared = false;
  std::uint64_t seed = 0;
  std::uint32_t N = 0, N_E = 0, delay_steps = 1, bin_steps = 1, bins = 0, first_bin = 0, n_steps = 0;
  std::uint32_t raster_neurons = 0, raster_capacity = 0, trace_neuron = 0;
  double dt_ms = 0;
  std::uint32_t trace_rows = 0, trace_every = 1, trace_samples = 0, spike_rows = 0, spike_capacity = 0;
  std::size_t n = 0;  // instances (Buffers::load may take the arrays)
  std::size_t size() const { return n; }
};

// `threads` (0: OpenMP's default) build the networks' connectivity, a fifth of a COBA run on one thread.
NetworkChunk assemble_network_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids, int threads = 1);
// The same, but the connectivity is left for the GPU to build (only its descriptors are filled).
NetworkChunk assemble_network_chunk_for_device(const Spec& spec, const std::vector<std::uint64_t>& ids);

// Raster rows sorted by (step, neuron) (the GPU fills them in arbitrary order), without the spikes stamped at or
// after each network's cut (network::record_raster): what remains is the same on every backend.
std::vector<float> sorted_raster(const std::vector<std::uint32_t>& neuron, const std::vector<std::uint32_t>& step,
                                 const std::vector<std::uint32_t>& fill, const std::vector<std::uint32_t>& cut,
                                 std::size_t n, std::uint32_t capacity, double dt_ms);

// The V trace buffer before the first step: sample 0 of each traced network is its traced cell's initial V (the
// kernels write samples 1 on, after each step; the conductances start at 0).
inline std::vector<float> initial_V_trace(const NetworkChunk& c, std::size_t words) {
  std::vector<float> V(words, 0.0f);
  for (std::size_t net = 0; net < c.trace_row.size(); ++net) {
    if (c.trace_row[net] >= 0) V[std::size_t(c.trace_row[net]) * c.trace_samples] = c.V_mV[net * c.N + c.trace_neuron];
  }
  return V;
}

// The observables in output order, X(name, column) (model_helpers.hpp): ModelInfo::observables and each chunk's
// columns are generated from this list; every one is written by finalize.
#define NB_NETWORK_OBSERVABLE_COLUMNS(X)                                                              \
  X(rate_E_Hz, host(rate_E_Hz)) X(rate_I_Hz, host(rate_I_Hz)) X(cv_E, host(cv_E)) X(cv_I, host(cv_I)) \
  X(synchrony, host(synchrony)) X(last_spike_ms, host(last_spike_ms)) X(sustained, host(sustained))   \
  X(spikes_total, host(spikes_total)) X(synapses_out, host(synapses_out))

template <template <class> class Vec>
struct NetworkBuffers {
#define NB_FIELD(type, name) Vec<type> name;
  NB_NETWORK_COEFFICIENTS(NB_FIELD)
  NB_NETWORK_OBSERVABLES(NB_FIELD)
  NB_NETWORK_CELLS(NB_FIELD)
#undef NB_FIELD
  Vec<std::uint32_t> arrivals;
  Vec<std::uint64_t> offsets, instance_id;
  Vec<std::uint32_t> targets, pop_bins, last_active_step, silent, raster_neuron, raster_step, raster_fill, raster_cut;
  Vec<std::int32_t> trace_row;
  Vec<float> trace_V_mV, trace_g_e_nS, trace_g_i_nS;
  double dt_ms = 0;
  std::uint32_t raster_capacity = 0;

  // Every buffer, in a fixed order: a checkpoint saves and restores them (BufferedEngine::save_state).
  template <class F>
  void for_each(F&& f) {
#define NB_VISIT(type, name) f(name);
    NB_NETWORK_COEFFICIENTS(NB_VISIT)
    NB_NETWORK_OBSERVABLES(NB_VISIT)
    NB_NETWORK_CELLS(NB_VISIT)
#undef NB_VISIT
    f(arrivals); f(offsets); f(instance_id); f(targets); f(pop_bins); f(last_active_step); f(silent);
    f(raster_neuron); f(raster_step); f(raster_fill); f(raster_cut); f(trace_row); f(trace_V_mV); f(trace_g_e_nS);
    f(trace_g_i_nS);
  }

  // Takes the chunk's arrays (take_array), the connectivity lists among them; its sizes stay for the view.
  void load(NetworkChunk& c) {
    const std::size_t words = std::size_t(c.trace_rows) * c.trace_samples;
    trace_V_mV = initial_V_trace(c, words);  // before V_mV and trace_row are taken
#define NB_TAKE(type, name) take_array(name, c.name);
    NB_NETWORK_COEFFICIENTS(NB_TAKE)
#undef NB_TAKE
#define NB_ALLOC(type, name) name.assign(c.size(), type{});
    NB_NETWORK_OBSERVABLES(NB_ALLOC)
#undef NB_ALLOC
    const std::size_t cells = c.size() * c.N;
    take_array(V_mV, c.V_mV);
    g_e_nS.assign(cells, 0.0f);
    g_i_nS.assign(cells, 0.0f);
    for (Vec<std::uint32_t>* x : {&refractory_left, &spike_count, &last_spike_step, &bin_count, &spiked}) {
      x->assign(cells, 0u);
    }
    for (Vec<std::uint64_t>* x : {&isi_sum, &isi_sq_sum, &bin_sq_sum}) x->assign(cells, 0u);
    arrivals.assign(c.size() * (c.delay_steps + 1u) * 2u * c.N, 0u);
    take_array(offsets, c.offsets);
    take_array(targets, c.targets);
    take_array(instance_id, c.instance_id);
    pop_bins.assign(c.size() * c.bins * 2u, 0u);
    last_active_step.assign(c.size(), 0u);
    silent.assign(c.size(), 0u);
    raster_neuron.assign(c.size() * c.raster_capacity, 0u);
    raster_step.assign(c.size() * c.raster_capacity, 0u);
    raster_fill.assign(c.size(), 0u);
    raster_cut.assign(c.size(), ~std::uint32_t(0));  // no cut: the raster never overflowed
    raster_capacity = c.raster_capacity;
    take_array(trace_row, c.trace_row);
    for (Vec<float>* t : {&trace_g_e_nS, &trace_g_i_nS}) t->assign(words, 0.0f);
    dt_ms = c.dt_ms;
  }

  template <class Ptr>
  network::View view(const NetworkChunk& c, Ptr ptr) {
    network::View v;
    v.n = c.size();
    v.N = c.N;
    v.N_E = c.N_E;
    v.delay_steps = c.delay_steps;
    v.slots = c.delay_steps + 1u;
#define NB_POINT(type, name) v.name = ptr(name);
    NB_NETWORK_COEFFICIENTS(NB_POINT)
    NB_NETWORK_OBSERVABLES(NB_POINT)
    NB_NETWORK_CELLS(NB_POINT)
#undef NB_POINT
    v.arrivals = ptr(arrivals);
    v.offsets = ptr(offsets);
    v.targets = ptr(targets);
    v.shared = c.shared;
    v.pop_bins = ptr(pop_bins);
    v.bin_steps = c.bin_steps;
    v.bins = c.bins;
    v.first_bin = c.first_bin;
    v.last_active_step = ptr(last_active_step);
    v.silent = ptr(silent);
    v.instance_id = ptr(instance_id);
    v.seed = c.seed;
    v.n_steps = c.n_steps;
    v.dt_ms = c.dt_ms;
    v.raster_neurons = c.raster_neurons;
    v.raster_capacity = c.raster_capacity;
    v.raster_neuron = ptr(raster_neuron);
    v.raster_step = ptr(raster_step);
    v.raster_fill = ptr(raster_fill);
    v.raster_cut = ptr(raster_cut);
    v.trace_neuron = c.trace_neuron;
    if (c.trace_rows > 0) {
      v.trace_row = ptr(trace_row);
      v.trace_every = c.trace_every;
      v.trace_samples = c.trace_samples;
      v.trace_V_mV = ptr(trace_V_mV);
      v.trace_g_e_nS = ptr(trace_g_e_nS);
      v.trace_g_i_nS = ptr(trace_g_i_nS);
    }
    return v;
  }

  template <class ToHost>
  ChunkResult result(const Spec& spec, ToHost host) {
    ChunkResult r;
    r.observables = observable_columns_of({NB_NETWORK_OBSERVABLE_COLUMNS(NB_OBSERVABLE_COLUMN)});
    for (const std::string& var : spec.traces.vars) {
      r.traces.push_back(var == "V_mV" ? host(trace_V_mV) : var == "g_e_nS" ? host(trace_g_e_nS) : host(trace_g_i_nS));
    }
    const std::vector<std::uint32_t> bins = host(pop_bins);
    const std::size_t n = last_active_step.size();
    const std::size_t per = n > 0 ? bins.size() / n : 0;  // 2 * bins
    const std::uint64_t bin_steps = static_cast<std::uint64_t>(std::llround(spec.param(0, "bin_ms") / spec.dt_ms));
    std::vector<float> rates(bins.size());
    const double N = spec.param(0, "N");
    const double N_E = std::round(N * spec.param(0, "E_fraction"));
    for (std::size_t k = 0; k < bins.size(); ++k) {
      // The last bin may be shorter than bin_ms.
      const std::uint64_t first = (k % per) / 2 * bin_steps;
      const double bin_s = double(std::min(bin_steps, spec.n_steps - first)) * spec.dt_ms * 1e-3;
      rates[k] = static_cast<float>(double(bins[k]) / ((k % 2 == 0 ? N_E : N - N_E) * bin_s));
    }
    r.arrays = {rates, sorted_raster(host(raster_neuron), host(raster_step), host(raster_fill), host(raster_cut), n,
                                     raster_capacity, dt_ms)};
    return r;
  }
};

struct NetworkCudaTraits;  // host/models/network/network_cuda.cuh: connectivity built on the device

struct NetworkTraits {
  using CudaTraits = NetworkCudaTraits;
  using Chunk = NetworkChunk;
  template <template <class> class Vec>
  using Buffers = NetworkBuffers<Vec>;
  static NetworkChunk assemble(const Spec& spec, const std::vector<std::uint64_t>& ids, const EngineConfig& c) {
    return assemble_network_chunk(spec, ids, c.threads);
  }
  static constexpr auto advance_cpu = network::advance_cpu;
  static constexpr auto finalize_cpu = network::finalize_cpu;
  // Defined in CUDA builds only: the engine's network options choose the layout (CudaBackend::launch).
  static void advance_cuda_exact(const network::View& v, std::uint32_t b, std::uint32_t e, const EngineConfig& c) {
    network::advance_cuda_exact(v, b, e, cuda_launch(c));
  }
  static void advance_cuda_fast(const network::View& v, std::uint32_t b, std::uint32_t e, const EngineConfig& c) {
    network::advance_cuda_fast(v, b, e, cuda_launch(c));
  }
  static network::CudaLaunch cuda_launch(const EngineConfig& c) {
    using Layout = network::CudaLaunch::Layout;
    network::CudaLaunch launch;
    launch.layout = c.network_layout == NetworkLayout::per_cell      ? Layout::per_cell
                    : c.network_layout == NetworkLayout::per_network ? Layout::per_network
                                                                     : Layout::automatic;
    launch.cells_per_thread = c.network_cells_per_thread;
    return launch;
  }
  static constexpr auto finalize_cuda = network::finalize_cuda;
};

// The traits the generic engines are instantiated with (host/engine/make_engine.hpp, cuda_engines.cu).
namespace model_traits {
using network = NetworkTraits;
}  // namespace model_traits

}  // namespace nb
