#include "host/models/network/network_model.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <tuple>

#include "host/engine/make_engine.hpp"
#include "host/common/errors.hpp"
#include "host/models/model_helpers.hpp"
#include "kernels/common/cpu_threads.hpp"
#include "kernels/common/fields.hpp"
#include "kernels/common/random.hpp"

namespace nb {
namespace {

constexpr double kMaxNeurons = 1e7;

// Parameters that shape the buffers or the connectivity and so must be the same at every sweep point.
const char* const kPerRun[] = {"N", "E_fraction", "delay_ms", "bin_ms", "transient_ms", "connectivity", "connectivity_rule",
                               "connectivity_seed",
                               "raster_neurons", "raster_max_spikes", "trace_neuron"};

bool pairwise_rule(const Spec& spec) {
  const ParamInfo& rule = spec.model->params[spec.model->param_index("connectivity_rule")];
  return rule.choice_name(spec.param(0, "connectivity_rule")) == "pairwise";
}

bool shared_connectivity(const Spec& spec) {
  const ParamInfo& p = spec.model->params[spec.model->param_index("connectivity")];
  return p.choice_name(spec.param(0, "connectivity")) == "shared";
}

std::uint32_t whole(const Spec& spec, const char* name) { return static_cast<std::uint32_t>(spec.param(0, name)); }

// The fixed in-degree rule's inputs per cell.
std::uint32_t indegree_of(std::uint32_t N, double p) { return static_cast<std::uint32_t>(std::llround(p * (N - 1))); }

double expected_synapses(const Spec& spec) {
  double p_max = 0;
  for (std::uint64_t k = 0; k < spec.n_points(); ++k) p_max = std::max(p_max, spec.param(k, "p"));
  const double N = spec.param(0, "N");
  return p_max * N * (N - 1);
}

void check_point(const double* p, const Spec& spec, const std::string& where) {
  const ModelInfo& m = network_model_info();
  const auto P = [&](const std::string& name) { return p[m.param_index(name)]; };
  for (const char* name : {"N", "raster_neurons", "raster_max_spikes", "trace_neuron", "connectivity_seed"}) {
    if (P(name) != std::floor(P(name))) throw SpecError(spec.param_field(name), std::string(name) + " must be whole" + where);
  }
  if (P("trace_neuron") >= P("N")) {
    throw SpecError(spec.param_field("trace_neuron"), "trace_neuron must be a cell index in [0, N)" + where);
  }
  if (shared_connectivity(spec) && P("p") != spec.param(0, "p")) {
    throw SpecError(spec.param_field("p"), "p must be the same at every sweep point with connectivity = shared" + where);
  }
  const double delay = P("delay_ms") / spec.dt_ms;
  if (std::fabs(delay - std::round(delay)) > 1e-9 * delay || std::round(delay) < 1) {
    throw SpecError(spec.param_field("delay_ms"), "delay_ms must be a whole number >= 1 of steps of dt_ms = " +
                                                      format_number(spec.dt_ms) + where);
  }
  if (P("delay_ms") > spec.duration_ms) {  // each pending step costs 2 N counters per network
    throw SpecError(spec.param_field("delay_ms"), "delay_ms must be at most duration_ms = " +
                                                      format_number(spec.duration_ms) + " ms" + where);
  }
  const double bin = P("bin_ms") / spec.dt_ms;
  if (std::fabs(bin - std::round(bin)) > 1e-9 * bin || std::round(bin) < 1) {
    throw SpecError(spec.param_field("bin_ms"), "bin_ms must be a whole number >= 1 of steps of dt_ms = " +
                                                    format_number(spec.dt_ms) + " (a bin longer than the trial "
                                                    "makes one bin)" + where);
  }
  if (std::ceil(P("transient_ms") / P("bin_ms") - 1e-9) * P("bin_ms") >= spec.duration_ms) {
    throw SpecError(spec.param_field("transient_ms"), "transient_ms, rounded up to whole bins of bin_ms = " +
                                                          format_number(P("bin_ms")) + ", must leave part of the "
                                                          "trial (duration_ms = " + format_number(spec.duration_ms) +
                                                          ")" + where);
  }
  if (!(P("V_reset_mV") < P("V_th_mV"))) {
    throw SpecError(spec.param_field("V_reset_mV"), "V_reset_mV must be below V_th_mV" + where);
  }
  for (const char* rate : {"kick_rate_Hz", "ext_rate_Hz"}) {
    if (P(rate) * spec.dt_ms * 1e-3 > 1.0) {
      throw SpecError(spec.param_field(rate), std::string(rate) + " * dt must be at most 1 (one event per step)" + where);
    }
  }
}

std::vector<ParamInfo> params() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  return {
      numeric_param("N", 4000, "", "cells per network (the same at every point)", 2.0, false, kMaxNeurons),
      numeric_param("E_fraction", 0.8, "", "fraction of excitatory cells: N_E = round(N E_fraction)", 0.0, false, 1.0),
      numeric_param("p", 0.02, "", "connection probability of each ordered pair (no autapses)", 0.0, false, 1.0),
      choice_param("connectivity", {"per_instance", "shared"}, 0,
                   "per_instance: each network draws its own connections; shared: one for every network"),
      choice_param("connectivity_rule", {"pairwise", "fixed_indegree"}, 0,
                   "pairwise: each ordered pair with probability p; fixed_indegree: every cell gets exactly "
                   "K = round(p (N - 1)) distinct inputs"),
      numeric_param("connectivity_seed", 1, "", "key of the connectivity's random stream", 0.0, false, 9.0e15),
      numeric_param("C_pF", 200.0, "pF", "membrane capacitance", 0.0, true),
      numeric_param("G_L_nS", 10.0, "nS", "leak conductance", 0.0, true),
      numeric_param("E_L_mV", -60.0, "mV", "leak reversal"),
      numeric_param("V_th_mV", -50.0, "mV", "threshold"),
      numeric_param("V_reset_mV", -60.0, "mV", "reset (< V_th)"),
      numeric_param("t_ref_ms", 5.0, "ms", "refractory period", 0.0),
      numeric_param("E_e_mV", 0.0, "mV", "excitatory reversal"),
      numeric_param("E_i_mV", -80.0, "mV", "inhibitory reversal"),
      numeric_param("tau_e_ms", 5.0, "ms", "excitatory conductance decay", 0.0, true),
      numeric_param("tau_i_ms", 10.0, "ms", "inhibitory conductance decay", 0.0, true),
      numeric_param("w_e_nS", 4.0, "nS", "excitatory weight", 0.0),
      numeric_param("w_i_nS", 51.0, "nS", "inhibitory weight", 0.0),
      choice_param("synapse", {"exponential", "kinetic"}, 0,
                   "exponential: a spike adds w; kinetic (saturating): a spike moves g a fraction jump of the way "
                   "to g_max"),
      numeric_param("g_max_e_nS", 100.0, "nS", "kinetic synapses: the excitatory conductance's ceiling", 0.0, true),
      numeric_param("g_max_i_nS", 500.0, "nS", "kinetic synapses: the inhibitory conductance's ceiling", 0.0, true),
      numeric_param("jump_e", 0.04, "", "kinetic synapses: fraction of (g_max - g) an E spike adds", 0.0, false, 1.0),
      numeric_param("jump_i", 0.1, "", "kinetic synapses: fraction of (g_max - g) an I spike adds", 0.0, false, 1.0),
      numeric_param("delay_ms", 0.1, "ms", "synaptic delay, a whole number >= 1 of steps (the same at every point)", 0.0, true),
      numeric_param("I_ext_pA", 0.0, "pA", "constant current into every cell"),
      numeric_param("kick_ms", 50.0, "ms", "duration of the initial Poisson kick", 0.0),
      numeric_param("kick_rate_Hz", 100.0, "Hz", "rate of each cell's own kick train", 0.0),
      numeric_param("kick_w_nS", 4.0, "nS", "weight of the kick synapse (excitatory)", 0.0),
      numeric_param("ext_rate_Hz", 0.0, "Hz", "rate of each cell's external Poisson drive (whole trial)", 0.0),
      numeric_param("ext_w_nS", 4.0, "nS", "weight of the external drive (excitatory)", 0.0),
      choice_param("initial_V", {"uniform", "reset"}, 0, "uniform in [V_reset, V_th] (keyed by seed), or V_reset"),
      numeric_param("bin_ms", 10.0, "ms", "bin of the population rates and the synchrony index (same at every point)", 0.0, true),
      numeric_param("transient_ms", 0.0, "ms",
                    "rates, CVs, synchrony and spikes_total leave out this much of the start (rounded up to whole "
                    "bins; e.g. the kick)", 0.0),
      numeric_param("raster_neurons", 0, "", "record the spikes of cells 0 .. raster_neurons - 1 (same at every point)",
                    0.0, false, kMaxNeurons),
      numeric_param("raster_max_spikes", 10000, "", "raster capacity per network", 0.0, false, 1e8),
      numeric_param("trace_neuron", 0, "", "the cell whose V, g_e, g_i record.traces records", 0.0),
  };
}

}  // namespace

