#include "host/spec/spec.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <new>

#include "host/common/errors.hpp"
#include "host/common/text.hpp"
#include "host/engine/system_memory.hpp"
#include "kernels/common/random.hpp"

namespace nb {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::uint64_t kMaxSteps = 4294967295ull;  // 2^32 - 1: step indices are 32-bit (spec.hpp)
constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint32_t kMaxSpikesPerInstance = 1000000;
constexpr double kDefaultDtMs = 0.1;

const std::vector<std::string> kTopLevelKeys = {"model",      "name",   "duration_ms", "dt_ms", "seed",  "trials",
                                                "integrator", "params", "sweep",       "zip",   "record",
                                                "arrays"};

// ---- Formatting --------------------------------------------------------------------------------------------

std::string did_you_mean(const std::string& given, const std::vector<std::string>& candidates) {
  const std::string near = nearest_name(given, candidates);
  return near.empty() ? "" : "; did you mean '" + near + "'?";
}

std::string with_unit(const std::string& text, const ParamInfo& p) {
  return p.unit.empty() ? text : text + " " + p.unit;
}

std::string indexed(const std::string& field, std::size_t i) { return field + "[" + std::to_string(i) + "]"; }

// ---- Typed access: every reader names the field and the expected type in its error -------------------------

std::string describe(const Json& j) {
  // A list or object is described by its size, not dumped: dumping recurses, and a deeply nested one (a spec of
  // 100000 '[') would overflow the stack.
  if (j.is_array()) return "array of " + std::to_string(j.size()) + " items";
  if (j.is_object()) return "object of " + std::to_string(j.size()) + " keys";
  std::string text = j.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return std::string(j.type_name()) + " " + text;
}

[[noreturn]] void type_error(const std::string& field, const std::string& expected, const Json& j) {
  throw SpecError(field, "expected " + expected + ", got " + describe(j));
}

double get_number(const Json& j, const std::string& field) {
  if (!j.is_number()) type_error(field, "a number", j);
  const double v = j.get<double>();
  // Strict JSON has no inf or NaN, but a document built in code (or a lenient parser) may carry them.
  if (!std::isfinite(v)) throw SpecError(field, "expected a finite number, got " + format_shortest(v));
  return v;
}

std::uint64_t get_uint(const Json& j, const std::string& field, std::uint64_t min, std::uint64_t max) {
  const std::string expected = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  if (!j.is_number()) type_error(field, expected, j);
  std::uint64_t v = 0;
  if (j.is_number_unsigned()) {
    v = j.get<std::uint64_t>();
  } else if (j.is_number_integer()) {
    const std::int64_t i = j.get<std::int64_t>();
    if (i < 0) throw SpecError(field, "got " + std::to_string(i) + "; expected " + expected);
    v = static_cast<std::uint64_t>(i);
  } else {
    // A float literal such as 1e6 is accepted when it is a whole number that fits in 64 bits.
    const double d = j.get<double>();
    if (!(d >= 0 && d < 18446744073709551616.0 && d == std::floor(d))) {
      throw SpecError(field, "got " + format_shortest(d) + "; expected " + expected);
    }
    v = static_cast<std::uint64_t>(d);
  }
  if (v < min || v > max) throw SpecError(field, "got " + std::to_string(v) + "; expected " + expected);
  return v;
}

const std::string& get_string(const Json& j, const std::string& field) {
  if (!j.is_string()) type_error(field, "a string", j);
  return j.get_ref<const std::string&>();
}

const Json& get_object(const Json& j, const std::string& field) {
  if (!j.is_object()) type_error(field, "an object", j);
  return j;
}

const Json& get_array(const Json& j, const std::string& field) {
  if (!j.is_array()) type_error(field, "a list", j);
  return j;
}

// Rejects keys outside `allowed`; `prefix` is the field holding the object ("" at the top level).
void check_keys(const Json& obj, const std::string& prefix, const std::vector<std::string>& allowed) {
  for (const auto& item : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) != allowed.end()) continue;
    const std::string where = prefix.empty() ? "at the top level" : "in '" + prefix + "'";
    throw SpecError(prefix.empty() ? item.key() : prefix + "." + item.key(),
                    "unknown key " + where + "; allowed keys: " + join(allowed) + did_you_mean(item.key(), allowed));
  }
}

// Picks `names` by name from a list of strings, e.g. observables; duplicates are dropped.
std::vector<std::string> get_names(const Json& j, const std::string& field, const std::vector<std::string>& allowed,
                                   const std::string& what) {
  std::vector<std::string> names;
  get_array(j, field);
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string& n = get_string(j[i], indexed(field, i));
    if (std::find(allowed.begin(), allowed.end(), n) == allowed.end()) {
      throw SpecError(indexed(field, i),
                      "unknown " + what + " '" + n + "'; allowed: " + join(allowed) + did_you_mean(n, allowed));
    }
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  }
  return names;
}

// ---- Parameters ---------------------------------------------------------------------------------------------

std::vector<std::string> param_names(const ModelInfo& m) {
  std::vector<std::string> names;
  for (const ParamInfo& p : m.params) names.push_back(p.name);
  return names;
}

const ParamInfo& find_param(const ModelInfo& m, const std::string& key, const std::string& field) {
  for (const ParamInfo& p : m.params) {
    if (p.name == key) return p;
  }
  const std::vector<std::string> names = param_names(m);
  throw SpecError(field, "unknown parameter '" + key + "' of model '" + m.name + "'; parameters: " + join(names) +
                             did_you_mean(key, names));
}

// A categorical parameter's value: one of its choice names, stored as the choice's index.
double get_choice(const ParamInfo& p, const Json& j, const std::string& field) {
  if (!j.is_string()) {
    // A whole number that is a valid index suggests the choice it would have meant.
    const bool index = j.is_number() && p.in_range(j.get<double>());
    const std::string hint = index ? "; did you mean '" + p.choice_name(j.get<double>()) + "'?" : "";
    throw SpecError(field, p.name + " is categorical: expected a string, " + p.range_text() + ", got " + describe(j) +
                               hint);
  }
  const std::string& given = j.get_ref<const std::string&>();
  for (std::size_t i = 0; i < p.choices.size(); ++i) {
    if (p.choices[i] == given) return static_cast<double>(i);
  }
  throw SpecError(field, "unknown " + p.name + " '" + given + "'; allowed: " + join(p.choices) +
                             did_you_mean(given, p.choices));
}

