// CPU-against-GPU (or any run against any run) comparison of the same instances, per observable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/engine/runner.hpp"

namespace nb {

struct FieldDiff {
  std::string name;                // observable, "trace_<var>" or "spike_steps"
  std::uint64_t compared = 0;      // values compared
  std::uint64_t differing = 0;     // values not bitwise identical (NaN == NaN counts as identical)
  double max_abs = 0, max_rel = 0; // over values finite in both
  std::int64_t first_mismatch_instance = -1;  // global instance index, -1 if none
  bool identical() const { return differing == 0; }
};

struct CompareReport {
  std::vector<FieldDiff> fields;
  bool identical() const;
  nlohmann::ordered_json to_json() const;
  std::string to_text() const;  // one aligned line per field
};

// `a` and `b` must have run the same instances in the same order (InternalError otherwise).
CompareReport compare_results(const RunResult& a, const RunResult& b);

// Parses "0,5,10-20" into instance indices, each below n_instances and none twice; UserError naming --instances
// on bad syntax, a negative number, an index out of range or a repeated one. Ranges are checked before they are
// expanded, so a huge one is refused, not allocated.
std::vector<std::uint64_t> parse_instance_list(const std::string& text, std::uint64_t n_instances);

}  // namespace nb