namespace {

// Fixed in-degree: each cell's K inputs by Floyd's sampling (network::draw_inputs: distinct, uniform), then
// transposed to out-lists (targets in increasing order, like the pairwise rule's), appended to `into`.
void append_fixed_indegree(std::uint32_t N, double p, std::uint64_t key, std::uint64_t keyed, Connectivity& into) {
  const std::uint32_t K = indegree_of(N, p);
  std::vector<std::uint32_t> inputs(std::size_t(N) * K);
  std::vector<std::uint64_t> seen((N + 63u) / 64u, 0u);  // draw_inputs' bitmap of the candidates drawn
  for (std::uint32_t j = 0; j < N; ++j) {
    std::uint32_t* const chosen = inputs.data() + std::size_t(j) * K;
    network::draw_inputs(key, keyed, j, N, K, chosen, seen.data());
    for (std::uint32_t k = 0; k < K; ++k) chosen[k] = network::input_cell(chosen[k], j);
  }
  const std::uint64_t base = into.targets.size();
  const std::size_t first = into.offsets.size();
  into.offsets.resize(first + N + 1, 0);
  std::uint64_t* const offsets = into.offsets.data() + first;
  for (std::uint32_t pre : inputs) ++offsets[pre + 1];
  offsets[0] = base;
  for (std::uint32_t i = 0; i < N; ++i) offsets[i + 1] += offsets[i];
  into.targets.resize(base + inputs.size());
  std::vector<std::uint64_t> fill(offsets, offsets + N);
  for (std::uint32_t j = 0; j < N; ++j) {
    for (std::uint32_t k = 0; k < K; ++k) into.targets[fill[inputs[std::size_t(j) * K + k]]++] = j;
  }
}

// The out-lists of `instance`'s network appended to `into`: N + 1 offsets (into `into.targets`) and the targets.
// In place, so that a chunk's lists need no second copy while they are built.
void append_connectivity(const Spec& spec, std::uint64_t instance, Connectivity& into) {
  const std::uint32_t N = whole(spec, "N");
  const double p = spec.param(instance / spec.trials, "p");
  const std::uint64_t key = static_cast<std::uint64_t>(spec.param(0, "connectivity_seed"));
  const std::uint64_t keyed = shared_connectivity(spec) ? 0 : instance;
  if (!pairwise_rule(spec)) return append_fixed_indegree(N, p, key, keyed, into);
  const float log_1mp = static_cast<float>(std::log1p(-p));
  into.offsets.push_back(into.targets.size());
  for (std::uint32_t i = 0; i < N; ++i) {
    network::for_each_target(key, keyed, i, N, log_1mp, p >= 1.0, [&](std::uint32_t j) { into.targets.push_back(j); });
    into.offsets.push_back(into.targets.size());
  }
}

// Networks at most this large (expected bytes of out-lists) are built side by side on the run's threads, then
// copied in order into the chunk's lists: the copies are the only memory beyond the chunk plan's, one network per
// thread. Larger ones are built in place, one after the other.
constexpr double kParallelListBytes = 64.0 * 1048576.0;

// The out-lists of the networks ids[0 .. lists) appended to `into` in order, the same bytes for any thread count.
void append_connectivities(const Spec& spec, const std::vector<std::uint64_t>& ids, std::size_t lists,
                           std::uint32_t N, int threads, Connectivity& into) {
  const int T = resolve_threads(threads);
  double p_max = 0.0;
  for (std::size_t k = 0; k < lists; ++k) p_max = std::max(p_max, std::min(1.0, spec.param(ids[k] / spec.trials, "p")));
  const double expected_bytes = (p_max * N * (N - 1.0) + N) * sizeof(std::uint32_t);
  if (T <= 1 || lists <= 1 || expected_bytes > kParallelListBytes) {
    for (std::size_t k = 0; k < lists; ++k) append_connectivity(spec, ids[k], into);
    return;
  }
  for (std::size_t first = 0; first < lists; first += static_cast<std::size_t>(T)) {
    const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(T), lists - first);
    std::vector<Connectivity> built(count);
    std::vector<std::exception_ptr> failed(count);  // an exception must not leave an OpenMP region
#pragma omp parallel for schedule(static, 1) num_threads(T)
    for (std::ptrdiff_t k = 0; k < static_cast<std::ptrdiff_t>(count); ++k) {
      try {
        append_connectivity(spec, ids[first + static_cast<std::size_t>(k)], built[static_cast<std::size_t>(k)]);
      } catch (...) {
        failed[static_cast<std::size_t>(k)] = std::current_exception();
      }
    }
    for (std::size_t k = 0; k < count; ++k) {
      if (failed[k]) std::rethrow_exception(failed[k]);
      const std::uint64_t base = into.targets.size();
      for (std::size_t i = 0; i < built[k].offsets.size(); ++i) into.offsets.push_back(base + built[k].offsets[i]);
      into.targets.insert(into.targets.end(), built[k].targets.begin(), built[k].targets.end());
      built[k] = Connectivity();
    }
  }
}

}  // namespace