// One value of parameter `p` as written in the spec: a number, or a choice name for a categorical parameter.
double get_param_value(const ParamInfo& p, const Json& j, const std::string& field) {
  return p.categorical() ? get_choice(p, j, field) : get_number(j, field);
}

// A value as the resolved spec shows it: the number, or the choice name.
Json value_json(const ParamInfo& p, double v) { return p.categorical() ? Json(p.choice_name(v)) : Json(v); }

Json values_json(const ParamInfo& p, const std::vector<double>& values) {
  Json out = Json::array();
  for (const double v : values) out.push_back(value_json(p, v));
  return out;
}

void check_param_value(const ParamInfo& p, double v, const std::string& field) {
  if (p.in_range(v)) return;
  throw SpecError(field, with_unit(p.name + " = " + format_shortest(v), p) + " is out of range; allowed " +
                             with_unit(p.range_text(), p) + " (" + p.description + ")");
}

// Where each parameter is given ("params.I_nA", "sweep.I_nA", "zip[0].I_nA"): a parameter set in two places
// would be ambiguous, so the second place is refused.
using Placement = std::map<std::string, std::string>;

void claim(Placement& placed, const std::string& param, const std::string& field) {
  const auto it = placed.find(param);
  if (it != placed.end()) {
    throw SpecError(field, "ambiguous: " + param + " is already given in '" + it->second +
                               "'; a parameter may appear in only one of params, sweep and zip");
  }
  placed.emplace(param, field);
}

// Reserves memory for `count` elements; a request beyond the machine is the user's grid, not our failure. More
// than the physical memory is refused before asking (system_memory.hpp); bad_alloc still catches the rest.
[[noreturn]] void refuse_allocation(const std::string& field, const std::string& what, double bytes) {
  throw SpecError(field, what + " needs " + format_shortest(bytes) + " bytes, more than this machine can allocate (" +
                             format_shortest(static_cast<double>(physical_memory_bytes())) +
                             " bytes of memory); reduce the sweep or trials");
}

template <class T>
void reserve_or_throw(std::vector<T>& v, std::uint64_t count, const std::string& field, const std::string& what) {
  const auto refuse = [&] { refuse_allocation(field, what, static_cast<double>(count) * sizeof(T)); };
  if (count > physical_memory_bytes() / sizeof(T)) refuse();
  try {
    v.reserve(count);
  } catch (const std::bad_alloc&) {
    refuse();
  }
}

// ---- Sweep values -----------------------------------------------------------------------------------------------

// A value list as written; linspace and logspace are expanded later (see parse_axes).
struct ValueSource {
  enum class Kind { list, linspace, logspace } kind = Kind::list;
  std::vector<double> list;
  double start = 0, stop = 0;
  std::uint64_t n = 0;
  std::uint64_t size() const { return kind == Kind::list ? list.size() : n; }
};

const char* const kValueListForms =
    "a non-empty list of numbers, {\"linspace\": [start, stop, n]} or {\"logspace\": [start, stop, n]}";

ValueSource read_list(const Json& j, const ParamInfo& p, const std::string& field) {
  if (j.empty()) throw SpecError(field, "empty sweep: give at least one value");
  ValueSource src;
  for (std::size_t i = 0; i < j.size(); ++i) src.list.push_back(get_param_value(p, j[i], indexed(field, i)));
  return src;
}

// {"linspace": [start, stop, n]} or {"logspace": [start, stop, n]}.
ValueSource read_spacing(const Json& j, const std::string& field) {
  static const std::vector<std::string> kForms = {"linspace", "logspace"};
  if (j.size() != 1) type_error(field, kValueListForms, j);
  check_keys(j, field, kForms);
  const std::string& form = j.begin().key();
  const std::string f = field + "." + form;
  const Json& args = get_array(j.begin().value(), f);
  if (args.size() != 3) type_error(f, "[start, stop, n]", args);
  ValueSource src;
  src.kind = form == "linspace" ? ValueSource::Kind::linspace : ValueSource::Kind::logspace;
  src.start = get_number(args[0], indexed(f, 0));
  src.stop = get_number(args[1], indexed(f, 1));
  if (args[2].is_number() && args[2].get<double>() < 1) {
    throw SpecError(indexed(f, 2), "empty sweep: n = " + args[2].dump() + "; n must be an integer >= 1");
  }
  src.n = get_uint(args[2], indexed(f, 2), 1, kMaxU64);
  if (src.kind == ValueSource::Kind::logspace) {
    // Geometric spacing (numpy.geomspace) needs both ends on the same side of zero; we allow the positive side.
    for (std::size_t i = 0; i < 2; ++i) {
      const double end = i == 0 ? src.start : src.stop;
      if (!(end > 0)) {
        throw SpecError(indexed(f, i), std::string(i == 0 ? "start" : "stop") + " = " + format_shortest(end) +
                                           "; logspace spaces values geometrically, so start and stop must be > 0");
      }
    }
  }
  return src;
}

ValueSource read_value_source(const Json& j, const ParamInfo& p, const std::string& field) {
  if (j.is_array()) return read_list(j, p, field);
  if (p.categorical()) {
    const std::string example = "[\"" + p.choices.front() + "\"" +
                                (p.choices.size() > 1 ? ", \"" + p.choices[1] + "\"" : std::string()) + "]";
    if (j.is_object()) {
      throw SpecError(field, p.name + " is categorical (" + p.range_text() + "): give a list of choices such as " +
                                 example + "; linspace and logspace apply to numeric parameters only");
    }
    type_error(field, "a non-empty list of choices such as " + example + " (" + p.range_text() + ")", j);
  }
  if (j.is_object()) return read_spacing(j, field);
  type_error(field, kValueListForms, j);
}

