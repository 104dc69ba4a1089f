#include "host/models/model_helpers.hpp"

#include <algorithm>
#include <cmath>

namespace nb {

ParamInfo numeric_param(std::string name, double default_value, std::string unit, std::string description,
                        double min, bool min_exclusive, double max, bool max_exclusive) {
  ParamInfo p;
  p.name = std::move(name);
  p.default_value = default_value;
  p.unit = std::move(unit);
  p.description = std::move(description);
  p.min = min;
  p.min_exclusive = min_exclusive;
  p.max = max;
  p.max_exclusive = max_exclusive;
  return p;
}

ParamInfo choice_param(std::string name, std::vector<std::string> choices, std::size_t default_choice,
                       std::string description) {
  ParamInfo p = numeric_param(std::move(name), static_cast<double>(default_choice), "", std::move(description));
  p.choices = std::move(choices);
  return p;
}

std::uint32_t assign_recording_rows(const std::vector<std::uint64_t>& ids, const std::vector<std::uint64_t>& recorded,
                                    std::vector<std::int32_t>& row) {
  row.assign(ids.size(), -1);
  std::int32_t next = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (std::binary_search(recorded.begin(), recorded.end(), ids[i])) row[i] = next++;
  }
  return static_cast<std::uint32_t>(next);
}

std::uint32_t fixed_point_fraction(double x) {
  return static_cast<std::uint32_t>(std::min(4294967295.0, std::round(x * 4294967296.0)));
}

std::uint32_t to_step(double t_ms, double dt_ms) {
  // Clamped in double before the cast: a time beyond 2^32 - 1 steps (longer than any trial) must not wrap around to
  // a short one (a refractory period of 1e30 ms must not become 0 steps).
  const double steps = std::round(t_ms / dt_ms);
  return steps >= 4294967295.0 ? 4294967295u : steps > 0.0 ? static_cast<std::uint32_t>(steps) : 0u;
}

// The 1e-9 absorbs the rounding of t / dt for times on the grid.
std::uint32_t first_step_from(double t_ms, double dt_ms) {
  return static_cast<std::uint32_t>(std::ceil(t_ms / dt_ms - 1e-9));
}

}  // namespace nb
