// Writing a run's results: DIR/summary.json plus one .npy per observable, trace and spike record
// (layout documented in README.md, "Outputs"). Everything goes through OutputDir, so it appears atomically.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "host/engine/runner.hpp"
#include "host/spec/spec.hpp"

namespace nb {

// The summary document: build, resolved spec, run facts, throughput, and the per-sweep-point aggregates of sweeps
// of at most kMaxPointsInSummary points (larger ones have them in .npy files: result_arrays.hpp).
nlohmann::ordered_json make_summary(const Spec& spec, const RunResult& result);

// Writes everything into `out_dir` (checked with check_output_dir before the run); returns the directory written,
// which is "<out_dir>-2" (or -3, ...) where something took `out_dir` during the run.
// `temp_parent`: where the output is assembled before its rename (OutputDir), e.g. the run's journal.
std::string write_results(const Spec& spec, const RunResult& result, const std::string& out_dir,
                          const std::string& temp_parent = "");

// Build facts shared by `info`, summaries and benchmarks.
nlohmann::ordered_json build_info();

}  // namespace nb