// Inclusive endpoints, the same arithmetic as numpy.linspace: i * step + start, the last value exactly stop.
std::vector<double> linspace(double start, double stop, std::uint64_t n, const std::string& field) {
  std::vector<double> v;
  reserve_or_throw(v, n, field, "the sweep values");
  const double step = n > 1 ? (stop - start) / static_cast<double>(n - 1) : 0.0;
  if (!std::isfinite(step)) {
    throw SpecError(field, "the step (stop - start) / (n - 1) overflows a double; narrow the interval");
  }
  for (std::uint64_t i = 0; i < n; ++i) v.push_back(static_cast<double>(i) * step + start);
  if (n > 1) v.back() = stop;
  return v;
}

// numpy.geomspace: 10 ** linspace(log10(start), log10(stop), n), with the endpoints exactly start and stop.
std::vector<double> geomspace(double start, double stop, std::uint64_t n, const std::string& field) {
  std::vector<double> v = linspace(std::log10(start), std::log10(stop), n, field);
  for (double& x : v) x = std::pow(10.0, x);
  v.front() = start;
  if (n > 1) v.back() = stop;
  return v;
}

// Expands the list and checks every value against the parameter's range ("sweep.C_nF[3]").
std::vector<double> expand(const ValueSource& src, const ParamInfo& p, const std::string& field) {
  std::vector<double> values = src.kind == ValueSource::Kind::list       ? src.list
                               : src.kind == ValueSource::Kind::linspace ? linspace(src.start, src.stop, src.n, field)
                                                                         : geomspace(src.start, src.stop, src.n, field);
  for (std::size_t i = 0; i < values.size(); ++i) check_param_value(p, values[i], indexed(field, i));
  return values;
}

// One grid axis as written, before expansion: a "sweep" key, or a "zip" group of lists of equal length.
struct AxisDraft {
  std::string section;  // "sweep" or "zip"
  std::vector<const ParamInfo*> params;
  std::vector<ValueSource> sources;
  std::vector<std::string> fields;  // "sweep.I_nA", "zip[0].V_th_mV"
  std::uint64_t size() const { return sources.front().size(); }
};

void add_to_axis(AxisDraft& axis, const ModelInfo& m, const std::string& key, const Json& value,
                 const std::string& field, Placement& placed) {
  axis.params.push_back(&find_param(m, key, field));
  claim(placed, key, field);
  axis.sources.push_back(read_value_source(value, *axis.params.back(), field));
  axis.fields.push_back(field);
  if (axis.sources.back().size() != axis.size()) {
    throw SpecError(field, "has " + std::to_string(axis.sources.back().size()) + " values but '" + axis.fields.front() +
                               "' has " + std::to_string(axis.size()) +
                               "; all lists in a zip group must have the same length");
  }
}

SweepAxis expand_axis(const AxisDraft& draft) {
  SweepAxis axis;
  for (std::size_t k = 0; k < draft.params.size(); ++k) {
    axis.params.push_back(draft.params[k]->name);
    axis.fields.push_back(draft.fields[k]);
    axis.values.push_back(expand(draft.sources[k], *draft.params[k], draft.fields[k]));
  }
  return axis;
}

// ---- Instance count -------------------------------------------------------------------------------------------

// The instance index is part of the random-number counter (kernels/common/random.hpp), which has room for
// kMaxInstances = 2^48 of them. `instances` is a double so that a count beyond 2^64 can still be shown.
[[noreturn]] void too_many_instances(const std::string& field, double instances) {
  throw SpecError(field, "the instance count (about " + format_shortest(instances) +
                             " = sweep points x trials) exceeds the "
                             "address space of the random-number counter, 2^48 = " +
                             std::to_string(kMaxInstances) + " instances; reduce the sweep or trials");
}

// Adds an axis of `size` values to the grid. Checked by division, so no product can overflow:
// points * trials <= kMaxInstances holds on entry.
void grow_grid(std::uint64_t& points, std::uint64_t trials, std::uint64_t size, const std::string& field) {
  if (size > kMaxInstances / (points * trials)) {
    too_many_instances(field, static_cast<double>(points) * static_cast<double>(size) * static_cast<double>(trials));
  }
  points *= size;
}

// ---- Sections -------------------------------------------------------------------------------------------------

// The spec's name, which names the default output directory results/<name>-<time>: a plain, visible file name.
std::string get_name(const Json& j) {
  const std::string name = get_string(j, "name");
  const bool control = std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 32; });
  if (name.empty() || name[0] == '.' || name.find('/') != std::string::npos || name.find('\\') != std::string::npos ||
      control) {
    throw SpecError("name", "got '" + name + "'; expected a plain file name (not empty, no '/' or '\\', no control "
                            "characters, not starting with '.'): it names the output directory results/<name>-<time>");
  }
  return name;
}

// The host keeps every instance's results until they are written: refused where they cannot fit in this
// machine's memory (a bad_alloc later, or the out-of-memory killer, would lose the run).
void check_result_memory(const Spec& spec) {
  const double n = static_cast<double>(spec.n_instances());
  const ResultMemory need = result_memory(spec);
  const double memory = static_cast<double>(physical_memory_bytes());
  const auto refuse = [&](const std::string& field, const std::string& what, double bytes) {
    throw SpecError(field, what + " need " + format_shortest(bytes) + " bytes of host memory, more than this machine has (" +
                               format_shortest(memory) + " bytes); " +
                               (field.rfind("record", 0) == 0 ? "record fewer instances or samples"
                                                              : "reduce the sweep or trials, or split the run"));
  };
  if (need.instances > memory) {
    refuse(spec.trials > 1 ? "trials" : "sweep", "the results of " + format_shortest(n) + " instances (sweep points x trials)",
           need.instances);
  }
  if (need.traces > memory) refuse("record.traces", "the traces", need.traces);
  if (need.spikes > memory) refuse("record.spikes", "the spike records", need.spikes);
}

