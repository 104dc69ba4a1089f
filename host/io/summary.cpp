#include "host/io/summary.hpp"

#include "host/io/output.hpp"
#include "host/io/result_arrays.hpp"

namespace nb {
namespace {

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

}  // namespace

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
  s["axis_dims"] = axis_dim_names(spec);  // the dimension name of each of spec.axes, as "files" uses them
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
  if (!r.processes.empty()) s["run"]["processes"] = r.processes;
  if (!r.resumes.empty()) {
    // Only a resumed run says so: the summary of an uninterrupted run is unchanged.
    nlohmann::ordered_json resumes = nlohmann::ordered_json::array();
    for (const RunResult::Resume& x : r.resumes) resumes.push_back({{"at_utc", x.at_utc}, {"chunks_done", x.chunks_done}});
    s["run"]["resumed"] = resumes;
    s["run"]["chunks_from_journal"] = r.chunks_from_store;
    s["run"]["steps_from_checkpoints"] = r.steps_from_checkpoints;
  }
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
  if (point_statistics_in_files(spec, r)) {
    s["points_in_files"] = {{"points", spec.n_points()},
                            {"files", {"point_mean.npy", "point_sd.npy", "point_count.npy"}},
                            {"why", "more sweep points than " + std::to_string(kMaxPointsInSummary)}};
  } else if (is_full_run(spec, r)) {
    nlohmann::ordered_json points = nlohmann::ordered_json::array();
    for (std::uint64_t p = 0; p < spec.n_points(); ++p) points.push_back(point_entry(spec, r, p));
    s["points"] = points;
  }
  return s;
}

std::string write_results(const Spec& spec, const RunResult& r, const std::string& out_dir,
                          const std::string& temp_parent) {
  // The arrays view `r` (no copy); the non-owning pointer is safe because they do not outlive this call.
  const std::vector<ResultArray> arrays = result_arrays(spec, std::shared_ptr<const RunResult>(&r, [](const RunResult*) {}));
  OutputDir out(next_free_output_dir(out_dir), temp_parent);  // commit() handles a name taken while writing
  nlohmann::ordered_json files = nlohmann::ordered_json::object();
  for (const ResultArray& a : arrays) {
    out.npy(a.name + ".npy", a.dtype, a.data, a.shape);
    files[a.name + ".npy"] = a.entry;
  }
  nlohmann::ordered_json summary = make_summary(spec, r);
  summary["files"] = files;
  out.json("summary.json", summary);
  return out.commit();
}

}  // namespace nb