Connectivity network_connectivity(const Spec& spec, std::uint64_t instance) {
  const double N = spec.param(0, "N"), p = spec.param(instance / spec.trials, "p");
  Connectivity c;
  c.offsets.reserve(static_cast<std::size_t>(N) + 1);
  c.targets.reserve(static_cast<std::size_t>(p * N * (N - 1) * 1.05) + 16);
  append_connectivity(spec, instance, c);
  return c;
}

std::vector<float> sorted_raster(const std::vector<std::uint32_t>& neuron, const std::vector<std::uint32_t>& step,
                                 const std::vector<std::uint32_t>& fill, const std::vector<std::uint32_t>& cut,
                                 std::size_t n, std::uint32_t capacity, double dt_ms) {
  // Per network: (capacity, 2) of (cell, time_ms), NaN-padded.
  std::vector<float> out(n * capacity * 2, std::numeric_limits<float>::quiet_NaN());
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t count = std::min<std::size_t>(fill[i], capacity);
    std::vector<std::pair<std::uint32_t, std::uint32_t>> rows;
    rows.reserve(count);
    for (std::size_t k = 0; k < count; ++k) {
      if (step[i * capacity + k] < cut[i]) rows.emplace_back(step[i * capacity + k], neuron[i * capacity + k]);
    }
    std::sort(rows.begin(), rows.end());
    for (std::size_t k = 0; k < rows.size(); ++k) {
      out[(i * capacity + k) * 2] = static_cast<float>(rows[k].second);
      out[(i * capacity + k) * 2 + 1] = static_cast<float>(rows[k].first * dt_ms);
    }
  }
  return out;
}