void parse_timing(const Json& doc, Spec& spec) {
  if (!doc.contains("duration_ms")) throw SpecError("duration_ms", "missing: the simulated time, a number > 0 (ms)");
  spec.duration_ms = get_number(doc["duration_ms"], "duration_ms");
  if (!(spec.duration_ms > 0)) {
    throw SpecError("duration_ms", "got " + format_shortest(spec.duration_ms) + "; expected a number in (0, inf) ms");
  }
  const double default_dt_ms = spec.model->default_dt_ms > 0 ? spec.model->default_dt_ms : kDefaultDtMs;
  spec.dt_ms = doc.contains("dt_ms") ? get_number(doc["dt_ms"], "dt_ms") : default_dt_ms;
  if (!(spec.dt_ms > 0 && spec.dt_ms <= spec.duration_ms)) {
    throw SpecError("dt_ms", "got " + format_shortest(spec.dt_ms) + "; expected a number in (0, duration_ms] = (0, " +
                                 format_shortest(spec.duration_ms) + "] ms");
  }
  // dt_ms <= duration_ms makes the ratio >= 1; compare as double before converting so a huge ratio cannot
  // overflow the integer conversion.
  const double steps = std::round(spec.duration_ms / spec.dt_ms);
  if (!(steps <= static_cast<double>(kMaxSteps))) {
    throw SpecError("duration_ms", "duration_ms / dt_ms = " + format_shortest(steps) + " steps exceeds 2^32-1 = " +
                                       std::to_string(kMaxSteps) + "; use a shorter duration_ms or a larger dt_ms");
  }
  // A duration that is not a whole number of steps would silently simulate another one (and pulses or probes
  // checked against duration_ms could fall beyond the last step): refused, with the nearest whole numbers.
  if (std::abs(spec.duration_ms / spec.dt_ms - steps) > 1e-6 * steps) {
    const double below = std::floor(spec.duration_ms / spec.dt_ms), above = below + 1;
    throw SpecError("duration_ms", "duration_ms = " + format_shortest(spec.duration_ms) + " is not a whole number of steps of dt_ms = " +
                                       format_shortest(spec.dt_ms) + " (" + format_shortest(spec.duration_ms / spec.dt_ms) + " steps); use e.g. " +
                                       format_shortest(below * spec.dt_ms) + " or " + format_shortest(above * spec.dt_ms) + " ms");
  }
  spec.n_steps = static_cast<std::uint64_t>(steps);
}

void parse_run_settings(const Json& doc, Spec& spec) {
  spec.seed = doc.contains("seed") ? get_uint(doc["seed"], "seed", 0, kMaxU64) : 0;
  // At most kMaxInstances (2^48), the random-number counter's room for instances: too_many_instances says so.
  if (doc.contains("trials") && doc["trials"].is_number() && doc["trials"].get<double>() > double(kMaxInstances)) {
    too_many_instances("trials", doc["trials"].get<double>());
  }
  spec.trials = doc.contains("trials") ? get_uint(doc["trials"], "trials", 1, kMaxInstances) : 1;
  const std::vector<std::string>& allowed = spec.model->integrators;
  spec.integrator = doc.contains("integrator") ? get_string(doc["integrator"], "integrator") : allowed.front();
  if (std::find(allowed.begin(), allowed.end(), spec.integrator) == allowed.end()) {
    throw SpecError("integrator", "unknown integrator '" + spec.integrator + "' for model '" + spec.model->name +
                                      "'; allowed: " + join(allowed) + did_you_mean(spec.integrator, allowed));
  }
}

// Fills `constants` (model order) from "params" and the defaults.
void parse_params(const Json& doc, const ModelInfo& m, std::vector<double>& constants, Placement& placed) {
  for (const ParamInfo& p : m.params) constants.push_back(p.default_value);
  if (!doc.contains("params")) return;
  for (const auto& item : get_object(doc["params"], "params").items()) {
    const std::string field = "params." + item.key();
    const ParamInfo& p = find_param(m, item.key(), field);
    claim(placed, p.name, field);
    const double v = get_param_value(p, item.value(), field);
    check_param_value(p, v, field);
    constants[m.param_index(p.name)] = v;
  }
}

void read_sweep(const Json& doc, const ModelInfo& m, Placement& placed, std::vector<AxisDraft>& drafts) {
  if (!doc.contains("sweep")) return;
  for (const auto& item : get_object(doc["sweep"], "sweep").items()) {
    drafts.emplace_back().section = "sweep";
    add_to_axis(drafts.back(), m, item.key(), item.value(), "sweep." + item.key(), placed);
  }
}

void read_zip(const Json& doc, const ModelInfo& m, Placement& placed, std::vector<AxisDraft>& drafts) {
  if (!doc.contains("zip")) return;
  const Json& zip = get_array(doc["zip"], "zip");
  for (std::size_t g = 0; g < zip.size(); ++g) {
    const std::string group_field = indexed("zip", g);
    if (get_object(zip[g], group_field).empty()) {
      throw SpecError(group_field, "empty zip group: give at least one parameter");
    }
    drafts.emplace_back().section = "zip";
    for (const auto& item : zip[g].items()) {
      add_to_axis(drafts.back(), m, item.key(), item.value(), group_field + "." + item.key(), placed);
    }
  }
}

// Reads "sweep" then "zip", and expands them only once the whole grid is known to be addressable, so that a
// huge n is refused before anything is allocated. Returns how many of spec.axes come from "sweep".
std::size_t parse_axes(const Json& doc, Spec& spec, Placement& placed) {
  std::vector<AxisDraft> drafts;
  read_sweep(doc, *spec.model, placed, drafts);
  const std::size_t n_sweep_axes = drafts.size();
  read_zip(doc, *spec.model, placed, drafts);
  std::uint64_t points = 1;
  for (const AxisDraft& draft : drafts) grow_grid(points, spec.trials, draft.size(), draft.section);
  // The table of points is the largest thing the sweep makes; refused before any axis is expanded, so that a
  // linspace of 3e9 values is not filled first (build_point_table checks it again, with the allocation).
  const double table_bytes = double(points) * double(spec.n_params()) * sizeof(double);
  if (table_bytes > double(physical_memory_bytes())) {
    const auto largest = std::max_element(drafts.begin(), drafts.end(),
                                          [](const AxisDraft& a, const AxisDraft& b) { return a.size() < b.size(); });
    refuse_allocation(largest->fields.front(), "the table of " + format_shortest(double(points)) + " sweep points", table_bytes);
  }
  for (const AxisDraft& draft : drafts) spec.axes.push_back(expand_axis(draft));
  return n_sweep_axes;
}

