// The Wong & Wang decision model as the host sees it (docs/models/decision.md): parameters, checks, chunk assembly,
// buffers and the traits that plug it into BufferedEngine.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "host/engine/buffered_engine.hpp"
#include "host/engine/chunk_engine.hpp"
#include "host/models/model_helpers.hpp"
#include "host/spec/model_registry.hpp"
#include "host/spec/spec.hpp"
#include "kernels/decision/decision_kernels.hpp"

namespace nb {

const ModelInfo& decision_model_info();

struct DecisionChunk {
#define NB_FIELD(type, name) std::vector<type> name;
  NB_DECISION_COEFFICIENTS(NB_FIELD)
  NB_DECISION_STATE(NB_FIELD)
#undef NB_FIELD
  std::vector<std::uint64_t> instance_id;
  std::vector<std::uint32_t> point_row;  // sweep point - first_point
  std::vector<std::int32_t> trace_row, spike_row;  // spike_row unused: no spikes (assign_recording fills it)
  std::uint64_t seed = 0, first_point = 0, points = 0;
  std::uint32_t n_steps = 0, bin_steps = 0, n_bins = 0;
  float dt_ms = 0;
  std::uint32_t trace_rows = 0, trace_every = 1, trace_samples = 0, spike_rows = 0, spike_capacity = 0;
  std::size_t n = 0;  // instances (Buffers::load may take the arrays)
  std::size_t size() const { return n; }
};

DecisionChunk assemble_decision_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids);

// The observables in output order, X(name, column) (model_helpers.hpp): ModelInfo::observables and each chunk's
// columns are generated from this list; every one is written by finalize.
#define NB_DECISION_OBSERVABLE_COLUMNS(X)                                                                   \
  X(choice, host(choice_out)) X(decision_time_ms, host(decision_time_ms))                                   \
  X(higher_at_end, host(higher_at_end)) X(r1_final_Hz, host(r1_final_Hz)) X(r2_final_Hz, host(r2_final_Hz)) \
  X(S1_final, host(S1_final)) X(S2_final, host(S2_final)) X(r1_probe1_Hz, host(r1_probe1_Hz))               \
  X(r2_probe1_Hz, host(r2_probe1_Hz)) X(S1_probe1, host(S1_probe1_out)) X(S2_probe1, host(S2_probe1_out))   \
  X(r1_probe2_Hz, host(r1_probe2_Hz)) X(r2_probe2_Hz, host(r2_probe2_Hz)) X(S1_probe2, host(S1_probe2_out)) \
  X(S2_probe2, host(S2_probe2_out))

template <template <class> class Vec>
struct DecisionBuffers {
#define NB_FIELD(type, name) Vec<type> name;
  NB_DECISION_COEFFICIENTS(NB_FIELD)
  NB_DECISION_STATE(NB_FIELD)
  NB_DECISION_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  Vec<std::uint64_t> instance_id;
  Vec<std::uint32_t> point_row;
  Vec<std::int32_t> trace_row;
  Vec<float> trace_r1_Hz, trace_r2_Hz, trace_S1, trace_S2;  // (trace_rows, trace_samples) when traced
  Vec<float> trial_bin_sum;                                 // (n_bins, 2, n)
  Vec<unsigned long long> group_sums, group_counts;         // (points, groups, 2, n_bins), (points, groups)

  // Every buffer, in a fixed order: a checkpoint saves and restores them (BufferedEngine::save_state).
  template <class F>
  void for_each(F&& f) {
#define NB_VISIT(type, name) f(name);
    NB_DECISION_COEFFICIENTS(NB_VISIT)
    NB_DECISION_STATE(NB_VISIT)
    NB_DECISION_OBSERVABLES(NB_VISIT)
#undef NB_VISIT
    f(instance_id); f(point_row); f(trace_row); f(trace_r1_Hz); f(trace_r2_Hz); f(trace_S1); f(trace_S2);
    f(trial_bin_sum); f(group_sums); f(group_counts);
  }

