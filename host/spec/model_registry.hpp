// What the spec parser needs to know about each model: its parameters (names carry units, with defaults and
// allowed ranges), observables and traceable variables, and cross-field checks. One entry per model; the
// parser (spec.cpp) is generic over them.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "host/engine/chunk_engine.hpp"

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
  // Non-empty: a categorical parameter. The spec gives one of these names (a string; in "params", or in a
  // "sweep" or "zip" list, never linspace/logspace), and the point table stores its index as a double
  // (0.0, 1.0, ...). default_value is then the index of the default choice; min/max are not used.
  std::vector<std::string> choices;

  bool categorical() const { return !choices.empty(); }
  // "(0, inf)", "[0, inf)", "(-inf, inf)"; "one of AMPA, GABA_A, NMDA" for a categorical parameter. Used in error
  // messages and in `neurobatch info`.
  std::string range_text() const;
  // Numeric: finite and within [min, max] (bounds as flagged). Categorical: a whole index into `choices`.
  bool in_range(double v) const;
  // The name of the choice with index `value` (as stored in the point table); InternalError if this parameter
  // is not categorical or `value` is not a valid index.
  std::string choice_name(double value) const;
  // The stored value (the index, as a double) of choice `name`; InternalError if there is no such choice. For
  // model code, e.g. `p[i] == info.params[i].choice_value("NMDA")`.
  double choice_value(const std::string& name) const;
};

struct Spec;

struct ModelInfo {
  // Defaults that depend on a categorical parameter: at every sweep point where `param` has the value `choice`,
  // each parameter in `values` that the spec does not set explicitly (in params, sweep or zip) takes the value
  // given here instead of its default. Explicit values always win. Rules, checked when a spec is parsed (a
  // broken model is an InternalError): `param` is categorical and `choice` one of its choices; listed parameters
  // are numeric, in range, and listed by the presets of one categorical parameter only (so each derived value
  // is a function of a single choice); no (param, choice) pair appears twice.
  struct Preset {
    std::string param;   // the categorical parameter: "receptor"
    std::string choice;  // "NMDA"
    std::vector<std::pair<std::string, double>> values;  // {{"tau_s_ms", 100.0}, {"E_syn_mV", 0.0}}
  };

  std::string name;  // "lif"
  std::string description;
  std::vector<ParamInfo> params;
  std::vector<Preset> presets;
  std::vector<std::string> observables;  // per-instance outputs, in output order
  std::vector<std::string> trace_vars;   // variables that can be traced, e.g. "V_mV"
  std::vector<std::string> integrators;  // first is the default
  std::vector<std::string> integer_observables;  // written as uint32 (besides every "*_count")
  // Per-instance arrays (e.g. a ring's final profile): name and width (from the spec), written as
  // NAME.npy (axes..., trials, width) float32. `dims` names the width's dimensions (summary.json, the Python
  // package): a labelled one has as many entries as labels; at most one is unlabelled and takes the rest.
  struct ArrayDim {
    std::string name;                 // "bin", "population"
    std::vector<std::string> labels;  // {"E", "I"}; empty: indexed 0, 1, ...
  };
  struct InstanceArray {
    std::string name;
    std::function<std::size_t(const Spec&)> width;
    std::vector<ArrayDim> dims;
  };
  std::vector<InstanceArray> instance_arrays;
  // Per-run input arrays a spec may give under "arrays" (e.g. a ring's initial profile); check_point validates them.
  std::vector<std::string> array_inputs;
  // Parameters that shape the buffers (a ring's N, ...): they may be set or swept like any other, but must have the
  // same value at every sweep point (the parser checks, naming the field).
  std::vector<std::string> per_run_params;
  double default_dt_ms = 0;                       // 0: the spec format's default
  // Neurons in one instance (a ring's or a network's N), for neuron-steps in summaries; null: 1.
  std::function<double(const Spec&)> neurons_per_instance;

  // Per-sweep-point time-binned sums that the kernels accumulate (record.binned in a spec); empty vars: none.
  // Each trial adds value * units_per_value, rounded to an integer, for every var and bin to the group it
  // falls in; the output is the mean per group.
  struct Binned {
    std::vector<std::string> vars;    // "r1_Hz"
    std::vector<std::string> groups;  // "none", "choice1", ...
    double units_per_value = 1;
    std::string description;
  } binned;
  // Checks that involve several parameters or the time step, for the parameter vector of one sweep point
  // (ordered as `params`). Throws SpecError naming the field; `where` describes the sweep point. Optional.
  std::function<void(const double* point_params, const Spec& spec, const std::string& where)> check_point;

  // The model's chunk engine on a backend (BackendUnavailable when that backend cannot run it).
  std::function<std::unique_ptr<ChunkEngine>(const EngineConfig&)> make_engine;
  // Backend memory per instance while a chunk runs (coefficients, state, observables), excluding recording
  // buffers; sizes chunks against the memory budget.
  std::function<std::size_t(const Spec&)> bytes_per_instance;

  std::size_t param_index(const std::string& name) const;  // InternalError if absent
};

// Whether an observable is a spike count: "spike_count", or a population's ("pre_spike_count"). A model with one
// records spike times (record.spikes), and the runner finds the counts that size the spike records by it.
bool is_spike_count(const std::string& observable);

// All models this build knows. The LIF entry lives in host/lif_model.cpp.
const std::vector<ModelInfo>& all_models();

// Looks a model up by name; SpecError("model", "... did you mean ...") if unknown.
const ModelInfo& find_model(const std::string& name);

// Levenshtein-nearest candidate, for "did you mean" hints; "" if none is reasonably close.
std::string nearest_name(const std::string& given, const std::vector<std::string>& candidates);

}  // namespace nb