// Global instance indices, sorted and unique; "all" only where `allow_all`.
std::vector<std::uint64_t> parse_instances(const Json& j, const std::string& field, std::uint64_t n_instances,
                                           bool allow_all) {
  std::vector<std::uint64_t> out;
  if (allow_all && j.is_string() && j.get_ref<const std::string&>() == "all") {
    reserve_or_throw(out, n_instances, field, "recording every instance");
    for (std::uint64_t i = 0; i < n_instances; ++i) out.push_back(i);
    return out;
  }
  const std::string expected = allow_all ? "\"all\" or a list of instance indices" : "a list of instance indices";
  if (!j.is_array()) type_error(field, expected, j);
  if (j.empty()) throw SpecError(field, "empty list: give at least one instance index");
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::uint64_t instance = get_uint(j[i], indexed(field, i), 0, kMaxU64);
    if (instance >= n_instances) {
      throw SpecError(indexed(field, i), "instance " + std::to_string(instance) + " is out of range; this run has " +
                                             std::to_string(n_instances) + " instances (sweep points x trials), " +
                                             "allowed [0, " + std::to_string(n_instances - 1) + "]");
    }
    out.push_back(instance);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void parse_traces(const Json& j, Spec& spec) {
  const std::string field = "record.traces";
  check_keys(get_object(j, field), field, {"vars", "instances", "every"});
  const std::vector<std::string>& allowed = spec.model->trace_vars;
  if (!j.contains("vars") || get_array(j["vars"], field + ".vars").empty()) {
    throw SpecError(field + ".vars", "missing or empty: list the variables to trace, from: " + join(allowed));
  }
  if (!j.contains("instances")) {
    throw SpecError(field + ".instances", "missing: list the instance indices to trace, in [0, " +
                                              std::to_string(spec.n_instances() - 1) + "]");
  }
  spec.traces.vars = get_names(j["vars"], field + ".vars", allowed, "trace variable");
  spec.traces.instances = parse_instances(j["instances"], field + ".instances", spec.n_instances(), true);
  if (j.contains("every")) {
    spec.traces.every = static_cast<std::uint32_t>(
        get_uint(j["every"], field + ".every", 1, std::numeric_limits<std::uint32_t>::max()));
  }
}

void parse_spikes(const Json& j, Spec& spec) {
  const std::string field = "record.spikes";
  check_keys(get_object(j, field), field, {"instances", "max_per_instance"});
  const auto& obs = spec.model->observables;
  if (std::none_of(obs.begin(), obs.end(), is_spike_count)) {
    throw SpecError(field, "model '" + spec.model->name + "' records no spike times" +
                               (spec.model->name == "network" ? " (its rasters: params.raster_neurons)" : ""));
  }
  spec.spikes.enabled = true;
  spec.spikes.instances = parse_instances(j.contains("instances") ? j["instances"] : Json("all"), field + ".instances",
                                          spec.n_instances(), true);
  if (j.contains("max_per_instance")) {
    spec.spikes.max_per_instance = static_cast<std::uint32_t>(
        get_uint(j["max_per_instance"], field + ".max_per_instance", 1, kMaxSpikesPerInstance));
  }
}

void parse_binned(const Json& j, Spec& spec) {
  const std::string field = "record.binned";
  check_keys(get_object(j, field), field, {"bin_ms"});
  const ModelInfo::Binned& b = spec.model->binned;
  if (b.vars.empty()) throw SpecError(field, "model " + spec.model->name + " has no binned recordings");
  if (!j.contains("bin_ms")) throw SpecError(field + ".bin_ms", "missing: the bin width, a multiple of dt_ms (ms)");
  const double bin_ms = get_number(j["bin_ms"], field + ".bin_ms");
  const double steps = std::round(bin_ms / spec.dt_ms);
  if (!(bin_ms > 0 && bin_ms <= spec.duration_ms) || steps < 1 ||
      std::fabs(steps * spec.dt_ms - bin_ms) > 1e-9 * bin_ms) {
    throw SpecError(field + ".bin_ms", "got " + format_shortest(bin_ms) + "; expected a multiple of dt_ms = " + format_shortest(spec.dt_ms) +
                                          " in (0, duration_ms] = (0, " + format_shortest(spec.duration_ms) + "] ms");
  }
  spec.binned.enabled = true;
  spec.binned.bin_ms = bin_ms;
  spec.binned.bin_steps = static_cast<std::uint32_t>(steps);
  spec.binned.n_bins = static_cast<std::uint32_t>((spec.n_steps + spec.binned.bin_steps - 1) / spec.binned.bin_steps);
}

// "arrays": {name: [numbers]}: per-run input arrays the model declares (ModelInfo::array_inputs).
void parse_arrays(const Json& doc, Spec& spec) {
  if (!doc.contains("arrays")) return;
  const Json& arrays = get_object(doc["arrays"], "arrays");
  if (spec.model->array_inputs.empty() && !arrays.empty()) {
    throw SpecError("arrays", "model '" + spec.model->name + "' takes no arrays");
  }
  check_keys(arrays, "arrays", spec.model->array_inputs);
  for (const auto& [name, values] : arrays.items()) {
    const std::string field = "arrays." + name;
    std::vector<double> out;
    for (std::size_t k = 0; k < get_array(values, field).size(); ++k) {
      out.push_back(get_number(values[k], field + "[" + std::to_string(k) + "]"));
    }
    spec.arrays.emplace_back(name, std::move(out));
  }
}

void parse_record(const Json& doc, Spec& spec) {
  spec.observables = spec.model->observables;
  if (!doc.contains("record")) return;
  const Json& record = get_object(doc["record"], "record");
  check_keys(record, "record", {"observables", "traces", "spikes", "binned"});
  if (record.contains("observables")) {
    spec.observables = get_names(record["observables"], "record.observables", spec.model->observables, "observable");
  }
  if (record.contains("traces")) parse_traces(record["traces"], spec);
  if (record.contains("spikes")) parse_spikes(record["spikes"], spec);
  if (record.contains("binned")) parse_binned(record["binned"], spec);
}

// ---- Model checks and presets ---------------------------------------------------------------------------------

[[noreturn]] void model_bug(const ModelInfo& m, const std::string& what) {
  throw InternalError("model '" + m.name + "': " + what);
}

const ParamInfo* model_param(const ModelInfo& m, const std::string& name) {
  for (const ParamInfo& p : m.params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

// The rules of model_registry.hpp that the parser relies on: defaults in range, choices unique, presets
// well-formed. A failure is a bug in the model's entry, not in the spec.
void validate_model(const ModelInfo& m) {
  if (m.params.empty() || m.integrators.empty()) model_bug(m, "no parameters or no integrators");
  for (std::size_t i = 0; i < m.params.size(); ++i) {
    const ParamInfo& p = m.params[i];
    if (model_param(m, p.name) != &p) model_bug(m, "parameter '" + p.name + "' is listed twice");
    for (std::size_t c = 0; c < p.choices.size(); ++c) {
      if (std::find(p.choices.begin(), p.choices.begin() + c, p.choices[c]) != p.choices.begin() + c) {
        model_bug(m, "parameter '" + p.name + "' lists choice '" + p.choices[c] + "' twice");
      }
    }
    if (!p.in_range(p.default_value)) {
      model_bug(m, "default of '" + p.name + "' (" + format_shortest(p.default_value) + ") is not in " + p.range_text());
    }
  }
  std::map<std::string, std::string> source_of;  // preset target -> the categorical parameter whose presets list it
  for (std::size_t k = 0; k < m.presets.size(); ++k) {
    const ModelInfo::Preset& preset = m.presets[k];
    const std::string what = "preset " + preset.param + " = '" + preset.choice + "'";
    const ParamInfo* source = model_param(m, preset.param);
    if (source == nullptr || !source->categorical()) model_bug(m, what + ": no categorical parameter of that name");
    if (std::find(source->choices.begin(), source->choices.end(), preset.choice) == source->choices.end()) {
      model_bug(m, what + ": not a choice of " + preset.param);
    }
    for (std::size_t other = 0; other < k; ++other) {
      if (m.presets[other].param == preset.param && m.presets[other].choice == preset.choice) {
        model_bug(m, what + " is defined twice");
      }
    }
    for (std::size_t t = 0; t < preset.values.size(); ++t) {
      const auto& [name, value] = preset.values[t];
      const ParamInfo* target = model_param(m, name);
      if (target == nullptr || target->categorical()) {
        model_bug(m, what + ": '" + name + "' is not a numeric parameter");
      }
      for (std::size_t u = 0; u < t; ++u) {
        if (preset.values[u].first == name) model_bug(m, what + " sets '" + name + "' twice");
      }
      if (!target->in_range(value)) {
        model_bug(m, what + ": " + name + " = " + format_shortest(value) + " is not in " + target->range_text());
      }
      const auto [it, inserted] = source_of.emplace(name, preset.param);
      if (!inserted && it->second != preset.param) {
        model_bug(m, "'" + name + "' is set by presets of both " + it->second + " and " + preset.param);
      }
    }
  }
}

// A parameter the spec leaves unset whose value is chosen by a categorical parameter's presets: at a point
// where `source` holds choice c, `target` is by_choice[c] (the preset's value, or the target's default where
// choice c has no preset for it).
struct Derivation {
  std::size_t target = 0, source = 0;
  std::vector<double> by_choice;
  std::vector<bool> from_preset;  // by_choice[c] comes from a preset
};

std::vector<Derivation> derivations(const ModelInfo& m, const Placement& placed) {
  std::vector<Derivation> out;
  for (const ModelInfo::Preset& preset : m.presets) {
    const std::size_t source = m.param_index(preset.param);
    const ParamInfo& s = m.params[source];
    const std::size_t choice = static_cast<std::size_t>(s.choice_value(preset.choice));
    for (const auto& [name, value] : preset.values) {
      if (placed.count(name) != 0) continue;  // set explicitly: the user's value wins
      const std::size_t target = m.param_index(name);
      auto d = std::find_if(out.begin(), out.end(), [&](const Derivation& x) { return x.target == target; });
      if (d == out.end()) {
        d = out.insert(out.end(), Derivation{target, source,
                                             std::vector<double>(s.choices.size(), m.params[target].default_value),
                                             std::vector<bool>(s.choices.size(), false)});
      }
      d->by_choice[choice] = value;
      d->from_preset[choice] = true;
    }
  }
  return out;
}

// The axis and position in it where parameter `name` is swept; {axes.size(), 0} if it is not.
std::pair<std::size_t, std::size_t> find_on_axes(const Spec& spec, const std::string& name) {
  for (std::size_t a = 0; a < spec.axes.size(); ++a) {
    const std::vector<std::string>& params = spec.axes[a].params;
    const auto it = std::find(params.begin(), params.end(), name);
    if (it != params.end()) return {a, static_cast<std::size_t>(it - params.begin())};
  }
  return {spec.axes.size(), 0};
}

// Records, for param_field, the derived parameters that some point takes from a preset.
void note_derived(Spec& spec, const std::vector<Derivation>& derivs, const std::vector<double>& constants) {
  for (const Derivation& d : derivs) {
    const std::string& source = spec.model->params[d.source].name;
    const auto [a, k] = find_on_axes(spec, source);
    const std::vector<double> used =
        a < spec.axes.size() ? spec.axes[a].values[k] : std::vector<double>{constants[d.source]};
    const bool any = std::any_of(used.begin(), used.end(),
                                 [&](double c) { return d.from_preset[static_cast<std::size_t>(c)]; });
    if (any) spec.derived_from.emplace_back(spec.model->params[d.target].name, source);
  }
}

// ---- Point table and cross-field checks -------------------------------------------------------------------------

void build_point_table(Spec& spec, const std::vector<double>& constants, const std::vector<Derivation>& derivs) {
  const std::uint64_t n_points = spec.n_points();
  const std::size_t n_params = spec.n_params();
  reserve_or_throw(spec.point_table, n_points * n_params, "sweep", "the table of sweep points");
  std::vector<std::vector<std::size_t>> axis_param_index(spec.axes.size());
  for (std::size_t a = 0; a < spec.axes.size(); ++a) {
    for (const std::string& name : spec.axes[a].params) axis_param_index[a].push_back(spec.model->param_index(name));
  }
  std::vector<double> row;
  for (std::uint64_t point = 0; point < n_points; ++point) {
    row = constants;
    // C order: the last axis varies fastest, so peel positions off from the last axis.
    std::uint64_t rest = point;
    for (std::size_t a = spec.axes.size(); a-- > 0;) {
      const std::size_t pos = rest % spec.axes[a].size();
      rest /= spec.axes[a].size();
      for (std::size_t k = 0; k < axis_param_index[a].size(); ++k) {
        row[axis_param_index[a][k]] = spec.axes[a].values[k][pos];
      }
    }
    for (const Derivation& d : derivs) row[d.target] = d.by_choice[static_cast<std::size_t>(row[d.source])];
    spec.point_table.insert(spec.point_table.end(), row.begin(), row.end());
  }
}

// " at sweep point 3 (I_nA=0.3, V_th_mV=-50)"
std::string describe_point(const Spec& spec, std::uint64_t point) {
  std::string values;
  for (const SweepAxis& axis : spec.axes) {
    for (const std::string& name : axis.params) {
      const ParamInfo& p = spec.model->params[spec.model->param_index(name)];
      const double v = spec.param(point, name);
      values += (values.empty() ? "" : ", ") + name + "=" + (p.categorical() ? p.choice_name(v) : format_shortest(v));
    }
  }
  return " at sweep point " + std::to_string(point) + " (" + values + ")";
}

void check_per_run(const Spec& spec, std::uint64_t point) {
  for (const std::string& name : spec.model->per_run_params) {
    if (spec.param(point, name) != spec.param(0, name)) {
      throw SpecError(spec.param_field(name), name + " must be the same at every sweep point (a per-run setting); got " +
                                                  format_shortest(spec.param(0, name)) + " and " + format_shortest(spec.param(point, name)) +
                                                  describe_point(spec, point));
    }
  }
}

void check_points(const Spec& spec) {
  const std::uint64_t n_points = spec.n_points();
  for (std::uint64_t point = 0; point < n_points; ++point) check_per_run(spec, point);
  if (!spec.model->check_point) return;
  for (std::uint64_t point = 0; point < n_points; ++point) {
    // Describing a point costs more than checking it, so the description is built only for a point that fails:
    // the check is a pure function of its inputs and throws again, now naming the point.
    try {
      spec.model->check_point(spec.point_params(point), spec, "");
    } catch (const SpecError&) {
      if (!spec.axes.empty()) spec.model->check_point(spec.point_params(point), spec, describe_point(spec, point));
      throw;
    }
  }
}

// ---- Resolved spec --------------------------------------------------------------------------------------------

Json resolved_record(const Spec& spec) {
  Json record;
  record["observables"] = spec.observables;
  record["traces"] = nullptr;
  if (!spec.traces.vars.empty()) {
    const bool all = spec.traces.instances.size() == spec.n_instances();
    record["traces"] = {{"vars", spec.traces.vars},
                        {"instances", all ? Json("all") : Json(spec.traces.instances)},
                        {"every", spec.traces.every}};
  }
  record["binned"] = spec.binned.enabled ? Json{{"bin_ms", spec.binned.bin_ms}} : Json(nullptr);
  record["spikes"] = nullptr;
  if (spec.spikes.enabled) {
    // The list is sorted and unique, so its full length means every instance: shown as "all", not as a list
    // as long as the run.
    const bool all = spec.spikes.instances.size() == spec.n_instances();
    record["spikes"] = {{"instances", all ? Json("all") : Json(spec.spikes.instances)},
                        {"max_per_instance", spec.spikes.max_per_instance}};
  }
  return record;
}

// `n_sweep_axes`: how many of spec.axes came from "sweep"; the rest are "zip" groups. Parameters not on an axis
// are in "params" with their value (constant over the points, a preset's value included); a parameter set by
// presets whose categorical parameter is swept, and that differs between its choices, is in "derived" instead:
// {"tau_s_ms": {"from": "receptor", "values": [...]}}, values aligned with receptor's sweep or zip list.
Json resolve(const Spec& spec, const std::vector<Derivation>& derivs, std::size_t n_sweep_axes) {
  Json r;
  r["model"] = spec.model->name;
  r["name"] = spec.name;
  r["duration_ms"] = spec.duration_ms;
  r["dt_ms"] = spec.dt_ms;
  r["n_steps"] = spec.n_steps;
  r["seed"] = spec.seed;
  r["trials"] = spec.trials;
  r["integrator"] = spec.integrator;
  std::vector<std::string> swept;
  for (const SweepAxis& axis : spec.axes) swept.insert(swept.end(), axis.params.begin(), axis.params.end());
  r["params"] = Json::object();
  Json derived = Json::object();
  for (std::size_t i = 0; i < spec.n_params(); ++i) {
    const ParamInfo& p = spec.model->params[i];
    if (std::find(swept.begin(), swept.end(), p.name) != swept.end()) continue;
    const auto d = std::find_if(derivs.begin(), derivs.end(), [&](const Derivation& x) { return x.target == i; });
    const auto [a, k] = d == derivs.end() ? std::pair<std::size_t, std::size_t>{spec.axes.size(), 0}
                                          : find_on_axes(spec, spec.model->params[d->source].name);
    if (a < spec.axes.size()) {
      std::vector<double> values;
      for (const double c : spec.axes[a].values[k]) values.push_back(d->by_choice[static_cast<std::size_t>(c)]);
      if (std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) != values.end()) {
        derived[p.name] = {{"from", spec.model->params[d->source].name}, {"values", values}};
        continue;
      }
    }
    r["params"][p.name] = value_json(p, spec.point_params(0)[i]);  // the same at every point
  }
  r["sweep"] = Json::object();
  r["zip"] = Json::array();
  r["derived"] = std::move(derived);
  Json axes = Json::array();
  for (std::size_t a = 0; a < spec.axes.size(); ++a) {
    const SweepAxis& axis = spec.axes[a];
    Json group = Json::object();
    Json values = Json::array();
    for (std::size_t k = 0; k < axis.params.size(); ++k) {
      values.push_back(values_json(spec.model->params[spec.model->param_index(axis.params[k])], axis.values[k]));
      group[axis.params[k]] = values.back();
    }
    if (a < n_sweep_axes) {
      r["sweep"].update(group);
    } else {
      r["zip"].push_back(group);
    }
    axes.push_back({{"params", axis.params}, {"values", std::move(values)}});
  }
  r["record"] = resolved_record(spec);
  if (!spec.arrays.empty()) {
    r["arrays"] = Json::object();
    for (const auto& [name, values] : spec.arrays) r["arrays"][name] = values;
  }
  r["instances"] = spec.n_instances();
  r["axes"] = std::move(axes);
  return r;
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const ModelInfo& m : all_models()) names.push_back(m.name);
  return names;
}

}  // namespace