  // Takes the chunk's arrays (take_array); its sizes stay for the view.
  void load(DecisionChunk& c) {
#define NB_TAKE(type, name) take_array(name, c.name);
    NB_DECISION_COEFFICIENTS(NB_TAKE)
    NB_DECISION_STATE(NB_TAKE)
#undef NB_TAKE
#define NB_ALLOC(type, name) name.assign(c.size(), type{});
    NB_DECISION_OBSERVABLES(NB_ALLOC)
#undef NB_ALLOC
    point_base = c.first_point;
    take_array(instance_id, c.instance_id);
    take_array(point_row, c.point_row);
    take_array(trace_row, c.trace_row);
    const std::size_t trace_words = std::size_t(c.trace_rows) * c.trace_samples;
    for (Vec<float>* t : {&trace_r1_Hz, &trace_r2_Hz, &trace_S1, &trace_S2}) t->assign(trace_words, 0.0f);
    trial_bin_sum.assign(std::size_t(c.n_bins) * 2 * c.size(), 0.0f);
    const std::size_t groups = c.n_bins > 0 ? c.points * decision::kChoiceGroups : 0;
    group_counts.assign(groups, 0ull);
    group_sums.assign(groups * 2 * c.n_bins, 0ull);
  }

  template <class Ptr>
  decision::View view(const DecisionChunk& c, Ptr ptr) {
    decision::View v;
    v.n = c.size();
#define NB_POINT(type, name) v.name = ptr(name);
    NB_DECISION_COEFFICIENTS(NB_POINT)
    NB_DECISION_STATE(NB_POINT)
    NB_DECISION_OBSERVABLES(NB_POINT)
#undef NB_POINT
    v.instance_id = ptr(instance_id);
    v.seed = c.seed;
    v.n_steps = c.n_steps;
    v.dt_ms = c.dt_ms;
    if (c.trace_rows > 0) {
      v.trace_row = ptr(trace_row);
      v.trace_r1_Hz = ptr(trace_r1_Hz);
      v.trace_r2_Hz = ptr(trace_r2_Hz);
      v.trace_S1 = ptr(trace_S1);
      v.trace_S2 = ptr(trace_S2);
      v.trace_every = c.trace_every;
      v.trace_samples = c.trace_samples;
    }
    if (c.n_bins > 0) {
      v.bin_steps = c.bin_steps;
      v.n_bins = c.n_bins;
      v.trial_bin_sum = ptr(trial_bin_sum);
      v.point_row = ptr(point_row);
      v.group_sums = ptr(group_sums);
      v.group_counts = ptr(group_counts);
    }
    return v;
  }

  template <class ToHost>
  ChunkResult result(const Spec& spec, ToHost host) {
    ChunkResult r;
    r.observables = observable_columns_of({NB_DECISION_OBSERVABLE_COLUMNS(NB_OBSERVABLE_COLUMN)});
    for (const std::string& var : spec.traces.vars) {
      r.traces.push_back(var == "r1_Hz" ? host(trace_r1_Hz)
                         : var == "r2_Hz" ? host(trace_r2_Hz)
                         : var == "S1"    ? host(trace_S1)
                                          : host(trace_S2));
    }
    if (spec.binned.enabled) {
      const auto counts = host(group_counts);
      const auto sums = host(group_sums);
      r.binned.first_point = point_base;
      r.binned.points = counts.size() / decision::kChoiceGroups;
      r.binned.counts.assign(counts.begin(), counts.end());
      r.binned.sums.assign(sums.begin(), sums.end());
    }
    return r;
  }
  std::uint64_t point_base = 0;  // the chunk's first sweep point: row 0 of the group sums
};

struct DecisionTraits {
  using Chunk = DecisionChunk;
  template <template <class> class Vec>
  using Buffers = DecisionBuffers<Vec>;
  static constexpr auto assemble = assemble_decision_chunk;
  NB_KERNEL_LAUNCHERS(decision)
  static constexpr auto advance_cpu_fast = decision::advance_cpu_fast;  // --math fast on the CPU
};

// The traits the generic engines are instantiated with (host/engine/make_engine.hpp, cuda_engines.cu).
namespace model_traits {
using decision = DecisionTraits;
}  // namespace model_traits

}  // namespace nb
