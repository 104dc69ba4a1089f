// The contract between the generic runner (host/engine/runner.cpp) and a model: one chunk of instances on one backend.
// Each model provides a factory for it in its ModelInfo entry (host/spec/model_registry.hpp); the runner handles
// chunking, time segments, progress and gathering the results, the engine only the model's buffers and kernels.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kernels/common/math_mode.hpp"

namespace nb {

struct Spec;

// The network model's CUDA kernel layout (kernels/network/network_cuda.cuh): automatic picks per network where a
// network fits in one block, else per cell. The results are the same bits in every layout.
enum class NetworkLayout { automatic, per_cell, per_network };

// The cells per thread the per-network layout is compiled for (kernels/network/network_cuda.cuh); 0 is auto.
inline constexpr std::uint32_t kNetworkCellsPerThread[] = {1, 2, 4, 8, 16};
inline bool is_network_cells_per_thread(std::uint32_t cells) {
  for (const std::uint32_t allowed : kNetworkCellsPerThread) {
    if (cells == allowed) return true;
  }
  return cells == 0;
}
// "1, 2, 4, 8, 16, auto", for messages.
inline std::string network_cells_per_thread_allowed() {
  std::string text;
  for (const std::uint32_t allowed : kNetworkCellsPerThread) text += std::to_string(allowed) + ", ";
  return text + "auto";
}

struct EngineConfig {
  std::string backend;  // "cpu" or "cuda" (already resolved)
  MathMode math = MathMode::exact;
  int threads = 0;  // CPU threads; 0 = all cores
  // The network model on CUDA only (--network-layout, --network-cells-per-thread); other models ignore them.
  NetworkLayout network_layout = NetworkLayout::automatic;
  std::uint32_t network_cells_per_thread = 0;  // per-network layout: 1, 2, 4, 8 or 16; 0: the fewest that fit
};

// A chunk's host array into an engine buffer (Buffers::load): moved where the buffer is a host vector too (the CPU
// backend), else copied (to the device); the chunk's copy is freed either way. A chunk's arrays are its inputs and
// initial state, as large as the buffers themselves: kept, they would double the memory a chunk is planned to take
// (ModelInfo::bytes_per_instance). Chunks keep their sizes in scalars, which is all the views read afterwards.
template <class T>
void take_array(std::vector<T>& buffer, std::vector<T>& chunk_array) {
  buffer = std::move(chunk_array);
  std::vector<T>().swap(chunk_array);
}
template <class DeviceVector, class T>
void take_array(DeviceVector& buffer, std::vector<T>& chunk_array) {
  buffer = chunk_array;
  std::vector<T>().swap(chunk_array);
}

// Per-sweep-point sums over trials, kept as integers so that adding them in any order (threads, atomics,
// chunks, backends) gives the same bits: `counts` (points, groups) trials per group, `sums` (points, groups,
// vars, bins) of fixed-point values (ModelInfo::Binned says what they are). Rows start at point `first_point`.
struct BinnedSums {
  std::uint64_t first_point = 0, points = 0;
  std::vector<std::uint64_t> counts, sums;
};

// What a chunk run returns, for any model. Rows of traces and spikes are the chunk's recorded instances in the
// order they appear in the chunk's id list.
struct ChunkResult {
  std::vector<std::vector<double>> observables;  // [k] follows ModelInfo::observables; each (n,)
  std::vector<std::vector<float>> traces;        // [v] follows Spec::traces.vars; each (rows, samples)
  std::vector<std::uint32_t> spike_steps;        // (spike rows, max_per_instance)
  BinnedSums binned;                             // empty unless the spec records binned sums
  std::vector<std::vector<float>> arrays;        // [k] follows ModelInfo::instance_arrays; each (n, width)
};

// A loaded chunk's state between two time segments, for checkpoints (--checkpoint-every): the bytes of every buffer
// of the chunk (inputs, state, partial observables, recordings) in the model's order (Buffers::for_each), and the
// step it has reached. The counter-based noise keeps no generator state, so this is all a chunk needs to go on.
struct ChunkState {
  std::uint32_t step = 0;
  std::vector<std::vector<char>> buffers;
};

class ChunkEngine {
 public:
  virtual ~ChunkEngine() = default;
  // Prepares the instances `ids` (global indices, any order) at step 0.
  virtual void load(const Spec& spec, const std::vector<std::uint64_t>& ids) = 0;
  // Advances every loaded instance over steps [step_begin, step_end); called for consecutive ranges.
  virtual void advance(std::uint32_t step_begin, std::uint32_t step_end) = 0;
  // Computes the observables after the last step and returns everything.
  virtual ChunkResult finish() = 0;
  // The loaded chunk's state after `step` steps; restore_state puts a saved state back into a chunk loaded with
  // the same ids (InternalError where a buffer's size differs), after which advance goes on from state.step.
  virtual ChunkState save_state(std::uint32_t step) = 0;
  virtual void restore_state(const ChunkState& state) = 0;
};

}  // namespace nb
