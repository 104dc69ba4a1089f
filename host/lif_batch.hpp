// Host-side batches for the LIF model: one chunk of instances as structure-of-arrays vectors, assembled from the
// spec's sweep points, plus the engine interface each backend implements to run such a chunk.
#pragma once

#include <cstdint>
#include <vector>

#include "host/chunk_engine.hpp"
#include "host/spec.hpp"

namespace nb {

// One chunk of instances, ready for a backend. Every vector marked (n,) has one entry per instance.
struct LifChunk {
  std::uint64_t seed = 0;
  bool noisy = false;
  std::vector<std::uint64_t> instance_id;  // (n,) global instance index
  // Kernel coefficients (n,), derived in double and rounded once to float (kernels/lif/lif.hpp)
  std::vector<float> V_inf_mV, decay, noise_mV, V_reset_mV, V_th_mV, V_spike_mV, V_init_mV;
  std::vector<std::uint32_t> refractory_steps;
  // Recording: row of each instance in the chunk's trace / spike buffers, -1 if not recorded; empty if off
  std::vector<std::int32_t> trace_row, spike_row;  // (n,)
  std::uint32_t trace_rows = 0, trace_every = 1, trace_samples = 0;
  std::uint32_t spike_rows = 0, spike_capacity = 0;

  std::size_t size() const { return instance_id.size(); }
};

// What a backend returns for a chunk.
struct LifChunkResult {
  std::vector<std::uint32_t> spike_count;                                          // (n,)
  std::vector<double> rate_Hz, first_spike_ms, isi_mean_ms, isi_sd_ms, isi_cv;     // (n,)
  std::vector<float> trace_V_mV;        // (trace_rows, trace_samples)
  std::vector<std::uint32_t> spike_steps;  // (spike_rows, spike_capacity), valid up to each spike_count
};

// A backend's way of running chunks. load -> advance (any number of consecutive step ranges) -> finish.
class LifEngine {
 public:
  virtual ~LifEngine() = default;
  virtual void load(const LifChunk& chunk) = 0;
  virtual void advance(std::uint32_t step_begin, std::uint32_t step_end) = 0;
  virtual LifChunkResult finish(double dt_ms, std::uint32_t n_steps) = 0;
};

// Bytes a backend holds per instance while running a chunk (coefficients, state, observables), excluding
// recording buffers. Used to size chunks against the memory budget.
constexpr std::size_t kLifBytesPerInstance = 8 + 7 * 4 + 4 + 5 * 4 + 8 + 5 * 8 + 2 * 4;

// The LIF model's ChunkEngine on the configured backend (host/engines.hpp provides the backend engines).
std::unique_ptr<ChunkEngine> make_lif_chunk_engine(const EngineConfig& config);

// Assembles the chunk holding `ids` (global instance indices, any order). Trace / spike rows are numbered in
// the order the recorded instances appear in `ids`.
LifChunk assemble_lif_chunk(const Spec& spec, const std::vector<std::uint64_t>& ids);

}  // namespace nb
