#include "host/engine/runner.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <numeric>
#include <optional>
#include <utility>

#include "host/engine/cuda_device.hpp"
#include "host/common/errors.hpp"
#include "host/engine/chunk_engine.hpp"
#include "host/engine/system_memory.hpp"
#include "kernels/common/cpu_threads.hpp"

namespace nb {
namespace {

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

// The CPU's default leaves room for the whole run's results, which live beside the chunks: half the RAM, or 7/8 of
// it less the results if that is less (the last eighth for the program, the system and the page cache of the
// files written). 0 when the results leave no room.
std::size_t default_budget_bytes(const std::string& backend, const Spec& spec) {
  if (backend == "cuda") {
    const auto devices = cuda_devices();
    const auto device = static_cast<std::size_t>(current_cuda_device());  // a rank's own GPU (select_cuda_device)
    return device < devices.size() ? devices[device].free_bytes / 10 * 8 : 0;
  }
  const double ram = static_cast<double>(physical_memory_bytes());
  const double left = ram / 8 * 7 - result_memory(spec).total();
  return left > 0 ? static_cast<std::size_t>(std::min(ram / 2, left)) : 0;
}

const char* default_budget_rule(const std::string& backend) {
  return backend == "cuda" ? "80% of the free device memory"
                           : "half the RAM, or 7/8 of it less the results if that is less";
}

std::size_t budget_bytes(const Spec& spec, const RunOptions& o, const std::string& backend) {
  if (o.memory_budget_bytes > 0) return o.memory_budget_bytes;
  const std::size_t budget = default_budget_bytes(backend, spec);
  if (budget == 0) {
    throw UserError("the results of this run need " + std::to_string(std::uint64_t(result_memory(spec).total()) >> 20) +
                    " MiB of host memory, which leaves no room for its chunks in this machine's " +
                    std::to_string(physical_memory_bytes() >> 20) + " MiB (the " + backend +
                    " default budget: " + default_budget_rule(backend) +
                    "): reduce the sweep or trials, record less, or give --memory-budget-MB");
  }
  return budget;
}

// Time segments: long enough to amortise a launch, short enough for a live progress bar.
std::uint32_t segment_steps(std::uint64_t n_steps) {
  return static_cast<std::uint32_t>(std::max<std::uint64_t>(4096, (n_steps + 49) / 50));
}

std::uint64_t chunk_size(const Spec& spec, const RunOptions& o, const std::string& backend, std::size_t n_run,
                         std::size_t budget, std::size_t per_instance) {
  // Recording buffers are reserved whole: in the worst case every recorded instance lands in one chunk.
  const std::size_t trace_bytes =
      spec.traces.vars.empty() ? 0 : spec.traces.instances.size() * (spec.n_steps / spec.traces.every + 1) * 4;
  const std::size_t spike_bytes = spec.spikes.enabled ? spec.spikes.instances.size() * spec.spikes.max_per_instance * 4 : 0;
  if (trace_bytes + spike_bytes >= budget / 2) {
    throw UserError("recording needs " + std::to_string((trace_bytes + spike_bytes) >> 20) +
                    " MiB of the " + backend + " memory budget of " + std::to_string(budget >> 20) +
                    " MiB: record fewer instances (record.traces.instances, record.spikes.instances), a larger "
                    "record.traces.every, a smaller record.spikes.max_per_instance, or raise --memory-budget-MB");
  }
  const std::uint64_t fit = (budget - trace_bytes - spike_bytes) / per_instance;
  if (fit == 0) {
    throw UserError("one instance needs " + std::to_string(per_instance) + " bytes (" +
                    std::to_string(per_instance >> 20) + " MiB), more than the " + backend + " memory budget of " +
                    std::to_string(budget >> 20) + " MiB (" +
                    (o.memory_budget_bytes > 0 ? "--memory-budget-MB" : default_budget_rule(backend)) +
                    "); use a smaller instance or raise --memory-budget-MB");
  }
  return std::min<std::uint64_t>(fit, std::max<std::size_t>(n_run, 1));
}

// With --chunk-instances the budget is only reported (the default's, which then refuses nothing).
void plan_chunks(ChunkPlan& plan, const Spec& spec, const RunOptions& o) {
  plan.per_instance_bytes = spec.model->bytes_per_instance(spec);
  if (o.chunk_instances > 0) {
    plan.instances = o.chunk_instances;
    plan.budget_bytes = o.memory_budget_bytes > 0 ? o.memory_budget_bytes : default_budget_bytes(plan.backend, spec);
    return;
  }
  plan.budget_bytes = budget_bytes(spec, o, plan.backend);
  plan.instances = chunk_size(spec, o, plan.backend, plan.run_instances, plan.budget_bytes, plan.per_instance_bytes);
}

// Global ids of the chunk's recorded instances (listed, sorted, in `recorded`), in chunk order: the row order of
// the engine's trace and spike buffers.
std::vector<std::uint64_t> recorded_rows(const std::vector<std::uint64_t>& chunk_ids,
                                         const std::vector<std::uint64_t>& recorded) {
  std::vector<std::uint64_t> rows;
  for (std::uint64_t id : chunk_ids) {
    if (std::binary_search(recorded.begin(), recorded.end(), id)) rows.push_back(id);
  }
  return rows;
}

// Counts are integers: by convention their names end in "_count" (written as uint32).
bool is_count(const std::string& name) {
  return name.size() >= 6 && name.compare(name.size() - 6, 6, "_count") == 0;
}

void init_result(RunResult& r, const Spec& spec, std::size_t n) {
  for (const std::string& name : spec.model->observables) {
    const auto& integers = spec.model->integer_observables;
    const bool integer = is_count(name) || std::find(integers.begin(), integers.end(), name) != integers.end();
    r.observables.push_back(ObservableColumn{name, integer, std::vector<double>(n)});
  }
  for (const ModelInfo::InstanceArray& a : spec.model->instance_arrays) {
    r.array_names.push_back(a.name);
    r.array_widths.push_back(a.width(spec));
    r.arrays.emplace_back(n * r.array_widths.back());
  }
  if (spec.binned.enabled) {
    const std::size_t groups = spec.model->binned.groups.size(), vars = spec.model->binned.vars.size();
    r.binned.points = spec.n_points();
    r.binned.counts.assign(r.binned.points * groups, 0);
    r.binned.sums.assign(r.binned.points * groups * vars * spec.binned.n_bins, 0);
  }
  r.trace_vars = spec.traces.vars;
  r.traces.resize(spec.traces.vars.size());
  r.trace_samples = spec.traces.vars.empty() ? 0 : static_cast<std::uint32_t>(spec.n_steps / spec.traces.every + 1);
  r.spike_capacity = spec.spikes.enabled ? spec.spikes.max_per_instance : 0;
}

// Integer sums: the order of chunks cannot change them.
void add_binned(BinnedSums& total, const BinnedSums& chunk) {
  if (chunk.points == 0) return;
  const std::size_t count_width = chunk.counts.size() / chunk.points, sum_width = chunk.sums.size() / chunk.points;
  if (chunk.first_point + chunk.points > total.points || count_width * total.points != total.counts.size() ||
      sum_width * total.points != total.sums.size()) {
    throw InternalError("chunk engine returned binned sums of the wrong shape");
  }
  for (std::size_t k = 0; k < chunk.counts.size(); ++k) total.counts[chunk.first_point * count_width + k] += chunk.counts[k];
  for (std::size_t k = 0; k < chunk.sums.size(); ++k) total.sums[chunk.first_point * sum_width + k] += chunk.sums[k];
}

void store_chunk(RunResult& r, const Spec& spec, const std::vector<std::uint64_t>& chunk_ids, ChunkResult&& cr,
                 std::size_t offset) {
  if (cr.observables.size() != r.observables.size() || cr.traces.size() != r.traces.size()) {
    throw InternalError("chunk engine returned " + std::to_string(cr.observables.size()) + " observables and " +
                        std::to_string(cr.traces.size()) + " traces");
  }
  for (std::size_t k = 0; k < r.observables.size(); ++k) {
    std::copy(cr.observables[k].begin(), cr.observables[k].end(), r.observables[k].values.begin() + offset);
  }
  if (!spec.traces.vars.empty()) {
    const auto rows = recorded_rows(chunk_ids, spec.traces.instances);
    r.trace_instances.insert(r.trace_instances.end(), rows.begin(), rows.end());
    for (std::size_t v = 0; v < r.traces.size(); ++v) {
      r.traces[v].insert(r.traces[v].end(), cr.traces[v].begin(), cr.traces[v].end());
    }
  }
  add_binned(r.binned, cr.binned);
  if (cr.arrays.size() != r.arrays.size()) throw InternalError("chunk engine returned the wrong number of arrays");
  for (std::size_t k = 0; k < r.arrays.size(); ++k) {
    const std::size_t w = r.array_widths[k];
    if (cr.arrays[k].size() != chunk_ids.size() * w) throw InternalError("chunk engine returned an array of the wrong size");
    std::copy(cr.arrays[k].begin(), cr.arrays[k].end(), r.arrays[k].begin() + offset * w);
  }
  if (spec.spikes.enabled) {
    const auto rows = recorded_rows(chunk_ids, spec.spikes.instances);
    r.spike_instances.insert(r.spike_instances.end(), rows.begin(), rows.end());
    r.spike_steps.insert(r.spike_steps.end(), cr.spike_steps.begin(), cr.spike_steps.end());
  }
}

// Recorded instances whose spike count exceeded the buffer: counted, never silently dropped.
void count_spike_overflow(RunResult& r, const Spec& spec) {
  if (!spec.spikes.enabled) return;
  const std::vector<std::uint64_t>& recorded = spec.spikes.instances;  // sorted
  const ObservableColumn& counts = r.spike_count_column();
  for (std::size_t i = 0; i < r.instances.size(); ++i) {
    if (!std::binary_search(recorded.begin(), recorded.end(), r.instances[i])) continue;
    const auto n = static_cast<std::uint64_t>(counts.values[i]);
    if (n > r.spike_capacity) {
      ++r.spike_overflow_instances;
      r.spike_overflow_spikes += n - r.spike_capacity;
    }
  }
}

// One chunk from its first step (or its last checkpoint) to its results, in time segments: progress and cancel
// between segments, and a checkpoint where RunOptions::store asks for them.
struct ChunkRun {
  const Spec& spec;
  const RunOptions& o;
  ChunkEngine& engine;
  Progress& progress;
  std::chrono::steady_clock::time_point start;
  std::uint32_t n_steps, segment;

