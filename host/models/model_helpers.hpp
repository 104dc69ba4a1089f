// Small pieces every model's host code uses: parameter-table entries, number formatting for messages, recording
// rows of a chunk, and fixed-point fractions for the kernels' integer comparisons.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "host/common/text.hpp"
#include "host/spec/model_registry.hpp"
#include "host/spec/spec.hpp"

namespace nb {

// A numeric parameter; bounds inclusive unless flagged exclusive.
ParamInfo numeric_param(std::string name, double default_value, std::string unit, std::string description,
                        double min = -std::numeric_limits<double>::infinity(), bool min_exclusive = false,
                        double max = std::numeric_limits<double>::infinity(), bool max_exclusive = false);

// A categorical parameter; the default is an index into `choices`.
ParamInfo choice_param(std::string name, std::vector<std::string> choices, std::size_t default_choice,
                       std::string description);

// Up to 10 significant digits, for the models' error messages.
inline std::string format_number(double v) { return format_significant(v, 10); }

// Row of each chunk instance in the recording buffers: the instances listed in `recorded` (sorted) get rows
// 0, 1, ... in chunk order, the others -1. Returns the number of rows.
std::uint32_t assign_recording_rows(const std::vector<std::uint64_t>& ids, const std::vector<std::uint64_t>& recorded,
                                    std::vector<std::int32_t>& row);

// Fills a chunk's recording layout (trace_every, trace_samples, trace_rows, trace_row, spike_capacity, spike_rows,
// spike_row) from the spec; row vectors are (n,) of -1 when nothing is recorded.
template <class Chunk>
void assign_recording(Chunk& c, const Spec& spec, const std::vector<std::uint64_t>& ids) {
  c.trace_row.assign(ids.size(), -1);
  c.spike_row.assign(ids.size(), -1);
  if (!spec.traces.vars.empty()) {
    c.trace_every = spec.traces.every;
    c.trace_samples = static_cast<std::uint32_t>(spec.n_steps / spec.traces.every + 1);
    c.trace_rows = assign_recording_rows(ids, spec.traces.instances, c.trace_row);
  }
  if (spec.spikes.enabled) {
    c.spike_capacity = spec.spikes.max_per_instance;
    c.spike_rows = assign_recording_rows(ids, spec.spikes.instances, c.spike_row);
  }
}

// A model's observables in output order as one X-macro list, X(name, column): `name` as ModelInfo::observables
// lists it, `column` the expression that gives its (n,) values in the model's Buffers::result(), where `host(field)`
// copies a buffer to the host. Both orders are generated from the list, so it is the only place that holds it:
//   m.observables = {NB_LIF_OBSERVABLE_COLUMNS(NB_OBSERVABLE_NAME)};                       (ModelInfo)
//   r.observables = observable_columns_of({NB_LIF_OBSERVABLE_COLUMNS(NB_OBSERVABLE_COLUMN)});  (ChunkResult)
#define NB_OBSERVABLE_NAME(name, column) #name,
#define NB_OBSERVABLE_COLUMN(name, column) as_column(column),

// An observable column as doubles: a column of doubles is moved in (copied when named), counts are converted.
inline std::vector<double> as_column(std::vector<double> values) { return values; }
template <class T>
std::vector<double> as_column(const std::vector<T>& values) {
  return std::vector<double>(values.begin(), values.end());
}

// ChunkResult::observables from the columns, moved in order: an initializer list would copy each (its elements
// cannot be moved from), a chunk's worth of every observable more at the peak of the chunk's memory.
template <std::size_t K>
std::vector<std::vector<double>> observable_columns_of(std::vector<double> (&&columns)[K]) {
  std::vector<std::vector<double>> out;
  out.reserve(K);
  for (std::vector<double>& column : columns) out.push_back(std::move(column));
  return out;
}

// The step nearest to time t.
std::uint32_t to_step(double t_ms, double dt_ms);

// First step whose start n dt is at or after t: a step that starts inside a pulse [onset, onset + duration) is in
// the pulse, so the pulse covers steps [first_step_from(onset), first_step_from(onset + duration)).
std::uint32_t first_step_from(double t_ms, double dt_ms);

// x in [0, 1] as a 32-bit fixed-point fraction (2^32 = 1), rounded to nearest and saturating at 2^32 - 1: a
// probability compared with a uniform 32-bit word (P(word < f) = f / 2^32).
std::uint32_t fixed_point_fraction(double x);

}  // namespace nb
