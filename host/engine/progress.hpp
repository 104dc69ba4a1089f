// A run's progress as the runner reports it to the caller's callback (RunOptions::on_progress) after every time
// segment. Work is counted in instance-steps; a run of n instances over S steps has n S of it.
#pragma once

#include <cstdint>
#include <functional>

namespace nb {

struct Progress {
  double work_done = 0, work_total = 0;  // instance-steps advanced so far, and in the whole run
  double work_kept = 0;                  // of work_done, what a resumed run took from its journal (not timed)
  std::uint64_t instances_done = 0;      // instances whose chunk has finished every step
  std::uint64_t instances_total = 0;     // instances of the run
  std::uint64_t chunk = 0, chunks = 0;   // the chunk being advanced (0-based), and how many the run has
  std::uint64_t chunk_instances = 0;     // instances in this chunk
  std::uint64_t steps_done = 0;          // steps of this chunk advanced so far
  std::uint64_t steps_total = 0;         // steps of every chunk (Spec::n_steps)
  double elapsed_s = 0;                  // since the run began (engine creation included)

  double fraction() const;  // work_done / work_total, 1 for a run with no work
  double eta_s() const;     // seconds left at the rate so far; 0 before any work is done
};

// Called after every time segment, on the thread that called run_spec. Returning false stops the run before the
// next segment: run_spec then throws Cancelled and returns nothing.
using ProgressCallback = std::function<bool(const Progress&)>;

}  // namespace nb
