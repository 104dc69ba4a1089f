#include "host/io/result_arrays.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nb {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

template <class T>
struct DtypeName;
template <> struct DtypeName<float> { static constexpr const char* value = "float32"; };
template <> struct DtypeName<double> { static constexpr const char* value = "float64"; };
template <> struct DtypeName<std::uint32_t> { static constexpr const char* value = "uint32"; };
template <> struct DtypeName<std::uint64_t> { static constexpr const char* value = "uint64"; };

// Collects the arrays of one run; every array either views the shared RunResult or owns a buffer made for it.
class Collector {
 public:
  Collector(const Spec& spec, std::shared_ptr<const RunResult> result)
      : spec_(spec), r_(*result), result_(std::move(result)), full_(is_full_run(spec, r_)) {}

  // Per-instance leading dimensions: the sweep axes and trials of a full run, else the instances run.
  std::vector<std::size_t> instance_shape() const {
    if (!full_) return {r_.instances.size()};
    std::vector<std::size_t> shape = spec_.axis_shape();
    shape.push_back(spec_.trials);
    return shape;
  }
  std::vector<std::string> instance_dims() const {
    if (!full_) return {"instances"};
    std::vector<std::string> dims = axis_dim_names(spec_);
    dims.push_back("trial");
    return dims;
  }
  bool full_run() const { return full_; }
  const Spec& spec() const { return spec_; }
  const RunResult& result() const { return r_; }

  template <class T>
  ResultArray& view(std::string name, const std::vector<T>& data, std::vector<std::size_t> shape,
                    std::vector<std::string> dims) {
    return add<T>(std::move(name), data.data(), result_, std::move(shape), std::move(dims));
  }
  template <class T>
  ResultArray& own(std::string name, std::vector<T> data, std::vector<std::size_t> shape,
                   std::vector<std::string> dims) {
    auto buffer = std::make_shared<const std::vector<T>>(std::move(data));
    return add<T>(std::move(name), buffer->data(), buffer, std::move(shape), std::move(dims));
  }

  std::vector<ResultArray> take() { return std::move(arrays_); }

 private:
  template <class T>
  ResultArray& add(std::string name, const T* data, std::shared_ptr<const void> storage, std::vector<std::size_t> shape,
                   std::vector<std::string> dims) {
    ResultArray a;
    a.name = std::move(name);
    a.dtype = DtypeName<T>::value;
    a.shape = std::move(shape);
    a.dims = std::move(dims);
    a.data = data;
    a.storage = std::move(storage);
    a.entry = {{"shape", a.shape}, {"dtype", a.dtype}, {"dims", a.dims}};
    arrays_.push_back(std::move(a));
    return arrays_.back();
  }

  const Spec& spec_;
  const RunResult& r_;
  std::shared_ptr<const RunResult> result_;
  bool full_;
  std::vector<ResultArray> arrays_;
};

// The observables the spec records (record.observables), in the model's output order.
std::vector<const ObservableColumn*> recorded_columns(const Spec& spec, const RunResult& r) {
  std::vector<const ObservableColumn*> columns;
  for (const ObservableColumn& column : r.observables) {
    if (std::find(spec.observables.begin(), spec.observables.end(), column.name) != spec.observables.end()) {
      columns.push_back(&column);
    }
  }
  return columns;
}

void add_observables(Collector& c) {
  const RunResult& r = c.result();
  for (const ObservableColumn* recorded : recorded_columns(c.spec(), r)) {
    const ObservableColumn& column = *recorded;
    if (column.integer) {
      c.own(column.name, std::vector<std::uint32_t>(column.values.begin(), column.values.end()), c.instance_shape(),
            c.instance_dims());
    } else {
      c.view(column.name, column.values, c.instance_shape(), c.instance_dims());
    }
  }
  if (!c.full_run()) c.view("instances", r.instances, {r.instances.size()}, {"instances"});
}

