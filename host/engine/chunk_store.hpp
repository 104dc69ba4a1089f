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
  // Keeps a chunk's result; returns only once it is safe from a kill of this process.
  virtual void keep(std::uint64_t chunk, const ChunkResult& result) = 0;

  // Checkpoints of the chunk being computed: the last one kept for `chunk`, if any (and if it verifies).
  virtual std::optional<ChunkState> checkpoint(std::uint64_t chunk) = 0;
  virtual void keep_checkpoint(std::uint64_t chunk, const ChunkState& state) = 0;
  // Seconds of computing between two checkpoints of a chunk; 0: no checkpoints.
  virtual double checkpoint_interval_s() const = 0;
};

}  // namespace nb