namespace {

NetworkChunk assemble(const Spec& spec, const std::vector<std::uint64_t>& ids, bool device_lists, int threads);

}  // namespace

NetworkChunk assemble_network_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids, int threads) {
  return assemble(spec, ids, false, threads);
}

NetworkChunk assemble_network_chunk_for_device(const Spec& spec, const std::vector<std::uint64_t>& ids) {
  return assemble(spec, ids, true, 1);
}

namespace {

NetworkChunk assemble(const Spec& spec, const std::vector<std::uint64_t>& ids, bool device_lists, int threads) {
  const ModelInfo& m = *spec.model;
  NetworkChunk c;
  const std::size_t n = ids.size();
#define NB_RESIZE(type, name) c.name.assign(n, type{});
  NB_NETWORK_COEFFICIENTS(NB_RESIZE)
#undef NB_RESIZE
  c.n = n;
  const double dt = spec.dt_ms;
  c.N = whole(spec, "N");
  c.N_E = static_cast<std::uint32_t>(std::llround(c.N * spec.param(0, "E_fraction")));
  c.delay_steps = to_step(spec.param(0, "delay_ms"), dt);
  c.bin_steps = to_step(spec.param(0, "bin_ms"), dt);
  c.bins = static_cast<std::uint32_t>((spec.n_steps + c.bin_steps - 1) / c.bin_steps);
  c.first_bin = static_cast<std::uint32_t>(std::ceil(spec.param(0, "transient_ms") / spec.param(0, "bin_ms") - 1e-9));
  c.n_steps = static_cast<std::uint32_t>(spec.n_steps);
  c.dt_ms = dt;
  c.seed = spec.seed;
  c.instance_id = ids;
  c.shared = shared_connectivity(spec);
  c.raster_neurons = std::min(whole(spec, "raster_neurons"), c.N);
  c.raster_capacity = c.raster_neurons > 0 ? whole(spec, "raster_max_spikes") : 0;
  c.trace_neuron = whole(spec, "trace_neuron");
  const double uniform = m.params[m.param_index("initial_V")].choice_value("uniform");
  const double kinetic_choice = m.params[m.param_index("synapse")].choice_value("kinetic");
  c.V_mV.resize(n * c.N);
  for (std::size_t i = 0; i < n; ++i) {
    const double* p = spec.point_params(ids[i] / spec.trials);
    const auto P = [&](const std::string& name) { return p[m.param_index(name)]; };
    c.dt_over_C[i] = static_cast<float>(dt / P("C_pF"));  // ms / pF; pA ms / pF = mV
    c.G_L_nS[i] = static_cast<float>(P("G_L_nS"));
    c.E_L_mV[i] = static_cast<float>(P("E_L_mV"));
    c.V_th_mV[i] = static_cast<float>(P("V_th_mV"));
    c.V_reset_mV[i] = static_cast<float>(P("V_reset_mV"));
    c.E_e_mV[i] = static_cast<float>(P("E_e_mV"));
    c.E_i_mV[i] = static_cast<float>(P("E_i_mV"));
    c.decay_e[i] = static_cast<float>(std::exp(-dt / P("tau_e_ms")));
    c.decay_i[i] = static_cast<float>(std::exp(-dt / P("tau_i_ms")));
    c.w_e_nS[i] = static_cast<float>(P("w_e_nS"));
    c.w_i_nS[i] = static_cast<float>(P("w_i_nS"));
    c.I_ext_pA[i] = static_cast<float>(P("I_ext_pA"));
    c.refractory_steps[i] = to_step(P("t_ref_ms"), dt);
    c.kick_steps[i] = to_step(P("kick_ms"), dt);
    c.kick_threshold[i] = fixed_point_fraction(P("kick_rate_Hz") * dt * 1e-3);
    c.kick_w_nS[i] = static_cast<float>(P("kick_w_nS"));
    c.ext_threshold[i] = fixed_point_fraction(P("ext_rate_Hz") * dt * 1e-3);
    c.ext_w_nS[i] = static_cast<float>(P("ext_w_nS"));
    c.kinetic[i] = P("synapse") == kinetic_choice ? 1u : 0u;
    c.g_max_e_nS[i] = static_cast<float>(P("g_max_e_nS"));
    c.g_max_i_nS[i] = static_cast<float>(P("g_max_i_nS"));
    // log(1 - jump) in double, rounded once (jump = 1: -inf, so any arrival saturates: exp(-inf) = 0).
    c.log_keep_e[i] = static_cast<float>(std::log1p(-P("jump_e")));
    c.log_keep_i[i] = static_cast<float>(std::log1p(-P("jump_i")));
    const bool random_V = P("initial_V") == uniform;
    for (std::uint32_t j = 0; j < c.N; ++j) {
      double V = P("V_reset_mV");
      if (random_V) {
        const Philox4x32Words w = random_words(spec.seed, ids[i], j / 4, RandomStream::network_initial_V, 0);
        V += (P("V_th_mV") - P("V_reset_mV")) * double(uniform_open01(w.w[j % 4]));
      }
      c.V_mV[i * c.N + j] = static_cast<float>(V);
    }
  }
  // Connectivity: one list when shared, else one per network of the chunk, concatenated (offsets rebased).
  const std::size_t lists = c.shared ? (n > 0 ? 1 : 0) : n;
  if (device_lists) {
    c.device_lists = true;
    c.fixed_indegree = !pairwise_rule(spec);
    c.connectivity_key = static_cast<std::uint64_t>(spec.param(0, "connectivity_seed"));
    for (std::size_t k = 0; k < lists; ++k) {
      const double p = spec.param(ids[k] / spec.trials, "p");
      c.list_instance.push_back(c.shared ? 0 : ids[k]);  // as network_connectivity keys it
      c.list_log_1mp.push_back(static_cast<float>(std::log1p(-p)));
      c.list_all.push_back(p >= 1.0 ? 1u : 0u);
      c.list_indegree.push_back(indegree_of(c.N, p));
    }
    assign_recording(c, spec, ids);
    return c;
  }
  // Reserved to the count (fixed in-degree) or the expected count plus 6 SDs (pairwise): growing by doubling would
  // need up to twice the memory that the chunk's plan (bytes_per_instance) counts on.
  double synapses = 0, variance = 0;
  for (std::size_t k = 0; k < lists; ++k) {
    const double p = std::min(1.0, spec.param(ids[k] / spec.trials, "p")), pairs = double(c.N) * (c.N - 1.0);
    if (!pairwise_rule(spec)) {
      synapses += double(c.N) * indegree_of(c.N, p);
      continue;
    }
    synapses += p * pairs;
    variance += p * (1.0 - p) * pairs;
  }
  Connectivity lists_of_chunk;
  lists_of_chunk.offsets.reserve(lists * (c.N + 1));
  lists_of_chunk.targets.reserve(static_cast<std::size_t>(synapses + 6.0 * std::sqrt(variance) + 64.0));
  append_connectivities(spec, ids, lists, c.N, threads, lists_of_chunk);
  c.offsets = std::move(lists_of_chunk.offsets);
  c.targets = std::move(lists_of_chunk.targets);
  assign_recording(c, spec, ids);
  return c;
}

}  // namespace

