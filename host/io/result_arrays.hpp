// A run's results as the named arrays of its output directory: one entry per .npy file, with its shape, dtype,
// named dimensions and the summary.json "files" entry. write_results() writes them; the Python bindings hand the
// same arrays to NumPy without copying them. One list, so a file on disk and an array in memory cannot differ.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/engine/runner.hpp"
#include "host/spec/spec.hpp"

namespace nb {

struct ResultArray {
  std::string name;                // file stem: "rate_Hz", "trace_V_mV"; the file is name + ".npy"
  std::string dtype;               // NumPy's name: "float64", "float32", "uint32", "uint64"
  std::vector<std::size_t> shape;  // as written
  // Dimension names (summary.json "files"). Where the model splits a per-instance array's width into several
  // dimensions, `dims` has those and the file keeps them flattened into its last axis (see dim_sizes()).
  std::vector<std::string> dims;
  nlohmann::ordered_json entry;         // the summary.json "files" entry: shape, dtype, dims, and any extras
  const void* data = nullptr;           // shape's product elements of dtype, C order
  std::shared_ptr<const void> storage;  // keeps `data` alive: the RunResult it views, or a buffer made for it
};

// Per-sweep-point statistics of one observable over a point's trials.
struct Aggregate {
  double mean = 0, sd = 0;  // over the finite values; sd is the sample SD (ddof = 1), NaN below 2 values
  std::uint64_t count = 0;  // finite values
};
Aggregate aggregate(const double* values, std::size_t n);

// Sweeps of more points than this keep their per-point statistics out of summary.json (at about 800 bytes a point,
// a 1e5-point sweep wrote an 80 MB summary) and in point_mean.npy, point_sd.npy and point_count.npy:
// (axes..., observable), the observables of the spec's record list.
constexpr std::uint64_t kMaxPointsInSummary = 1000;
bool point_statistics_in_files(const Spec& spec, const RunResult& result);

// Every array of a run, in the order write_results() writes them. Arrays that are stored in the RunResult as they
// are written (float64 observables, traces, per-instance arrays, instance lists) view `result` and share its
// ownership; the others (uint32 counts, spike times in ms, binned means, time axes) are computed into buffers of
// their own.
std::vector<ResultArray> result_arrays(const Spec& spec, std::shared_ptr<const RunResult> result);

// Whether `result` ran every instance of `spec` in order (per-instance arrays then take the grid's shape).
bool is_full_run(const Spec& spec, const RunResult& result);

// The dimension name of each sweep axis: its parameter's name, or "zip_K" for the K-th zip group of several
// parameters (each of which is then a coordinate along it).
std::vector<std::string> axis_dim_names(const Spec& spec);

}  // namespace nb
