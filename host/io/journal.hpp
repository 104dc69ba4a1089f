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
//   checkpoint-000007.a.nbs the state of chunk 7 after some step, and checkpoint-000007.a.json its record; the
//                           next checkpoint goes to slot b, the one after to a again (a kill while one is written
//                           leaves the other)
//   .<name>.partial-*/      the output directory being written; renamed to DIR when complete
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <future>
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

// 64-bit FNV-1a over the bytes taken as little-endian 64-bit words (a short tail zero-padded), then the length: the
// checksum of the journal's files, and the hash of a spec.
std::uint64_t fnv1a64_words(const void* data, std::size_t bytes);

// The same checksum fed piece by piece (a chunk file is hashed as it is written); fnv1a64_words is the one-piece case.
class WordHash {
 public:
  void add(const void* data, std::size_t n) {
    if (n == 0) return;  // an empty vector's data() may be null, which memcpy must not see
    const auto* p = static_cast<const unsigned char*>(data);
    total_ += n;
    if (carried_ > 0) {  // complete the word the last piece began
      const std::size_t take = std::min<std::size_t>(n, 8 - carried_);
      std::memcpy(carry_ + carried_, p, take);
      carried_ += take;
      p += take;
      n -= take;
      if (carried_ < 8) return;
      mix(carry_);
      carried_ = 0;
    }
    for (; n >= 8; p += 8, n -= 8) mix(p);
    if (n > 0) std::memcpy(carry_, p, n);
    carried_ = n;
  }
  std::uint64_t bytes() const { return total_; }
  std::uint64_t value() const {
    std::uint64_t h = h_;
    if (carried_ > 0) {
      unsigned char word[8] = {};
      std::memcpy(word, carry_, carried_);
      h = step(h, word);
    }
    return (h ^ total_) * kPrime;  // the length, so that trailing zeros count
  }

 private:
  static constexpr std::uint64_t kPrime = 1099511628211ull;
  static std::uint64_t step(std::uint64_t h, const unsigned char* word) {
    std::uint64_t w;
    std::memcpy(&w, word, 8);
    return (h ^ w) * kPrime;
  }
  void mix(const unsigned char* word) { h_ = step(h_, word); }
  std::uint64_t h_ = 14695981039346656037ull, total_ = 0;
  unsigned char carry_[8] = {};
  std::size_t carried_ = 0;
};



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
  enum class Mode {
    fresh,   // a new run: creates the journal; UserError where one exists (how much is done, how to resume or discard)
    resume,  // --resume: opens it and records the resume; UserError where there is none
    join,    // one process of a run spread over several (a shard, an MPI rank): opens it, or creates it if none
    merge,   // `neurobatch merge`: opens it to assemble the results; the backend is not checked (nothing is computed)
  };
  // Every mode but fresh refuses (UserError) a journal that belongs to another run: spec, build, math mode, chunk
  // plan, directory; the message says which, and what may change.
  RunJournal(const Spec& spec, const ChunkPlan& plan, MathMode math, const std::string& final_dir, Mode mode,
             double checkpoint_interval_s);

  ~RunJournal() override;
  RunJournal(const RunJournal&) = delete;
  RunJournal& operator=(const RunJournal&) = delete;

  std::optional<ChunkResult> finished(std::uint64_t chunk) override;
  bool holds(std::uint64_t chunk) override;
  void keep(std::uint64_t chunk, const ChunkResult& result) override;
  void flush() override;
  std::optional<ChunkState> checkpoint(std::uint64_t chunk) override;
  void keep_checkpoint(std::uint64_t chunk, const ChunkState& state) override;
  double checkpoint_interval_s() const override { return checkpoint_interval_s_; }

  const std::string& dir() const { return dir_; }
  std::uint64_t chunks_done();  // chunks with a record (verified only when read), after flush()
  // Every time this run was resumed, this time included (empty for a run that started from nothing).
  const std::vector<RunResult::Resume>& resumes() const { return resumes_; }
  const nlohmann::ordered_json& header() const { return header_; }
  // Whether every chunk has a record; `missing` gets those without.
  bool all_done(std::vector<std::uint64_t>* missing = nullptr);
  // Claims the assembly of a shared run: true for exactly one of the processes that call it (an exclusive create).
  bool claim_assembly();
  // Where the output directory is assembled before its rename (inside the journal: a kill leaves nothing beside).
  const std::string& assembly_parent() const { return dir_; }
  // Records that the output is being committed to `final_dir`, before the rename.
  void mark_committing();
  // After the output directory is committed: the journal is no longer needed.
  void remove();

 private:
  std::string path(const std::string& name) const;
  std::string chunk_path(std::uint64_t chunk, const char* ext) const;  // chunk-K.nbc (data), chunk-K.json (record)
  void flush_if_in_flight(std::uint64_t chunk);  // waits for `chunk`'s background keep only, not another chunk's
  void write_header(const nlohmann::ordered_json& header);
  bool create_with_header(bool clean_leftovers);
  static std::string checkpoint_name(std::uint64_t chunk, const char* slot, const char* ext);
  std::optional<std::uint64_t> checkpoint_step(std::uint64_t chunk, const char* slot) const;
  void check_identity(const nlohmann::ordered_json& now, const Spec& spec, MathMode math, Mode mode) const;
  std::string dir_;
  std::uint64_t chunks_ = 0;
  double checkpoint_interval_s_ = 0;
  std::vector<RunResult::Resume> resumes_;
  nlohmann::ordered_json header_;
  std::future<void> in_flight_;  // the last chunk's sync, rename and record (keep)
  std::uint64_t in_flight_chunk_ = 0;
};

// Bytes the results of `spec` take on disk, at least (the .npy files and summary.json; a journal holds the same
// again while the run is in progress).
double result_file_bytes(const Spec& spec);

// Free bytes of the file system holding `dir`'s parent (created if missing); PathError where it cannot be told.
double free_bytes_for(const std::string& dir);

}  // namespace nb
