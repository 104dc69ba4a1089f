// A run's chunk journal: while a run with an output directory DIR advances, every finished chunk (and, with
// --checkpoint-every, the state of the chunk in progress) is kept in "<parent>/.<DIR name>.journal/", so that a
// run that is killed (a scheduler's time limit, a full disk, a crash) loses at most one chunk or one checkpoint
// interval. `neurobatch run --resume` finds the journal by DIR's name, checks that it belongs to the same run
// (resolved spec, build, math mode, chunk plan, directory) and computes only what is missing; the files are then
// byte-identical to an uninterrupted run's. The journal is removed once DIR is written.
//
//   journal.json            who the journal belongs to (written once) and when it was resumed
//   chunk-000007.nbc        chunk 7's results (ChunkResult), written to a temporary name, synced, renamed
//   chunk-000007.json       its record: size and checksum, written after the data (a chunk without a record, or
//                           whose data fails the checksum, is computed again)
//   checkpoint-000007.nbs   the state of chunk 7 after some step, and checkpoint-000007.json its record
//   assembly-*/             the output directory being written; renamed to DIR when complete
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/engine/chunk_store.hpp"
#include "host/engine/runner.hpp"
#include "host/spec/spec.hpp"

namespace nb {

// "<parent>/.<name>.journal" for the output directory `final_dir`.
std::string journal_dir(const std::string& final_dir);

// 64-bit FNV-1a over the bytes taken as little-endian 64-bit words (a short tail zero-padded): the checksum of the
// journal's files, and the hash of a spec and of the build.
std::uint64_t fnv1a64_words(const void* data, std::size_t bytes);

// Identity of the code that computes results: a hash of the sources under host/ and kernels/ this program was built
// from (cmake/source_id.cmake), the same for the CLI, the Python module and the tests of one tree, so that a
// program built from other sources cannot resume a run.
std::string build_id();

// The journal of a run that exists, read without changing it: UserError where `final_dir` has none.
struct JournalStatus {
  std::string dir;
  std::uint64_t chunks = 0, chunks_done = 0, chunk_instances = 0;
  nlohmann::ordered_json header;
};
std::optional<JournalStatus> find_journal(const std::string& final_dir);

class RunJournal final : public ChunkStore {
 public:
  enum class Mode { fresh, resume };
  // fresh: creates the journal; UserError where one exists for `final_dir` (how much is done, how to resume or
  // discard it). resume: opens it; UserError where there is none or it belongs to another run (spec, build, math
  // mode, chunk plan, directory: the message says which, and what may change).
  RunJournal(const Spec& spec, const ChunkPlan& plan, MathMode math, const std::string& final_dir, Mode mode,
             double checkpoint_interval_s);

  std::optional<ChunkResult> finished(std::uint64_t chunk) override;
  void keep(std::uint64_t chunk, const ChunkResult& result) override;
  std::optional<ChunkState> checkpoint(std::uint64_t chunk) override;
  void keep_checkpoint(std::uint64_t chunk, const ChunkState& state) override;
  double checkpoint_interval_s() const override { return checkpoint_interval_s_; }

  const std::string& dir() const { return dir_; }
  std::uint64_t chunks_done() const;  // chunks with a record (verified only when read)
  // Every time this run was resumed, this time included (empty for a run that started from nothing).
  const std::vector<RunResult::Resume>& resumes() const { return resumes_; }
  // Where the output directory is assembled before its rename (inside the journal: a kill leaves nothing beside).
  const std::string& assembly_parent() const { return dir_; }
  // Records that the output is being committed to `final_dir`, before the rename.
  void mark_committing();
  // After the output directory is committed: the journal is no longer needed.
  void remove();

 private:
  std::string path(const std::string& name) const;
  void write_header(const nlohmann::ordered_json& header);
  std::string dir_;
  std::uint64_t chunks_ = 0;
  double checkpoint_interval_s_ = 0;
  std::vector<RunResult::Resume> resumes_;
  nlohmann::ordered_json header_;
};

// Bytes the results of `spec` take on disk, at least (the .npy files and summary.json; a journal holds the same
// again while the run is in progress).
double result_file_bytes(const Spec& spec);

// Free bytes of the file system holding `dir`'s parent (created if missing); PathError where it cannot be told.
double free_bytes_for(const std::string& dir);

}  // namespace nb