  double seconds_since(std::chrono::steady_clock::time_point t) const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }

  ChunkResult chunk(std::uint64_t k, const std::vector<std::uint64_t>& ids, std::uint64_t& steps_restored) {
    engine.load(spec, ids);
    std::uint32_t t = 0;
    if (o.store != nullptr) {
      if (const std::optional<ChunkState> state = o.store->checkpoint(k)) {
        engine.restore_state(*state);
        t = state->step;
        steps_restored += t;
        progress.work_done += double(ids.size()) * t;
        progress.work_kept += double(ids.size()) * t;
      }
    }
    const double interval_s = o.store != nullptr ? o.store->checkpoint_interval_s() : 0.0;
    auto last_checkpoint = std::chrono::steady_clock::now();
    // Segment boundaries are multiples of `segment` whatever step a checkpoint resumed at.
    while (t < n_steps) {
      const std::uint32_t t_end = t + std::min(segment, n_steps - t);
      engine.advance(t, t_end);
      progress.work_done += double(ids.size()) * (t_end - t);
      progress.steps_done = t_end;
      if (t_end == n_steps) progress.instances_done += ids.size();
      progress.elapsed_s = seconds_since(start);
      const bool go_on = !o.on_progress || o.on_progress(progress);
      if (interval_s > 0 && t_end < n_steps && (!go_on || seconds_since(last_checkpoint) >= interval_s)) {
        o.store->keep_checkpoint(k, engine.save_state(t_end));  // also when stopping: the segments done are kept
        last_checkpoint = std::chrono::steady_clock::now();
      }
      if (!go_on) {
        throw Cancelled("run cancelled by the progress callback after " + std::to_string(progress.instances_done) +
                        " of " + std::to_string(progress.instances_total) + " instances (chunk " +
                        std::to_string(k + 1) + " of " + std::to_string(progress.chunks) + ", step " +
                        std::to_string(t_end) + " of " + std::to_string(n_steps) + ")");
      }
      t = t_end;
    }
    return engine.finish();
  }
};

std::string device_name(const std::string& backend, int threads) {
  if (backend == "cuda") {
    const auto devices = cuda_devices();
    const auto device = static_cast<std::size_t>(current_cuda_device());
    return device < devices.size() ? devices[device].name : "CUDA device";
  }
  return cpu_model_name() + ", " + std::to_string(threads) + " thread(s)";
}

}  // namespace

