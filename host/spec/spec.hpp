// The experiment spec: parsing, validation and sweep expansion (format documented in README.md, "Spec format").
//
// A spec is validated completely before anything runs, including every sweep point, so a bad value never
// produces partial output. Instances are numbered point-major: instance = point * trials + trial, and points
// are numbered in C order over the sweep axes (last axis fastest), so per-instance outputs reshape to
// (axis_0, ..., axis_k, trials).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/spec/model_registry.hpp"

namespace nb {

// One axis of the sweep grid: a single parameter, or a zipped group of parameters that vary together.
struct SweepAxis {
  std::vector<std::string> params;          // names; one entry for a plain axis
  std::vector<std::string> fields;          // where each was given: "sweep.I_nA", "zip[0].V_th_mV"
  std::vector<std::vector<double>> values;  // values[k][j]: params[k] at position j; all the same length
  std::size_t size() const { return values.empty() ? 0 : values.front().size(); }
};

struct TraceRequest {
  std::vector<std::string> vars;         // empty: no traces
  std::vector<std::uint64_t> instances;  // global instance indices, ascending, unique
  std::uint32_t every = 1;               // keep one sample every `every` steps
};

struct SpikeRequest {
  bool enabled = false;
  std::vector<std::uint64_t> instances;  // ascending, unique; all instances if "all" was given
  std::uint32_t max_per_instance = 1000;
};

// Time-binned per-point sums (ModelInfo::Binned): bins of bin_steps steps, the last possibly shorter.
struct BinnedRequest {
  bool enabled = false;
  double bin_ms = 0;
  std::uint32_t bin_steps = 0, n_bins = 0;
};

struct Spec {
  nlohmann::ordered_json resolved;  // the spec with every default filled in (written to summary.json)
  nlohmann::ordered_json input;     // the document it was parsed from (overrides applied): parse_spec(input) again
                                    // gives this spec (a run's journal keeps it, for `neurobatch merge`)
  const ModelInfo* model = nullptr;
  std::string name;  // free text, default: file stem or "unnamed"
  double duration_ms = 0;
  double dt_ms = 0;
  std::uint64_t n_steps = 0;  // round(duration_ms / dt_ms), at most 2^32 - 1
  std::uint64_t seed = 0;
  std::uint64_t trials = 1;
  std::string integrator;
  std::vector<SweepAxis> axes;            // in spec order: "sweep" keys, then "zip" groups
  std::vector<double> point_table;        // (n_points, n_params) row-major: every parameter at every point;
                                          // a categorical parameter as the index of its choice (0.0, 1.0, ...)
  std::vector<std::string> observables;   // which per-instance observables to write (default: all)
  TraceRequest traces;
  SpikeRequest spikes;
  BinnedRequest binned;
  std::vector<std::pair<std::string, std::vector<double>>> arrays;  // "arrays": per-run input arrays, by name

  // The input array `name`, or null if the spec has none.
  const std::vector<double>* array(const std::string& name) const {
    for (const auto& a : arrays) {
      if (a.first == name) return &a.second;
    }
    return nullptr;
  }
  // Parameters not set in the spec whose value comes from a preset at some point (ModelInfo::Preset), mapped
  // to the categorical parameter that selects it: {"tau_s_ms", "receptor"}.
  std::vector<std::pair<std::string, std::string>> derived_from;

  std::size_t n_params() const { return model->params.size(); }
  std::uint64_t n_points() const;
  std::uint64_t n_instances() const { return n_points() * trials; }
  const double* point_params(std::uint64_t point) const { return point_table.data() + point * n_params(); }
  // The value at a point; for a categorical parameter the index of its choice (ParamInfo::choice_name names it).
  double param(std::uint64_t point, const std::string& name) const {
    return point_params(point)[model->param_index(name)];
  }
  std::vector<std::size_t> axis_shape() const;  // sizes of the axes (empty if no sweep)
  // Where a parameter was set in the spec, for error messages: "sweep.I_nA", "zip[0].I_nA" or "params.I_nA";
  // for a parameter set by a preset, where its categorical parameter was set ("sweep.receptor").
  std::string param_field(const std::string& name) const;
};

// Validates and expands a parsed JSON document. `default_name` is used when the spec has no "name".
Spec parse_spec(const nlohmann::ordered_json& doc, const std::string& default_name = "unnamed");

// The same for a given model instead of the registry's (the one above calls this after find_model; tests use it
// with models of their own). "model" may be absent from `doc`; if present it must be model.name. The Spec
// keeps a pointer to `model`, which must outlive it. A malformed model (e.g. a preset naming an unknown
// parameter) is an InternalError.
Spec parse_spec(const nlohmann::ordered_json& doc, const ModelInfo& model, const std::string& default_name = "unnamed");

// Host memory the whole run's results take, in bytes: per instance its id, observables and arrays, then the
// traces and spike records. parse_spec refuses a spec whose parts exceed the RAM; the runner leaves the rest of it
// to the chunks.
struct ResultMemory {
  double instances = 0, traces = 0, spikes = 0;
  double total() const { return instances + traces + spikes; }
};
ResultMemory result_memory(const Spec& spec);

// Reads a spec file as JSON without validating it (PathError if unreadable, SpecError for malformed JSON), so
// that command-line overrides (--set) can be applied first.
nlohmann::ordered_json read_spec_document(const std::string& path);
std::string spec_default_name(const std::string& path);  // the file's stem, or "unnamed"

// Reads and parses a spec file: PathError if unreadable, SpecError (field "<file>") for malformed JSON.
Spec load_spec(const std::string& path);

}  // namespace nb
