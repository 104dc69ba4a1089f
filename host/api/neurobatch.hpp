// NeuroBatch's public C++ API: the one header that the CLI, benchmarks, tests and bindings need.
//
//   nb::Spec spec = nb::api::load_spec("lif.json", {"trials=100", {"params.I_nA", 0.4}});  // (a) parse
//   nb::RunOptions options;                                                           // backend, math, threads...
//   options.on_progress = [](const nb::Progress& p) { return !stop_requested; };      // progress, cancel
//   const nb::ChunkPlan plan = nb::api::plan(spec, options);                          // (b) plan
//   const nb::RunResult result = nb::api::run(spec, options, plan);                   //     run, in memory
//   nb::api::write(spec, result, "results/lif");                                      // (c) write, atomically
//
// Errors are typed (host/common/errors.hpp): SpecError (field path and the message the CLI prints), PathError
// (a path that cannot be read or written), BackendUnavailable, UserError for any other bad input (the CLI exits
// 2 on all four); Cancelled where the progress callback stopped the run; InternalError or another exception for
// a failure of ours or of the machine (the CLI exits 1).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/common/errors.hpp"    // SpecError, PathError, BackendUnavailable, UserError, Cancelled, InternalError
#include "host/engine/progress.hpp"  // Progress, ProgressCallback
#include "host/engine/runner.hpp"    // RunOptions, ChunkPlan, RunResult
#include "host/io/compare.hpp"        // CompareReport
#include "host/io/result_arrays.hpp"  // ResultArray
#include "host/spec/spec.hpp"        // Spec

namespace nb {
class RunJournal;
namespace api {

// ---- (a) Specs -------------------------------------------------------------------------------------------------

// A `--set`-style override: `key` is a dotted path into the spec ("trials", "params.I_nA"; objects missing on
// the way are created), `value` replaces what is there. Overrides are applied in order, before validation, and
// are recorded in the resolved spec (summary.json). Either a key and a JSON value, {"trials", 100}, or the text
// the CLI's --set takes, "trials=100": VALUE is JSON, and a bare word that is not JSON is a string (UserError
// naming --set for text without '=').
struct Override {
  Override(std::string key, nlohmann::ordered_json value) : key(std::move(key)), value(std::move(value)) {}
  Override(const std::string& assignment);  // NOLINT: implicit, so that {"trials=100", "seed=2"} is a list
  Override(const char* assignment) : Override(std::string(assignment)) {}  // NOLINT
  std::string key;
  nlohmann::ordered_json value;
};

// Applies overrides to a spec document (UserError naming --set where a key's path crosses a non-object).
void apply_overrides(nlohmann::ordered_json& doc, const std::vector<Override>& overrides);

// Reads, overrides and validates a spec file; its name defaults to the file's stem. PathError if unreadable,
// SpecError for malformed JSON or a bad field.
Spec load_spec(const std::string& path, const std::vector<Override>& overrides = {});

// The same for an in-memory document; `name` is used where the spec has none.
Spec parse_spec(nlohmann::ordered_json doc, const std::vector<Override>& overrides = {},
                const std::string& name = "unnamed");

// ---- Run options from text (the CLI's flags) ------------------------------------------------------------------

MathMode parse_math(const std::string& text, const std::string& flag = "--math");  // exact | fast
// One side of a comparison, "BACKEND[:MATH]" (cpu | cuda, exact by default): compare's --a and --b.
std::pair<std::string, MathMode> parse_side(const std::string& text, const std::string& flag);
NetworkLayout parse_network_layout(const std::string& text);      // auto | per_cell | per_network
std::uint32_t parse_network_cells_per_thread(const std::string& text);  // 1 | 2 | 4 | 8 | 16 | auto (0)

// ---- (b) Plan and run -------------------------------------------------------------------------------------------

// "cpu" or "cuda" for "auto" | "cpu" | "cuda"; BackendUnavailable with the reason where "cuda" cannot run here.
std::string resolve_backend(const std::string& requested);

// The chunk plan: backend, instances per chunk, chunks, bytes per instance and the budget. Everything that can
// refuse the run before it allocates is checked here (backend, budget, recording, options).
ChunkPlan plan(const Spec& spec, const RunOptions& options);

// Runs every instance (or options.instances) and returns the results in memory; options.on_progress is called
// after every time segment and may cancel the run (Cancelled; nothing is returned). Without `plan`, plans first.
RunResult run(const Spec& spec, const RunOptions& options);
RunResult run(const Spec& spec, const RunOptions& options, const ChunkPlan& plan);

// ---- (c) Results on disk ----------------------------------------------------------------------------------------

// Checks before a run that `dir` can be written (nothing there yet, parent writable): PathError otherwise.
// Returns the path as write() will name it.
std::string check_output_dir(const std::string& dir);

// Writes summary.json and the .npy files into `dir`, atomically (a hidden temporary directory renamed at the end).
// Returns the directory written: `dir`, or "<dir>-2", "-3"... where something took `dir` meanwhile.
std::string write(const Spec& spec, const RunResult& result, const std::string& dir);

// The summary document that write() puts in summary.json (without its "files" entry, which arrays() gives).
nlohmann::ordered_json summary(const Spec& spec, const RunResult& result);

// The arrays write() puts in the .npy files, in memory: each views `result` or a buffer of its own, and keeps
// what it views alive (ResultArray::storage).
std::vector<ResultArray> arrays(const Spec& spec, std::shared_ptr<const RunResult> result);

// ---- (b+c) A run into a directory, kept chunk by chunk: resumable -----------------------------------------------
//
//   nb::api::DirRun run(spec, options, "results/lif", {/*resume=*/false, /*checkpoint_every_s=*/0});
//   const nb::RunResult result = run.run();  // finished chunks go to a journal beside the directory
//   run.write(result);                       // the directory, then the journal is removed
//
// A run killed before write() leaves its journal ("<parent>/.<name>.journal", host/io/journal.hpp); the same spec
// and directory with resume = true compute only what is missing, and the files come out byte-identical.

// The processes a run is spread over (MPI ranks: host/dist/mpi_team.*), as a DirRun needs to see them. Every
// member but rank() and size() is collective: every process calls it, in the same order.
class Team {
 public:
  virtual ~Team() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // True where every process passes true; also a barrier.
  virtual bool all(bool mine) = 0;
  // Hands the chunks 0 .. chunks - 1 out one at a time, to whichever process asks first.
  virtual std::unique_ptr<ChunkSchedule> schedule(std::uint64_t chunks) = 0;
  virtual std::string describe() const = 0;  // "4 MPI ranks", for summary.json
};

struct DirRunOptions {
  bool resume = false;            // go on from the journal of an earlier run into the same directory
  double checkpoint_every_s = 0;  // keep the state of the chunk in progress this often (0: only finished chunks)
  // A run spread over processes: the fixed shard `shard_index` of `shard_count` (--shard I/N; count 0: none), or
  // the ranks of `team`. They share the journal; one of them writes the directory once every chunk is done.
  std::uint64_t shard_index = 0, shard_count = 0;
  Team* team = nullptr;
};

class DirRun {
 public:
  // Plans the run and checks, before anything is created: the directory (PathError where it exists), the free
  // space (UserError with both numbers), the journal (UserError: a fresh run that finds one, a resume that finds
  // another run's, saying what differs; a resume that finds none starts from the beginning). Where a resumed run had already been written (a kill between the
  // rename of the directory and the removal of its journal), complete() is true and there is nothing to do.
  DirRun(const Spec& spec, RunOptions options, std::string dir, const DirRunOptions& d = {});
  ~DirRun();
  DirRun(const DirRun&) = delete;
  DirRun& operator=(const DirRun&) = delete;

