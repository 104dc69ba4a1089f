#include "host/spec/model_registry.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "host/common/errors.hpp"
#include "host/common/text.hpp"
#include "nb_model_list.hpp"

namespace nb {
namespace {

// Bounds are round numbers; 15 digits never show binary noise such as 0.1000000000000000055.
std::string bound_text(double v) { return format_significant(v, 15); }

std::string to_lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Levenshtein distance (insertions, deletions, substitutions), two rows of the dynamic-programming table.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitute});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

bool is_spike_count(const std::string& observable) {
  static const std::string suffix = "spike_count";
  return observable.size() >= suffix.size() &&
         observable.compare(observable.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string ParamInfo::range_text() const {
  if (categorical()) return "one of " + join(choices);
  // An infinite bound is never attained, so it always gets a round bracket.
  const bool open_low = min_exclusive || std::isinf(min);
  const bool open_high = max_exclusive || std::isinf(max);
  return (open_low ? "(" : "[") + bound_text(min) + ", " + bound_text(max) + (open_high ? ")" : "]");
}

bool ParamInfo::in_range(double v) const {
  if (categorical()) return v >= 0 && v < static_cast<double>(choices.size()) && v == std::floor(v);
  // NaN fails every comparison below; +-inf is never a usable parameter value even where a bound is infinite.
  if (!std::isfinite(v)) return false;
  const bool low_ok = min_exclusive ? v > min : v >= min;
  const bool high_ok = max_exclusive ? v < max : v <= max;
  return low_ok && high_ok;
}

std::string ParamInfo::choice_name(double value) const {
  if (!categorical()) throw InternalError("parameter '" + name + "' is not categorical");
  if (!in_range(value)) {
    throw InternalError("parameter '" + name + "': " + bound_text(value) + " is not the index of a choice (" +
                        std::to_string(choices.size()) + " choices)");
  }
  return choices[static_cast<std::size_t>(value)];
}

double ParamInfo::choice_value(const std::string& choice) const {
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (choices[i] == choice) return static_cast<double>(i);
  }
  throw InternalError("parameter '" + name + "' has no choice '" + choice + "'");
}

std::size_t ModelInfo::param_index(const std::string& param_name) const {
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i].name == param_name) return i;
  }
  throw InternalError("model '" + name + "' has no parameter '" + param_name + "'");
}

const std::vector<ModelInfo>& all_models() {
  // One entry per name in CMake's NB_MODELS, in its order.
#define NB_MODEL_INFO(model) model##_model_info(),
  static const std::vector<ModelInfo> models = {NB_FOR_EACH_MODEL(NB_MODEL_INFO)};
#undef NB_MODEL_INFO
  return models;
}

const ModelInfo& find_model(const std::string& name) {
  std::vector<std::string> names;
  for (const ModelInfo& m : all_models()) {
    if (m.name == name) return m;
    names.push_back(m.name);
  }
  const std::string near = nearest_name(name, names);
  throw SpecError("model", "unknown model '" + name + "'; available models: " + join(names) +
                               (near.empty() ? "" : "; did you mean '" + near + "'?"));
}

std::string nearest_name(const std::string& given, const std::vector<std::string>& candidates) {
  // Case is ignored so that "i_na" finds "I_nA"; the tolerance grows with the name so long names may carry
  // several typos, while short names still get two.
  const std::size_t tolerance = std::max<std::size_t>(2, given.size() / 3);
  const std::string lowered = to_lower(given);
  std::string best;
  std::size_t best_distance = tolerance + 1;
  for (const std::string& candidate : candidates) {
    const std::size_t d = edit_distance(lowered, to_lower(candidate));
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace nb