// Per-point mean, SD and count of each recorded observable over the point's trials, for sweeps too large for
// summary.json: point_mean, point_sd (axes..., observable) float64, point_count uint64.
void add_point_statistics(Collector& c) {
  const Spec& spec = c.spec();
  const RunResult& r = c.result();
  if (!point_statistics_in_files(spec, r)) return;
  const std::vector<const ObservableColumn*> columns = recorded_columns(spec, r);
  std::vector<std::string> names;
  for (const ObservableColumn* column : columns) names.push_back(column->name);
  const std::size_t points = spec.n_points(), k = columns.size();
  std::vector<double> mean(points * k), sd(points * k);
  std::vector<std::uint64_t> count(points * k);
  for (std::size_t p = 0; p < points; ++p) {
    for (std::size_t j = 0; j < k; ++j) {
      const Aggregate a = aggregate(columns[j]->values.data() + p * spec.trials, spec.trials);
      mean[p * k + j] = a.mean;
      sd[p * k + j] = a.sd;
      count[p * k + j] = a.count;
    }
  }
  std::vector<std::size_t> shape = spec.axis_shape();
  shape.push_back(k);
  std::vector<std::string> dims = axis_dim_names(spec);
  dims.push_back("observable");
  const nlohmann::ordered_json labels = {{"observable", names}};
  c.own("point_mean", std::move(mean), shape, dims).entry["labels"] = labels;
  c.own("point_sd", std::move(sd), shape, dims).entry["labels"] = labels;
  c.own("point_count", std::move(count), shape, dims).entry["labels"] = labels;
}

void add_traces(Collector& c) {
  const RunResult& r = c.result();
  if (r.trace_instances.empty()) return;
  const std::size_t rows = r.trace_instances.size(), samples = r.trace_samples;
  for (std::size_t v = 0; v < r.trace_vars.size(); ++v) {
    c.view("trace_" + r.trace_vars[v], r.traces[v], {rows, samples}, {"trace_instances", "trace_t_ms"});
  }
  c.view("trace_instances", r.trace_instances, {rows}, {"trace_instances"});
  std::vector<double> t_ms(samples);
  for (std::size_t k = 0; k < samples; ++k) t_ms[k] = double(k) * c.spec().traces.every * c.spec().dt_ms;
  c.own("trace_t_ms", std::move(t_ms), {samples}, {"trace_t_ms"});
}

void add_spikes(Collector& c) {
  const RunResult& r = c.result();
  if (r.spike_instances.empty()) return;
  const std::size_t rows = r.spike_instances.size(), cap = r.spike_capacity;
  const ObservableColumn& counts = r.spike_count_column();
  std::vector<double> times_ms(rows * cap, kNaN);
  std::size_t row = 0;
  for (std::size_t i = 0; i < r.instances.size() && row < rows; ++i) {
    if (r.instances[i] != r.spike_instances[row]) continue;
    const std::size_t valid = std::min<std::size_t>(cap, static_cast<std::size_t>(counts.values[i]));
    for (std::size_t k = 0; k < valid; ++k) times_ms[row * cap + k] = r.spike_steps[row * cap + k] * c.spec().dt_ms;
    ++row;
  }
  c.own("spike_times_ms", std::move(times_ms), {rows, cap}, {"spike_instances", "spike"}).entry["padding"] = "NaN";
  c.view("spike_instances", r.spike_instances, {rows}, {"spike_instances"});
}

