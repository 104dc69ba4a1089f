#include "host/io/summary.hpp"

#include <cmath>
#include <limits>

#include "host/io/output.hpp"

namespace nb {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool is_full_run(const Spec& spec, const RunResult& r) {
  if (r.instances.size() != spec.n_instances()) return false;
  for (std::size_t i = 0; i < r.instances.size(); ++i) {
    if (r.instances[i] != i) return false;
  }
  return true;
}

// Shape of a per-instance array: (axis_0, ..., axis_k, trials) for a full run, (n_run,) for a subset.
std::vector<std::size_t> observable_shape(const Spec& spec, const RunResult& r) {
  if (!is_full_run(spec, r)) return {r.instances.size()};
  std::vector<std::size_t> shape = spec.axis_shape();
  shape.push_back(spec.trials);
  return shape;
}

nlohmann::ordered_json point_entry(const Spec& spec, const RunResult& r, std::uint64_t p) {
  nlohmann::ordered_json entry;
  entry["index"] = p;
  nlohmann::ordered_json params = nlohmann::ordered_json::object();
  for (const SweepAxis& axis : spec.axes) {
    for (const std::string& name : axis.params) {
      const ParamInfo& info = spec.model->params[spec.model->param_index(name)];
      const double v = spec.param(p, name);
      if (info.categorical()) {
        params[name] = info.choice_name(v);
      } else {
        params[name] = v;
      }
    }
  }
  entry["params"] = params;
  nlohmann::ordered_json obs = nlohmann::ordered_json::object();
  for (const ObservableColumn& c : r.observables) {
    const Aggregate a = aggregate(c.values.data() + p * spec.trials, spec.trials);
    obs[c.name] = {{"mean", a.mean}, {"sd", a.sd}, {"count", a.count}};
  }
  entry["observables"] = obs;
  return entry;
}

void write_observables(OutputDir& out, const Spec& spec, const RunResult& r, nlohmann::ordered_json& files) {
  const auto shape = observable_shape(spec, r);
  for (const ObservableColumn& c : r.observables) {
    if (std::find(spec.observables.begin(), spec.observables.end(), c.name) == spec.observables.end()) continue;
    if (c.integer) {
      out.npy(c.name + ".npy", std::vector<std::uint32_t>(c.values.begin(), c.values.end()), shape);
    } else {
      out.npy(c.name + ".npy", c.values, shape);
    }
    files[c.name + ".npy"] = {{"shape", shape}, {"dtype", c.integer ? "uint32" : "float64"}};
  }
  if (!is_full_run(spec, r)) {
    out.npy("instances.npy", r.instances, {r.instances.size()});
    files["instances.npy"] = {{"shape", {r.instances.size()}}, {"dtype", "uint64"}};
  }
}

void write_traces(OutputDir& out, const Spec& spec, const RunResult& r, nlohmann::ordered_json& files) {
  if (r.trace_instances.empty()) return;
  const std::size_t rows = r.trace_instances.size(), samples = r.trace_samples;
  for (std::size_t v = 0; v < r.trace_vars.size(); ++v) {
    const std::string name = "trace_" + r.trace_vars[v] + ".npy";
    out.npy(name, r.traces[v], {rows, samples});
    files[name] = {{"shape", {rows, samples}}, {"dtype", "float32"}};
  }
  out.npy("trace_instances.npy", r.trace_instances, {rows});
  std::vector<double> t_ms(samples);
  for (std::size_t k = 0; k < samples; ++k) t_ms[k] = double(k) * spec.traces.every * spec.dt_ms;
  out.npy("trace_t_ms.npy", t_ms, {samples});
  files["trace_instances.npy"] = {{"shape", {rows}}, {"dtype", "uint64"}};
  files["trace_t_ms.npy"] = {{"shape", {samples}}, {"dtype", "float64"}};
}

void write_spikes(OutputDir& out, const Spec& spec, const RunResult& r, nlohmann::ordered_json& files) {
  if (r.spike_instances.empty()) return;
  const std::size_t rows = r.spike_instances.size(), cap = r.spike_capacity;
  const ObservableColumn& counts = r.spike_count_column();
  std::vector<double> times_ms(rows * cap, kNaN);
  std::size_t row = 0;
  for (std::size_t i = 0; i < r.instances.size() && row < rows; ++i) {
    if (r.instances[i] != r.spike_instances[row]) continue;
    const std::size_t valid = std::min<std::size_t>(cap, static_cast<std::size_t>(counts.values[i]));
    for (std::size_t k = 0; k < valid; ++k) times_ms[row * cap + k] = r.spike_steps[row * cap + k] * spec.dt_ms;
    ++row;
  }
  out.npy("spike_times_ms.npy", times_ms, {rows, cap});
  out.npy("spike_instances.npy", r.spike_instances, {rows});
  files["spike_times_ms.npy"] = {{"shape", {rows, cap}}, {"dtype", "float64"}, {"padding", "NaN"}};
  files["spike_instances.npy"] = {{"shape", {rows}}, {"dtype", "uint64"}};
}

// Per-instance arrays: NAME.npy (axes..., trials, width) for a full run, (n_run, width) otherwise.
void write_arrays(OutputDir& out, const Spec& spec, const RunResult& r, nlohmann::ordered_json& files) {
  for (std::size_t k = 0; k < r.arrays.size(); ++k) {
    std::vector<std::size_t> shape = {r.instances.size()};
    if (is_full_run(spec, r)) {
      shape = spec.axis_shape();
      shape.push_back(spec.trials);
    }
    shape.push_back(r.array_widths[k]);
    const std::string name = spec.model->instance_arrays[k].name + ".npy";
    out.npy(name, r.arrays[k], shape);
    files[name] = {{"shape", shape}, {"dtype", "float32"}};
  }
}

// Binned per-point means: binned_<var>.npy (axes..., groups, bins) = sum / count / units_per_value (NaN where a
// group has no trial), binned_count.npy (axes..., groups), binned_t_ms.npy (bins,): each bin's start.
void write_binned(OutputDir& out, const Spec& spec, const RunResult& r, nlohmann::ordered_json& files) {
  if (!spec.binned.enabled) return;
  const ModelInfo::Binned& b = spec.model->binned;
  const std::size_t points = r.binned.points, groups = b.groups.size(), vars = b.vars.size(), bins = spec.binned.n_bins;
  std::vector<std::size_t> shape = spec.axis_shape();
  shape.push_back(groups);
  out.npy("binned_count.npy", r.binned.counts, shape);
  files["binned_count.npy"] = {{"shape", shape}, {"dtype", "uint64"}, {"groups", b.groups}};
  shape.push_back(bins);
  for (std::size_t v = 0; v < vars; ++v) {
    std::vector<double> mean(points * groups * bins, kNaN);
    for (std::size_t p = 0; p < points; ++p) {
      for (std::size_t g = 0; g < groups; ++g) {
        const std::uint64_t count = r.binned.counts[p * groups + g];
        if (count == 0) continue;
        for (std::size_t k = 0; k < bins; ++k) {
          const std::uint64_t sum = r.binned.sums[((p * groups + g) * vars + v) * bins + k];
          mean[(p * groups + g) * bins + k] = double(sum) / double(count) / b.units_per_value;
        }
      }
    }
    const std::string name = "binned_" + b.vars[v] + ".npy";
    out.npy(name, mean, shape);
    files[name] = {{"shape", shape}, {"dtype", "float64"}, {"groups", b.groups}, {"padding", "NaN"}};
  }
  std::vector<double> t_ms(bins);
  for (std::size_t k = 0; k < bins; ++k) t_ms[k] = double(k) * spec.binned.bin_steps * spec.dt_ms;
  out.npy("binned_t_ms.npy", t_ms, {bins});
  files["binned_t_ms.npy"] = {{"shape", {bins}}, {"dtype", "float64"}};
}

}  // namespace

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

