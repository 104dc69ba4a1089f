// Runs a validated spec on one backend: splits the instances into chunks that fit the backend's memory budget,
// advances each chunk in time segments (for progress reporting), and gathers per-instance observables, traces
// and spike times. Results are independent of chunk size, segment length, thread count and instance order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/engine/chunk_engine.hpp"
#include "host/engine/chunk_store.hpp"
#include "host/engine/progress.hpp"
#include "host/spec/spec.hpp"
#include "kernels/common/math_mode.hpp"

namespace nb {

struct RunOptions {
  std::string backend = "auto";  // auto | cpu | cuda
  MathMode math = MathMode::exact;
  int threads = 0;                        // CPU threads; 0 = all cores
  std::uint64_t chunk_instances = 0;      // 0: as many as the memory budget allows
  std::uint64_t memory_budget_bytes = 0;  // 0: backend default (CPU: half the RAM, or 7/8 of it less the results if
                                           // that is less; CUDA: 80% of free memory)
  std::vector<std::uint64_t> instances;   // run only these global instances (any order); empty: all
  // The network model's CUDA layout and the per-network layout's cells per thread (kNetworkCellsPerThread; 0: auto);
  // other models and the CPU ignore them.
  NetworkLayout network_layout = NetworkLayout::automatic;
  std::uint32_t network_cells_per_thread = 0;
  ProgressCallback on_progress;  // called after every time segment; returning false cancels (Cancelled)
  // Where finished chunks and checkpoints are kept (host/io/journal.*: a run with an output directory); null: the
  // run keeps nothing until it returns. Chunks the store already holds are taken from it, not computed again.
  ChunkStore* store = nullptr;
};

// How a run is cut into chunks: made once per run, before anything is allocated (the CLI prints it).
struct ChunkPlan {
  std::string backend;                    // "cpu" or "cuda" (resolved)
  std::uint64_t run_instances = 0;        // instances the run advances (all, or RunOptions::instances)
  std::uint64_t instances = 0;            // per chunk (at most; --chunk-instances may exceed run_instances)
  std::uint64_t chunks = 0;               // ceil(run_instances / instances)
  std::size_t per_instance_bytes = 0;     // ModelInfo::bytes_per_instance
  std::size_t budget_bytes = 0;           // the backend's memory budget (only reported under --chunk-instances)
  std::size_t chunk_bytes() const { return per_instance_bytes * instances; }
};

// One per-instance observable, values aligned with RunResult::instances. Counts (names ending in "_count") and
// the model's integer observables are stored exactly as doubles and written as uint32.
struct ObservableColumn {
  std::string name;
  bool integer = false;
  std::vector<double> values;
};

struct RunResult {
  std::string backend;  // "cpu" or "cuda"
  std::string device;   // human-readable
  MathMode math = MathMode::exact;
  int threads = 0;
  std::uint64_t chunks = 0, chunk_instances = 0;
  double wall_s = 0;
  double neuron_steps = 0;
  // Host memory: what the chunk plan counted on for one chunk (ModelInfo::bytes_per_instance times the chunk's
  // instances) and this process's peak resident memory at the end of the run (0 where the OS does not say).
  std::size_t chunk_plan_bytes = 0, host_peak_bytes = 0;
  // Chunks taken finished from RunOptions::store, and steps of chunks restored from a checkpoint there (a
  // resumed run; 0 in a run that started from nothing).
  std::uint64_t chunks_from_store = 0, steps_from_checkpoints = 0;
  // Each time the run was resumed (host/io/journal.*): when (UTC, ISO 8601), and the chunks found finished then.
  struct Resume {
    std::string at_utc;
    std::uint64_t chunks_done = 0;
  };
  std::vector<Resume> resumes;
  // The processes the run was spread over ("4 MPI ranks", "7 shards ..."); empty: one process.
  std::string processes;
  std::vector<std::uint64_t> instances;  // (n_run,) global instance indices
  std::vector<ObservableColumn> observables;
  // Traces: one (n_traced, trace_samples) array per traced variable, rows in the order of trace_instances
  std::vector<std::uint64_t> trace_instances;
  std::vector<std::string> trace_vars;
  std::vector<std::vector<float>> traces;
  std::uint32_t trace_samples = 0;
  // Spike times in steps: (n_recorded, spike_capacity), valid up to min(spike_count, capacity) per row
  std::vector<std::uint64_t> spike_instances;
  std::vector<std::uint32_t> spike_steps;
  std::uint32_t spike_capacity = 0;
  std::uint64_t spike_overflow_instances = 0, spike_overflow_spikes = 0;
  // Binned per-point sums over the instances run (every sweep point; empty unless the spec records them)
  BinnedSums binned;
  // Per-instance arrays (ModelInfo::instance_arrays): each (n_run, width), rows aligned with `instances`
  std::vector<std::vector<float>> arrays;
  std::vector<std::string> array_names;
  std::vector<std::size_t> array_widths;

  const ObservableColumn& column(const std::string& name) const;  // InternalError if absent
  const std::vector<float>& trace(const std::string& var) const;  // InternalError if not traced
  // The count matching recorded spike times: the model's first observable named "*spike_count".
  const ObservableColumn& spike_count_column() const;
};

// "cpu" or "cuda" for a requested "auto" | "cpu" | "cuda"; BackendUnavailable (with the reason) when "cuda" is
// requested where it cannot run, UserError for any other name.
std::string resolve_backend(const std::string& requested);

// The chunk plan of `spec` under `options`: BackendUnavailable or UserError where the run cannot go ahead (backend,
// memory budget, recording, an instance out of range, a network option out of its allowed values).
ChunkPlan plan_run(const Spec& spec, const RunOptions& options);

// Runs `spec`; with `plan` from plan_run(spec, options), that plan is used instead of making it again. Throws
// Cancelled where options.on_progress returned false.
RunResult run_spec(const Spec& spec, const RunOptions& options);
RunResult run_spec(const Spec& spec, const RunOptions& options, const ChunkPlan& plan);

// One process's part of a run spread over several (host/dist/, --shard): computes each chunk `schedule` hands it
// that options.store does not hold yet, and keeps it there. Returns the chunks it computed.
std::uint64_t compute_chunks(const Spec& spec, const RunOptions& options, const ChunkPlan& plan, ChunkSchedule& schedule);

// The run's results gathered from options.store, which must hold every chunk of `plan` (InternalError otherwise):
// the same RunResult as run_spec's, but for the run facts (wall_s covers the gathering only).
RunResult assemble_chunks(const Spec& spec, const RunOptions& options, const ChunkPlan& plan);

}  // namespace nb