// Binned per-point means: binned_<var> (axes..., groups, bins) = sum / count / units_per_value (NaN where a group
// has no trial), binned_count (axes..., groups), binned_t_ms (bins,): each bin's start.
void add_binned(Collector& c) {
  const Spec& spec = c.spec();
  const RunResult& r = c.result();
  if (!spec.binned.enabled) return;
  const ModelInfo::Binned& b = spec.model->binned;
  const std::size_t points = r.binned.points, groups = b.groups.size(), vars = b.vars.size(), bins = spec.binned.n_bins;
  std::vector<std::size_t> shape = spec.axis_shape();
  std::vector<std::string> dims = axis_dim_names(spec);
  shape.push_back(groups);
  dims.push_back("group");
  const nlohmann::ordered_json labels = {{"group", b.groups}};
  ResultArray& count = c.view("binned_count", r.binned.counts, shape, dims);
  count.entry["groups"] = b.groups;
  count.entry["labels"] = labels;
  shape.push_back(bins);
  dims.push_back("binned_t_ms");
  for (std::size_t v = 0; v < vars; ++v) {
    std::vector<double> mean(points * groups * bins, kNaN);
    for (std::size_t p = 0; p < points; ++p) {
      for (std::size_t g = 0; g < groups; ++g) {
        const std::uint64_t n = r.binned.counts[p * groups + g];
        if (n == 0) continue;
        for (std::size_t k = 0; k < bins; ++k) {
          const std::uint64_t sum = r.binned.sums[((p * groups + g) * vars + v) * bins + k];
          mean[(p * groups + g) * bins + k] = double(sum) / double(n) / b.units_per_value;
        }
      }
    }
    ResultArray& a = c.own("binned_" + b.vars[v], std::move(mean), shape, dims);
    a.entry["groups"] = b.groups;
    a.entry["padding"] = "NaN";
    a.entry["labels"] = labels;
  }
  std::vector<double> t_ms(bins);
  for (std::size_t k = 0; k < bins; ++k) t_ms[k] = double(k) * spec.binned.bin_steps * spec.dt_ms;
  c.own("binned_t_ms", std::move(t_ms), {bins}, {"binned_t_ms"});
}

// Per-instance arrays: NAME (axes..., trials, width) for a full run, (n_run, width) otherwise; the model's dims
// name the width's parts.
void add_instance_arrays(Collector& c) {
  const RunResult& r = c.result();
  for (std::size_t k = 0; k < r.arrays.size(); ++k) {
    const ModelInfo::InstanceArray& info = c.spec().model->instance_arrays[k];
    std::vector<std::size_t> shape = c.instance_shape();
    shape.push_back(r.array_widths[k]);
    std::vector<std::string> dims = c.instance_dims();
    nlohmann::ordered_json labels = nlohmann::ordered_json::object();
    for (const ModelInfo::ArrayDim& d : info.dims) {
      dims.push_back(d.name);
      if (!d.labels.empty()) labels[d.name] = d.labels;
    }
    ResultArray& a = c.view(info.name, r.arrays[k], shape, dims);
    if (!labels.empty()) a.entry["labels"] = labels;
  }
}

}  // namespace

bool is_full_run(const Spec& spec, const RunResult& r) {
  if (r.instances.size() != spec.n_instances()) return false;
  for (std::size_t i = 0; i < r.instances.size(); ++i) {
    if (r.instances[i] != i) return false;
  }
  return true;
}

Aggregate aggregate(const double* values, std::size_t n) {
  Aggregate a;
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isfinite(values[i])) {
      sum += values[i];
      ++a.count;
    }
  }
  a.mean = a.count > 0 ? sum / double(a.count) : kNaN;
  double ss = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isfinite(values[i])) ss += (values[i] - a.mean) * (values[i] - a.mean);
  }
  a.sd = a.count > 1 ? std::sqrt(ss / double(a.count - 1)) : kNaN;
  return a;
}

bool point_statistics_in_files(const Spec& spec, const RunResult& result) {
  return spec.n_points() > kMaxPointsInSummary && is_full_run(spec, result);
}

std::vector<std::string> axis_dim_names(const Spec& spec) {
  std::vector<std::string> names;
  std::size_t zip_group = 0;
  for (const SweepAxis& axis : spec.axes) {
    const bool zip = !axis.fields.empty() && axis.fields[0].rfind("zip[", 0) == 0;
    if (axis.params.size() == 1) {
      names.push_back(axis.params[0]);
    } else {
      names.push_back("zip_" + std::to_string(zip_group));
    }
    if (zip) ++zip_group;
  }
  return names;
}

std::vector<ResultArray> result_arrays(const Spec& spec, std::shared_ptr<const RunResult> result) {
  Collector c(spec, std::move(result));
  add_observables(c);
  add_point_statistics(c);
  add_traces(c);
  add_spikes(c);
  add_binned(c);
  add_instance_arrays(c);
  return c.take();
}

}  // namespace nb