const std::vector<float>& RunResult::trace(const std::string& var) const {
  for (std::size_t v = 0; v < trace_vars.size(); ++v) {
    if (trace_vars[v] == var) return traces[v];
  }
  throw InternalError("no trace of '" + var + "'");
}

const ObservableColumn& RunResult::spike_count_column() const {
  for (const ObservableColumn& c : observables) {
    if (is_spike_count(c.name)) return c;
  }
  throw InternalError("spikes recorded by a model without a spike_count observable");
}

const ObservableColumn& RunResult::column(const std::string& name) const {
  for (const auto& c : observables) {
    if (c.name == name) return c;
  }
  throw InternalError("no observable column '" + name + "'");
}

std::string resolve_backend(const std::string& requested) {
  if (requested == "cpu") return "cpu";
  if (requested == "cuda") {
    const std::string reason = cuda_unavailable_reason();
    if (!reason.empty()) throw BackendUnavailable("--backend cuda is not available here: " + reason + "; use --backend cpu or auto");
    return "cuda";
  }
  if (requested == "auto") return cuda_unavailable_reason().empty() ? "cuda" : "cpu";
  throw UserError("--backend: unknown backend '" + requested + "' (allowed: auto, cpu, cuda)");
}

ChunkPlan plan_run(const Spec& spec, const RunOptions& o) {
  ChunkPlan plan;
  plan.backend = resolve_backend(o.backend);
  if (!is_network_cells_per_thread(o.network_cells_per_thread)) {
    throw UserError("--network-cells-per-thread: " + std::to_string(o.network_cells_per_thread) +
                    " is not allowed (allowed: " + network_cells_per_thread_allowed() + ")");
  }
  // The chunk plan first: it can refuse the run, which must then not have allocated its results.
  plan.run_instances = o.instances.empty() ? spec.n_instances() : o.instances.size();
  plan_chunks(plan, spec, o);
  plan.chunks = plan.instances == 0 ? 0 : (plan.run_instances + plan.instances - 1) / plan.instances;
  for (std::uint64_t id : o.instances) {
    if (id >= spec.n_instances()) {
      throw UserError("--instances: instance " + std::to_string(id) + " out of range [0, " +
                      std::to_string(spec.n_instances() - 1) + "]");
    }
  }
  return plan;
}