std::uint64_t Spec::n_points() const {
  std::uint64_t points = 1;
  for (const SweepAxis& axis : axes) points *= axis.size();
  return points;
}

std::string Spec::param_field(const std::string& name) const {
  for (const SweepAxis& axis : axes) {
    for (std::size_t k = 0; k < axis.params.size(); ++k) {
      if (axis.params[k] == name) return axis.fields[k];
    }
  }
  for (const auto& [target, source] : derived_from) {
    if (target == name) return param_field(source);
  }
  return "params." + name;
}

std::vector<std::size_t> Spec::axis_shape() const {
  std::vector<std::size_t> shape;
  for (const SweepAxis& axis : axes) shape.push_back(axis.size());
  return shape;
}

Spec parse_spec(const nlohmann::ordered_json& doc, const std::string& default_name) {
  if (!doc.is_object()) type_error("(top level)", "a JSON object", doc);
  check_keys(doc, "", kTopLevelKeys);
  if (!doc.contains("model")) {
    throw SpecError("model", "missing: name the model to simulate, one of: " + join(model_names()));
  }
  return parse_spec(doc, find_model(get_string(doc["model"], "model")), default_name);
}

Spec parse_spec(const nlohmann::ordered_json& doc, const ModelInfo& model, const std::string& default_name) {
  if (!doc.is_object()) type_error("(top level)", "a JSON object", doc);
  check_keys(doc, "", kTopLevelKeys);
  if (doc.contains("model") && get_string(doc["model"], "model") != model.name) {
    throw SpecError("model", "got '" + doc["model"].get<std::string>() + "'; expected '" + model.name + "'");
  }
  validate_model(model);
  Spec spec;
  spec.model = &model;
  spec.name = doc.contains("name") ? get_name(doc["name"]) : default_name;
  parse_timing(doc, spec);
  parse_run_settings(doc, spec);

  std::vector<double> constants;
  Placement placed;
  parse_params(doc, *spec.model, constants, placed);
  const std::size_t n_sweep_axes = parse_axes(doc, spec, placed);
  parse_record(doc, spec);
  parse_arrays(doc, spec);

  const std::vector<Derivation> derivs = derivations(model, placed);
  note_derived(spec, derivs, constants);
  build_point_table(spec, constants, derivs);
  check_points(spec);
  check_result_memory(spec);
  spec.resolved = resolve(spec, derivs, n_sweep_axes);
  spec.input = doc;  // kept only once valid: a malformed document may nest deeper than a copy can go
  return spec;
}

