// What the spec parser needs to know about each model: its parameters (names carry units, with defaults and
// allowed ranges), observables and traceable variables, and cross-field checks. One entry per model; the
// parser (spec.cpp) is generic over them.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "host/chunk_engine.hpp"

namespace nb {

struct ParamInfo {
  std::string name;  // as written in the spec, unit suffixed: "C_nF"
  double default_value;
  std::string unit;  // "nF"; "" for dimensionless
  std::string description;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;  // true: value must be > min, else >= min
  bool max_exclusive = false;

  // "(0, inf)", "[0, inf)", "(-inf, inf)": used in error messages and in `neurobatch info`.
  std::string range_text() const;
  bool in_range(double v) const;
};

struct Spec;

struct ModelInfo {
  std::string name;  // "lif"
  std::string description;
  std::vector<ParamInfo> params;
  std::vector<std::string> observables;  // per-instance outputs, in output order
  std::vector<std::string> trace_vars;   // variables that can be traced, e.g. "V_mV"
  std::vector<std::string> integrators;  // first is the default
  // Checks that involve several parameters or the time step, for the parameter vector of one sweep point
  // (ordered as `params`). Throws SpecError naming the field; `where` describes the sweep point.
  std::function<void(const double* point_params, const Spec& spec, const std::string& where)> check_point;

  // The model's chunk engine on a backend (BackendUnavailable when that backend cannot run it).
  std::function<std::unique_ptr<ChunkEngine>(const EngineConfig&)> make_engine;
  // Backend memory per instance while a chunk runs (coefficients, state, observables), excluding recording
  // buffers; sizes chunks against the memory budget.
  std::size_t bytes_per_instance = 0;

  std::size_t param_index(const std::string& name) const;  // InternalError if absent
};

// All models this build knows. The LIF entry lives in host/lif_model.cpp.
const std::vector<ModelInfo>& all_models();

// Looks a model up by name; SpecError("model", "... did you mean ...") if unknown.
const ModelInfo& find_model(const std::string& name);

// Levenshtein-nearest candidate, for "did you mean" hints; "" if none is reasonably close.
std::string nearest_name(const std::string& given, const std::vector<std::string>& candidates);

}  // namespace nb