nlohmann::ordered_json build_info() {
  nlohmann::ordered_json b;
  b["version"] = NB_VERSION;
#if defined(NB_HAVE_CUDA)
  b["cuda_backend"] = true;
#else
  b["cuda_backend"] = false;
#endif
  b["compiler"] = __VERSION__;
  return b;
}

nlohmann::ordered_json make_summary(const Spec& spec, const RunResult& r) {
  nlohmann::ordered_json s;
  s["neurobatch"] = build_info();
  s["spec"] = spec.resolved;
  s["run"] = {{"backend", r.backend},
              {"device", r.device},
              {"math", math_mode_name(r.math)},
              {"threads", r.threads},
              {"instances_run", r.instances.size()},
              {"chunks", r.chunks},
              {"chunk_instances", r.chunk_instances},
              {"wall_s", r.wall_s},
              {"neuron_steps", r.neuron_steps},
              {"neuron_steps_per_s", r.wall_s > 0 ? r.neuron_steps / r.wall_s : 0.0},
              {"chunk_plan_MiB", double(r.chunk_plan_bytes) / 1048576.0},
              {"host_peak_MiB", double(r.host_peak_bytes) / 1048576.0}};
  if (spec.spikes.enabled) {
    s["spikes"] = {{"max_per_instance", spec.spikes.max_per_instance},
                   {"overflow_instances", r.spike_overflow_instances},
                   {"overflow_spikes_dropped", r.spike_overflow_spikes}};
  }
  if (spec.binned.enabled) {
    s["binned"] = {{"bin_ms", spec.binned.bin_ms},
                   {"bins", spec.binned.n_bins},
                   {"vars", spec.model->binned.vars},
                   {"groups", spec.model->binned.groups},
                   {"description", spec.model->binned.description}};
  }
  if (is_full_run(spec, r)) {
    nlohmann::ordered_json points = nlohmann::ordered_json::array();
    for (std::uint64_t p = 0; p < spec.n_points(); ++p) points.push_back(point_entry(spec, r, p));
    s["points"] = points;
  }
  return s;
}

std::string write_results(const Spec& spec, const RunResult& r, const std::string& out_dir) {
  OutputDir out(next_free_output_dir(out_dir));  // commit() handles a name taken while writing
  nlohmann::ordered_json files = nlohmann::ordered_json::object();
  write_observables(out, spec, r, files);
  write_traces(out, spec, r, files);
  write_spikes(out, spec, r, files);
  write_binned(out, spec, r, files);
  write_arrays(out, spec, r, files);
  nlohmann::ordered_json summary = make_summary(spec, r);
  summary["files"] = files;
  out.json("summary.json", summary);
  return out.commit();
}

}  // namespace nb
