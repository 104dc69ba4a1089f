#include "host/runner.hpp"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <numeric>

#include "host/engines.hpp"
#include "host/errors.hpp"
#include "host/lif_batch.hpp"
#include "host/progress.hpp"

namespace nb {
namespace {

std::size_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? std::size_t(pages) * std::size_t(page) : std::size_t(8) << 30;
}

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

std::size_t default_budget_bytes(const std::string& backend) {
  if (backend == "cuda") {
    const auto devices = cuda_devices();
    return devices.empty() ? 0 : devices.front().free_bytes / 10 * 8;
  }
  return physical_memory_bytes() / 2;
}

std::unique_ptr<LifEngine> make_engine(const std::string& backend, const RunOptions& o) {
  return backend == "cuda" ? make_cuda_lif_engine(o.math) : make_cpu_lif_engine(o.threads);
}

// Time segments: long enough to amortise a launch, short enough for a live progress bar.
std::uint32_t segment_steps(std::uint64_t n_steps) {
  return static_cast<std::uint32_t>(std::max<std::uint64_t>(4096, (n_steps + 49) / 50));
}

std::uint64_t chunk_size(const Spec& spec, const RunOptions& o, const std::string& backend, std::size_t n_run) {
  if (o.chunk_instances > 0) return o.chunk_instances;
  const std::size_t budget = o.memory_budget_bytes > 0 ? o.memory_budget_bytes : default_budget_bytes(backend);
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
  const std::uint64_t fit = (budget - trace_bytes - spike_bytes) / kLifBytesPerInstance;
  if (fit == 0) throw UserError("the memory budget is too small for a single instance; raise --memory-budget-MB");
  return std::min<std::uint64_t>(fit, std::max<std::size_t>(n_run, 1));
}

void append_rows(std::vector<std::uint64_t>& instances_out, const std::vector<std::uint64_t>& ids,
                 const std::vector<std::int32_t>& row) {
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (row[i] >= 0) instances_out.push_back(ids[i]);
  }
}

void init_columns(RunResult& r, const Spec& spec, std::size_t n) {
  for (const std::string& name : spec.model->observables) {
    r.observables.push_back(ObservableColumn{name, name == "spike_count", std::vector<double>(n)});
  }
}

void store_chunk(RunResult& r, const LifChunk& chunk, const LifChunkResult& cr, std::size_t offset) {
  const std::vector<double>* sources[] = {nullptr, &cr.rate_Hz, &cr.first_spike_ms, &cr.isi_mean_ms,
                                          &cr.isi_sd_ms, &cr.isi_cv};
  for (std::size_t k = 0; k < r.observables.size(); ++k) {
    auto& dst = r.observables[k].values;
    if (k == 0) {
      std::copy(cr.spike_count.begin(), cr.spike_count.end(), dst.begin() + offset);
    } else {
      std::copy(sources[k]->begin(), sources[k]->end(), dst.begin() + offset);
    }
  }
  append_rows(r.trace_instances, chunk.instance_id, chunk.trace_row);
  r.trace_V_mV.insert(r.trace_V_mV.end(), cr.trace_V_mV.begin(), cr.trace_V_mV.end());
  append_rows(r.spike_instances, chunk.instance_id, chunk.spike_row);
  r.spike_steps.insert(r.spike_steps.end(), cr.spike_steps.begin(), cr.spike_steps.end());
  for (std::size_t i = 0; i < chunk.spike_row.size(); ++i) {
    if (chunk.spike_row[i] >= 0 && cr.spike_count[i] > chunk.spike_capacity) {
      ++r.spike_overflow_instances;
      r.spike_overflow_spikes += cr.spike_count[i] - chunk.spike_capacity;
    }
  }
}

std::string device_name(const std::string& backend, int threads) {
  if (backend == "cuda") {
    const auto devices = cuda_devices();
    return devices.empty() ? "CUDA device" : devices.front().name;
  }
  return cpu_model_name() + ", " + std::to_string(threads) + " thread(s)";
}

}  // namespace

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

RunResult run_spec(const Spec& spec, const RunOptions& o) {
  const std::string backend = resolve_backend(o.backend);
  std::vector<std::uint64_t> ids = o.instances;
  if (ids.empty()) {
    ids.resize(spec.n_instances());
    std::iota(ids.begin(), ids.end(), std::uint64_t(0));
  }
  for (std::uint64_t id : ids) {
    if (id >= spec.n_instances()) {
      throw UserError("--instances: instance " + std::to_string(id) + " out of range [0, " +
                      std::to_string(spec.n_instances() - 1) + "]");
    }
  }
  RunResult r;
  r.backend = backend;
  r.math = o.math;
  r.threads = backend == "cpu" ? (o.threads > 0 ? o.threads : omp_get_max_threads()) : 0;
  r.device = device_name(backend, r.threads);
  r.instances = ids;
  r.trace_samples = spec.traces.vars.empty() ? 0 : static_cast<std::uint32_t>(spec.n_steps / spec.traces.every + 1);
  r.spike_capacity = spec.spikes.enabled ? spec.spikes.max_per_instance : 0;
  r.chunk_instances = chunk_size(spec, o, backend, ids.size());
  init_columns(r, spec, ids.size());

  const auto n_steps = static_cast<std::uint32_t>(spec.n_steps);
  const std::uint32_t segment = segment_steps(spec.n_steps);
  Progress progress(double(ids.size()) * n_steps, o.progress);
  const auto start = std::chrono::steady_clock::now();
  auto engine = make_engine(backend, o);
  for (std::size_t offset = 0; offset < ids.size(); offset += r.chunk_instances) {
    const std::size_t end = std::min<std::size_t>(ids.size(), offset + r.chunk_instances);
    const LifChunk chunk = assemble_lif_chunk(spec, std::vector<std::uint64_t>(ids.begin() + offset, ids.begin() + end));
    engine->load(chunk);
    for (std::uint32_t t = 0; t < n_steps; t += std::min(segment, n_steps - t)) {
      const std::uint32_t t_end = t + std::min(segment, n_steps - t);
      engine->advance(t, t_end);
      progress.add(double(chunk.size()) * (t_end - t));
    }
    store_chunk(r, chunk, engine->finish(spec.dt_ms, n_steps), offset);
    ++r.chunks;
  }
  progress.finish();
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.neuron_steps = double(ids.size()) * n_steps;
  return r;
}

}  // namespace nb