RunResult run_spec(const Spec& spec, const RunOptions& o) { return run_spec(spec, o, plan_run(spec, o)); }

namespace {

// The run's instance list: options.instances, or every instance. InternalError where `plan` is another run's.
std::vector<std::uint64_t> run_instance_ids(const Spec& spec, const RunOptions& o, const ChunkPlan& plan) {
  if (plan.instances == 0 || plan.run_instances != (o.instances.empty() ? spec.n_instances() : o.instances.size())) {
    throw InternalError("run_spec: the chunk plan is not this run's (plan it with plan_run(spec, options))");
  }
  std::vector<std::uint64_t> ids = o.instances;
  if (ids.empty()) {
    ids.resize(spec.n_instances());
    std::iota(ids.begin(), ids.end(), std::uint64_t(0));
  }
  return ids;
}

// The run's result before any chunk: its instance list, empty columns and the run facts.
RunResult new_result(const Spec& spec, const RunOptions& o, const ChunkPlan& plan) {
  RunResult r;
  r.instances = run_instance_ids(spec, o, plan);  // the run's instance list, kept once (result_memory counts one)
  r.backend = plan.backend;
  r.math = o.math;
  r.threads = plan.backend == "cpu" ? resolve_threads(o.threads) : 0;
  r.device = device_name(plan.backend, r.threads);
  init_result(r, spec, r.instances.size());
  r.chunk_instances = plan.instances;
  r.chunk_plan_bytes = plan.chunk_bytes();
  return r;
}

// Chunk k's instances: plan.instances consecutive entries of the run's list from k * plan.instances.
std::vector<std::uint64_t> chunk_ids(const std::vector<std::uint64_t>& run_ids, const ChunkPlan& plan, std::uint64_t k) {
  const std::size_t begin = std::min<std::size_t>(run_ids.size(), k * plan.instances);
  const std::size_t end = std::min<std::size_t>(run_ids.size(), begin + plan.instances);
  return std::vector<std::uint64_t>(run_ids.begin() + begin, run_ids.begin() + end);
}

void finish_result(RunResult& r, const Spec& spec, std::chrono::steady_clock::time_point start) {
  count_spike_overflow(r, spec);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double neurons = spec.model->neurons_per_instance ? spec.model->neurons_per_instance(spec) : 1.0;
  r.neuron_steps = double(r.instances.size()) * double(spec.n_steps) * neurons;
  r.host_peak_bytes = peak_resident_bytes();
}

// The engine and the progress of one process's chunks.
struct Advance {
  Advance(const Spec& spec, const RunOptions& o, const ChunkPlan& plan, std::size_t n_run)
      : n_steps(static_cast<std::uint32_t>(spec.n_steps)), start(std::chrono::steady_clock::now()) {
    progress.work_total = double(n_run) * n_steps;
    progress.instances_total = n_run;
    progress.chunks = plan.chunks;
    progress.steps_total = n_steps;
    EngineConfig config{plan.backend, o.math, o.threads};
    config.network_layout = o.network_layout;
    config.network_cells_per_thread = o.network_cells_per_thread;
    engine = spec.model->make_engine(config);
  }
  // A chunk counted as done without computing it (taken from the store).
  void count_kept(std::size_t instances) {
    progress.work_done += double(instances) * n_steps;
    progress.work_kept += double(instances) * n_steps;
    progress.instances_done += instances;
  }
  std::uint32_t n_steps;
  std::chrono::steady_clock::time_point start;
  Progress progress;
  std::unique_ptr<ChunkEngine> engine;
};

}  // namespace