  const ChunkPlan& plan() const { return plan_; }
  bool complete() const { return complete_; }
  // A resume that found no journal (killed before it existed, or never started) starts from the beginning.
  bool started_fresh() const { return started_fresh_; }
  const std::string& dir() const { return dir_; }
  const std::string& target() const { return target_; }  // dir as write() names it ("out/" -> "out")
  std::string journal_dir() const;
  std::uint64_t chunks_done() const;  // chunks finished and kept so far
  // Runs what the journal does not hold (options.on_progress may stop it: Cancelled, the journal kept).
  RunResult run();
  // A shard's or a rank's part: computes its chunks; then, where every chunk is done and this process is the one
  // to write the directory (rank 0; the shard that claims it), gathers the results from the journal. UserError
  // where another rank failed (the journal keeps what is done).
  std::optional<RunResult> run_part();
  std::vector<std::uint64_t> missing_chunks() const;  // chunks no process has finished yet
  // Writes the directory ("<dir>-2"... where something took it: api::write) and removes the journal.
  std::string write(const RunResult& result);

 private:
  void open_shared(const DirRunOptions& d);
  const Spec& spec_;
  RunOptions options_;
  std::string dir_, target_;
  ChunkPlan plan_;
  bool complete_ = false, started_fresh_ = false;
  DirRunOptions shared_;
  std::unique_ptr<nb::RunJournal> journal_;
};

// `neurobatch merge DIR`: writes DIR from the journal of a run whose every chunk is done (the spec comes from the
// journal); UserError naming the missing chunks otherwise. Returns the directory written.
std::string merge(const std::string& dir);

// ---- Other commands ---------------------------------------------------------------------------------------------

// Two runs of the same instances (compare's --a and --b) and their differences per observable.
struct Comparison {
  RunResult a, b;
  CompareReport report;
  bool exact() const;                 // both sides ran in exact math mode: any difference is a failure
  nlohmann::ordered_json to_json() const;  // the report with each side's backend, device, math and the instances
};
Comparison compare(const Spec& spec, const RunOptions& a, const RunOptions& b);

// `neurobatch info`: the build, the backends (with the reason where CUDA is unusable), the CUDA devices, and every
// model with its parameters (units, defaults, ranges), observables, traceable variables and integrators.
nlohmann::ordered_json info();

// `neurobatch fixed-points`: every fixed point of each sweep point of a self_sustained spec, and the saddle-node
// bifurcations of a one-axis sweep (UserError for another model).
nlohmann::ordered_json fixed_points(const Spec& spec);

}  // namespace api
}  // namespace nb