ResultMemory result_memory(const Spec& spec) {
  double per_instance = 8.0 + 8.0 * static_cast<double>(spec.model->observables.size());  // id, observables
  for (const ModelInfo::InstanceArray& a : spec.model->instance_arrays) per_instance += 4.0 * double(a.width(spec));
  ResultMemory m;
  m.instances = static_cast<double>(spec.n_instances()) * per_instance;
  m.traces = double(spec.traces.instances.size()) * double(spec.traces.vars.size()) * 4.0 *
             double(spec.traces.vars.empty() ? 0 : spec.n_steps / spec.traces.every + 1);
  m.spikes = spec.spikes.enabled ? double(spec.spikes.instances.size()) * 4.0 * spec.spikes.max_per_instance : 0;
  return m;
}

nlohmann::ordered_json read_spec_document(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw PathError("cannot read spec file '" + path + "': " + std::strerror(errno));
  std::string text;
  char buffer[65536];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) text.append(buffer, got);
  // A directory opens fine and fails on the first read (EISDIR), so errors are checked after reading.
  if (std::ferror(file.get())) throw PathError("cannot read spec file '" + path + "': " + std::strerror(errno));

  // A key given twice in one object would silently take its last value (a copy-paste slip): refused, with its
  // path. The callback sees every object's start and end and each key, depth by depth.
  std::vector<std::pair<std::string, std::vector<std::string>>> open_objects;  // (path, keys so far)
  std::string last_key;
  const auto refuse_duplicates = [&](int /*depth*/, nlohmann::json::parse_event_t event, Json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) {
      const std::string parent = open_objects.empty() ? "" : open_objects.back().first;
      open_objects.emplace_back(open_objects.empty() ? "" : (parent.empty() ? last_key : parent + "." + last_key),
                                std::vector<std::string>{});
    } else if (event == Event::object_end) {
      open_objects.pop_back();
    } else if (event == Event::key && !open_objects.empty()) {
      last_key = parsed.get<std::string>();
      auto& [where, keys] = open_objects.back();
      if (std::find(keys.begin(), keys.end(), last_key) != keys.end()) {
        throw SpecError(where.empty() ? last_key : where + "." + last_key, "the key is given twice in the spec");
      }
      keys.push_back(last_key);
    }
    return true;
  };
  Json doc;
  try {
    doc = Json::parse(text, refuse_duplicates);
  } catch (const nlohmann::json::exception& e) {
    // parse_error carries "line L, column C"; out_of_range reports numbers too large for a double.
    std::string message = e.what();
    const std::size_t tag_end = message.find("] ");
    if (message.rfind("[json.exception.", 0) == 0 && tag_end != std::string::npos) message.erase(0, tag_end + 2);
    throw SpecError(path, "malformed JSON: " + message);
  }
  return doc;
}

std::string spec_default_name(const std::string& path) {
  const std::string stem = std::filesystem::path(path).stem().string();
  return stem.empty() ? "unnamed" : stem;
}

Spec load_spec(const std::string& path) { return parse_spec(read_spec_document(path), spec_default_name(path)); }

}  // namespace nb