// Backend memory per neuron, without its arrival counters (2 per pending step): its fields and its out-list offset,
// and 20 bytes that no field holds: the sum by hand that this replaced counted them; kept so that chunk plans, and
// the summary's chunk_plan_MiB, stay the same.
constexpr std::size_t kBytesPerCell = NB_FIELD_BYTES(NB_NETWORK_CELLS) + sizeof(std::uint64_t) + 20;
static_assert(kBytesPerCell == 12 + 8 * 5 + 24 + 8, "the chunk plan's bytes per instance changed");

// Backend memory per network: coefficients, observables, instance_id, last_active_step, silent, raster_fill,
// raster_cut and trace_row, and 64 bytes that no field holds (as above).
constexpr std::size_t kBytesPerNetwork = NB_FIELD_BYTES(NB_NETWORK_COEFFICIENTS) +
                                         NB_FIELD_BYTES(NB_NETWORK_OBSERVABLES) + sizeof(std::uint64_t) +
                                         4 * sizeof(std::uint32_t) + sizeof(std::int32_t) + 64;
static_assert(kBytesPerNetwork == 256, "the chunk plan's bytes per instance changed");

const ModelInfo& network_model_info() {
  static const ModelInfo info = [] {
    ModelInfo m;
    m.name = "network";
    m.description = "Spiking E/I networks of conductance-based LIF cells (COBA, Vogels & Abbott 2005, Brette et al. "
                    "2007): sparse random connectivity, exponential conductances, Poisson kick; one network per instance";
    m.params = params();
    m.observables = {NB_NETWORK_OBSERVABLE_COLUMNS(NB_OBSERVABLE_NAME)};
    m.integer_observables = {"sustained"};
    m.trace_vars = {"V_mV", "g_e_nS", "g_i_nS"};
    m.integrators = {"euler"};
    m.neurons_per_instance = [](const Spec& spec) { return spec.param(0, "N"); };
    m.per_run_params.assign(std::begin(kPerRun), std::end(kPerRun));
    m.instance_arrays = {
        {"pop_rate_Hz", [](const Spec& s) {
           const std::uint32_t bin = to_step(s.param(0, "bin_ms"), s.dt_ms);
           return std::size_t(2) * ((s.n_steps + bin - 1) / bin);
         },
         {{"bin", {}}, {"population", {"E", "I"}}}},
        {"raster", [](const Spec& s) {
           return s.param(0, "raster_neurons") > 0 ? std::size_t(2) * whole(s, "raster_max_spikes") : std::size_t(0);
         },
         {{"raster_spike", {}}, {"raster_field", {"cell", "time_ms"}}}}};
    m.check_point = check_point;
    m.make_engine = make_engine<NetworkTraits>;
    m.bytes_per_instance = [](const Spec& spec) {
      const double N = spec.param(0, "N");
      const double synapses = shared_connectivity(spec) ? 0.0 : expected_synapses(spec) * 1.05;
      const double delay_slots = std::round(spec.param(0, "delay_ms") / spec.dt_ms) + 1;
      const double bins = std::ceil(double(spec.n_steps) / std::round(spec.param(0, "bin_ms") / spec.dt_ms));
      const double raster = spec.param(0, "raster_neurons") > 0 ? spec.param(0, "raster_max_spikes") * 16 : 0;
      return static_cast<std::size_t>(N * (double(kBytesPerCell) + delay_slots * 2 * sizeof(std::uint32_t)) +
                                      synapses * 4 + bins * 16 + raster + double(kBytesPerNetwork));
    };
    return m;
  }();
  return info;
}

}  // namespace nb
