#include "host/io/compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <sstream>
#include <tuple>

#include "host/common/errors.hpp"

namespace nb {
namespace {

template <class T>
bool same_bits(T x, T y) {
  return std::memcmp(&x, &y, sizeof(T)) == 0 || (std::isnan(double(x)) && std::isnan(double(y)));
}

template <class T>
void accumulate(FieldDiff& d, T x, T y, std::uint64_t instance) {
  ++d.compared;
  if (same_bits(x, y)) return;
  ++d.differing;
  if (d.first_mismatch_instance < 0) d.first_mismatch_instance = static_cast<std::int64_t>(instance);
  const double dx = double(x), dy = double(y);
  if (std::isfinite(dx) && std::isfinite(dy)) {
    const double abs = std::fabs(dx - dy);
    d.max_abs = std::max(d.max_abs, abs);
    const double scale = std::max(std::fabs(dx), std::fabs(dy));
    if (scale > 0) d.max_rel = std::max(d.max_rel, abs / scale);
  } else {
    d.max_abs = d.max_rel = std::numeric_limits<double>::infinity();  // finite on one side only
  }
}

// Per-row data (traces, spike steps): rows are instances listed in `row_instances`.
template <class T>
FieldDiff compare_rows(const std::string& name, const std::vector<T>& a, const std::vector<T>& b,
                       const std::vector<std::uint64_t>& row_instances) {
  FieldDiff d;
  d.name = name;
  if (a.size() != b.size()) throw InternalError("compare: " + name + " sizes differ");
  const std::size_t width = row_instances.empty() ? 0 : a.size() / row_instances.size();
  for (std::size_t k = 0; k < a.size(); ++k) accumulate(d, a[k], b[k], row_instances[k / width]);
  return d;
}

}  // namespace

bool CompareReport::identical() const {
  for (const auto& f : fields) {
    if (!f.identical()) return false;
  }
  return true;
}

nlohmann::ordered_json CompareReport::to_json() const {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["identical"] = identical();
  nlohmann::ordered_json fs = nlohmann::ordered_json::array();
  for (const auto& f : fields) {
    fs.push_back({{"name", f.name},
                  {"compared", f.compared},
                  {"differing", f.differing},
                  {"max_abs_diff", f.max_abs},
                  {"max_rel_diff", f.max_rel},
                  {"bitwise_identical", f.identical()},
                  {"first_mismatch_instance", f.first_mismatch_instance}});
  }
  j["fields"] = fs;
  return j;
}

std::string CompareReport::to_text() const {
  std::ostringstream s;
  s << std::left << std::setw(18) << "field" << std::right << std::setw(12) << "compared" << std::setw(12)
    << "differing" << std::setw(14) << "max |diff|" << std::setw(14) << "max rel" << "  bitwise  first mismatch\n";
  for (const auto& f : fields) {
    s << std::left << std::setw(18) << f.name << std::right << std::setw(12) << f.compared << std::setw(12)
      << f.differing << std::setw(14) << std::setprecision(4) << f.max_abs << std::setw(14) << f.max_rel
      << (f.identical() ? "  yes      -" : "  NO       instance " + std::to_string(f.first_mismatch_instance))
      << "\n";
  }
  s << (identical() ? "all fields bitwise identical\n" : "results differ\n");
  return s.str();
}

CompareReport compare_results(const RunResult& a, const RunResult& b) {
  if (a.instances != b.instances) throw InternalError("compare: runs cover different instances");
  CompareReport report;
  for (const ObservableColumn& ca : a.observables) {
    const ObservableColumn& cb = b.column(ca.name);
    FieldDiff d;
    d.name = ca.name;
    for (std::size_t i = 0; i < ca.values.size(); ++i) accumulate(d, ca.values[i], cb.values[i], a.instances[i]);
    report.fields.push_back(d);
  }
  for (std::size_t v = 0; v < a.trace_vars.size() && !a.trace_instances.empty(); ++v) {
    report.fields.push_back(compare_rows("trace_" + a.trace_vars[v], a.traces[v], b.traces[v], a.trace_instances));
  }
  if (!a.spike_instances.empty()) {
    report.fields.push_back(compare_rows("spike_steps", a.spike_steps, b.spike_steps, a.spike_instances));
  }
  for (std::size_t k = 0; k < a.arrays.size(); ++k) {
    report.fields.push_back(compare_rows(a.array_names[k], a.arrays[k], b.arrays[k], a.instances));
  }
  if (a.binned.points > 0) {  // per point, not per instance: no mismatch instance to name
    for (const auto& [name, x, y] : {std::tuple{"binned_counts", &a.binned.counts, &b.binned.counts},
                                     std::tuple{"binned_sums", &a.binned.sums, &b.binned.sums}}) {
      if (x->size() != y->size()) throw InternalError(std::string("compare: ") + name + " sizes differ");
      FieldDiff d;
      d.name = name;
      for (std::size_t k = 0; k < x->size(); ++k) accumulate(d, (*x)[k], (*y)[k], 0);
      d.first_mismatch_instance = -1;
      report.fields.push_back(d);
    }
  }
  return report;
}

namespace {

// A decimal index: digits only (std::stoull would take "-1" as 2^64 - 1 and skip leading spaces).
std::uint64_t parse_index(const std::string& text, const std::string& item) {
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  try {
    if (digits) return std::stoull(text);
  } catch (const std::out_of_range&) {
  }
  throw UserError("--instances: cannot parse '" + item + "' (expected non-negative indices, e.g. 0,5,10-20)");
}

}  // namespace

std::vector<std::uint64_t> parse_instance_list(const std::string& text, std::uint64_t n_instances) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    const std::size_t dash = item.find('-');
    const std::uint64_t lo = parse_index(item.substr(0, dash), item);
    const std::uint64_t hi = dash == std::string::npos ? lo : parse_index(item.substr(dash + 1), item);
    if (hi < lo) throw UserError("--instances: range '" + item + "' ends before it starts");
    if (hi >= n_instances) {
      throw UserError("--instances: instance " + std::to_string(hi) + " out of range [0, " +
                      std::to_string(n_instances - 1) + "]");
    }
    ranges.emplace_back(lo, hi);
  }
  if (ranges.empty()) throw UserError("--instances: empty list (expected e.g. 0,5,10-20)");
  std::vector<std::pair<std::uint64_t, std::uint64_t>> sorted = ranges;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t k = 1; k < sorted.size(); ++k) {
    if (sorted[k].first <= sorted[k - 1].second) {
      throw UserError("--instances: instance " + std::to_string(sorted[k].first) + " is listed twice");
    }
  }
  std::vector<std::uint64_t> out;
  for (const auto& [lo, hi] : ranges) {
    for (std::uint64_t i = lo; i <= hi; ++i) out.push_back(i);
  }
  return out;
}

}  // namespace nb