RunResult run_spec(const Spec& spec, const RunOptions& o, const ChunkPlan& plan) {
  RunResult r = new_result(spec, o, plan);
  Advance a(spec, o, plan, r.instances.size());
  ChunkRun run{spec, o, *a.engine, a.progress, a.start, a.n_steps, segment_steps(spec.n_steps)};
  for (std::uint64_t k = 0; k < plan.chunks; ++k) {
    const std::vector<std::uint64_t> ids = chunk_ids(r.instances, plan, k);
    a.progress.chunk = k;
    a.progress.chunk_instances = ids.size();
    std::optional<ChunkResult> kept = o.store != nullptr ? o.store->finished(k) : std::nullopt;
    if (kept) {
      ++r.chunks_from_store;
      a.count_kept(ids.size());
    } else {
      kept = run.chunk(k, ids, r.steps_from_checkpoints);
      if (o.store != nullptr) o.store->keep(k, *kept);
    }
    store_chunk(r, spec, ids, std::move(*kept), k * plan.instances);
    ++r.chunks;
  }
  if (o.store != nullptr) o.store->flush();  // every chunk safe before the run counts as done
  finish_result(r, spec, a.start);
  return r;
}

std::uint64_t compute_chunks(const Spec& spec, const RunOptions& o, const ChunkPlan& plan, ChunkSchedule& schedule) {
  if (o.store == nullptr) throw InternalError("compute_chunks: a run spread over processes needs a chunk store");
  const std::vector<std::uint64_t> run_ids = run_instance_ids(spec, o, plan);  // no result columns: the store has them
  Advance a(spec, o, plan, run_ids.size());
  ChunkRun run{spec, o, *a.engine, a.progress, a.start, a.n_steps, segment_steps(spec.n_steps)};
  std::uint64_t computed = 0, steps_restored = 0;
  while (const std::optional<std::uint64_t> k = schedule.next()) {
    if (*k >= plan.chunks) throw InternalError("a chunk schedule handed out chunk " + std::to_string(*k));
    const std::vector<std::uint64_t> ids = chunk_ids(run_ids, plan, *k);
    a.progress.chunk = *k;
    a.progress.chunk_instances = ids.size();
    if (o.store->holds(*k)) {
      a.count_kept(ids.size());
      continue;
    }
    o.store->keep(*k, run.chunk(*k, ids, steps_restored));
    ++computed;
  }
  o.store->flush();  // before another process may look for these chunks
  return computed;
}

RunResult assemble_chunks(const Spec& spec, const RunOptions& o, const ChunkPlan& plan) {
  if (o.store == nullptr) throw InternalError("assemble_chunks: no chunk store");
  const auto start = std::chrono::steady_clock::now();
  RunResult r = new_result(spec, o, plan);
  for (std::uint64_t k = 0; k < plan.chunks; ++k) {
    std::optional<ChunkResult> kept = o.store->finished(k);
    if (!kept) throw InternalError("chunk " + std::to_string(k) + " of " + std::to_string(plan.chunks) + " is missing");
    const std::vector<std::uint64_t> ids = chunk_ids(r.instances, plan, k);
    store_chunk(r, spec, ids, std::move(*kept), k * plan.instances);
    ++r.chunks;
    ++r.chunks_from_store;
  }
  finish_result(r, spec, start);
  return r;
}

}  // namespace nb
