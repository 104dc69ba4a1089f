// Where a run keeps what it has finished, so that a run that is killed loses at most the chunk it was computing
// (or, with checkpoints, the time since the chunk's last checkpoint). The runner (host/engine/runner.cpp) asks the
// store before it computes a chunk and hands it every chunk it finishes; host/io/journal.* keeps them on disk.
// The engine layer sees only this interface: no paths, no files.
#pragma once

#include <cstdint>
#include <optional>

#include "host/engine/chunk_engine.hpp"

namespace nb {

class ChunkStore {
 public:
  virtual ~ChunkStore() = default;
  // The finished result of chunk `chunk` (its index in the run's chunk plan), where the store holds one that
  // verifies; std::nullopt otherwise (the runner then computes it).
  virtual std::optional<ChunkResult> finished(std::uint64_t chunk) = 0;
  // Whether finished(chunk) would return a result, without reading it into memory (a process that only skips the
  // chunks others have done).
  virtual bool holds(std::uint64_t chunk) = 0;
  // Keeps a chunk's result. It may finish keeping it in the background (the caller may reuse `result` at once):
  // flush() returns once every chunk kept so far is safe, and rethrows a failure to keep one.
  virtual void keep(std::uint64_t chunk, const ChunkResult& result) = 0;
  virtual void flush() = 0;

  // Checkpoints of the chunk being computed: the last one kept for `chunk`, if any (and if it verifies).
  virtual std::optional<ChunkState> checkpoint(std::uint64_t chunk) = 0;
  virtual void keep_checkpoint(std::uint64_t chunk, const ChunkState& state) = 0;
  // Seconds of computing between two checkpoints of a chunk; 0: no checkpoints.
  virtual double checkpoint_interval_s() const = 0;
};

// Which chunks of the plan this process computes, when a run is spread over several processes (MPI ranks, job-array
// shards): asked for the next chunk whenever this process is free, so that a schedule may hand chunks out
// dynamically. Where each chunk is computed cannot change its results (every random number is keyed by instance).
class ChunkSchedule {
 public:
  virtual ~ChunkSchedule() = default;
  // The next chunk for this process, or std::nullopt when it has none left.
  virtual std::optional<std::uint64_t> next() = 0;
  // After a failure here: the other processes get no further chunk either (where the schedule is shared).
  virtual void stop() {}
};

// The fixed shard `index` of `count`: chunks index, index + count, index + 2 count, ... (round robin, so that the
// expensive end of a sweep is shared out too).
class ShardSchedule final : public ChunkSchedule {
 public:
  ShardSchedule(std::uint64_t index, std::uint64_t count, std::uint64_t chunks)
      : next_(index), count_(count), chunks_(chunks) {}
  std::optional<std::uint64_t> next() override {
    if (next_ >= chunks_) return std::nullopt;
    const std::uint64_t k = next_;
    next_ += count_;
    return k;
  }

 private:
  std::uint64_t next_, count_, chunks_;
};

}  // namespace nb
