// Shared helpers for the test suite.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "host/engine/chunk_engine.hpp"
#include "host/io/compare.hpp"
#include "host/engine/cuda_device.hpp"
#include "host/common/errors.hpp"
#include "host/engine/runner.hpp"
#include "host/spec/spec.hpp"

namespace nb {
namespace test {

inline Spec spec_from(const std::string& json_text) {
  return parse_spec(nlohmann::ordered_json::parse(json_text), "test");
}

inline RunResult run_on(const Spec& spec, const std::string& backend, RunOptions o = {}) {
  o.backend = backend;
  return run_spec(spec, o);
}

inline RunResult run_cpu(const Spec& spec, RunOptions o = {}) { return run_on(spec, "cpu", o); }

// All instances of `spec` through one chunk engine, the steps cut into calls at `cuts` (increasing): how the
// tests run a backend's kernels directly, as the runner would over time segments.
inline ChunkResult run_in_calls(ChunkEngine& engine, const Spec& spec, const std::vector<std::uint32_t>& cuts) {
  std::vector<std::uint64_t> ids(spec.n_instances());
  std::iota(ids.begin(), ids.end(), std::uint64_t(0));
  engine.load(spec, ids);
  std::uint32_t begin = 0;
  for (std::uint32_t cut : cuts) {
    engine.advance(begin, cut);
    begin = cut;
  }
  engine.advance(begin, static_cast<std::uint32_t>(spec.n_steps));
  return engine.finish();
}

// Bitwise, so that -0.0 differs from 0.0 and NaN equals the same NaN.
template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

// Every part of two chunk results of `spec` bit for bit: observables, traces, instance arrays, spike records and
// binned sums; `where` labels the failures.
inline void expect_same_bits(const ChunkResult& got, const ChunkResult& want, const Spec& spec, const std::string& where) {
  ASSERT_EQ(got.observables.size(), want.observables.size()) << where;
  for (std::size_t k = 0; k < want.observables.size(); ++k) {
    EXPECT_TRUE(same_bits(got.observables[k], want.observables[k])) << where << ": " << spec.model->observables[k];
  }
  ASSERT_EQ(got.traces.size(), want.traces.size()) << where;
  for (std::size_t k = 0; k < want.traces.size(); ++k) {
    EXPECT_TRUE(same_bits(got.traces[k], want.traces[k])) << where << ": trace " << spec.traces.vars[k];
  }
  ASSERT_EQ(got.arrays.size(), want.arrays.size()) << where;
  for (std::size_t k = 0; k < want.arrays.size(); ++k) {
    EXPECT_TRUE(same_bits(got.arrays[k], want.arrays[k])) << where << ": " << spec.model->instance_arrays[k].name;
  }
  EXPECT_TRUE(same_bits(got.spike_steps, want.spike_steps)) << where << ": spike records";
  EXPECT_TRUE(same_bits(got.binned.counts, want.binned.counts)) << where << ": binned counts";
  EXPECT_TRUE(same_bits(got.binned.sums, want.binned.sums)) << where << ": binned sums";
}

// A fresh, empty directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("nb-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Expects parsing `doc` to throw a SpecError that names `field` (e.g. "params.tau_ms").
inline void expect_spec_error(const nlohmann::ordered_json& doc, const std::string& field) {
  try {
    parse_spec(doc, "test");
    ADD_FAILURE() << "no SpecError for " << doc.dump();
  } catch (const SpecError& e) {
    EXPECT_EQ(e.field(), field) << e.what();
  }
}

// ---- The command line (NB_CLI_PATH) --------------------------------------------------------------------------

struct CliResult {
  int status;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line; its status and output (stdout and stderr together).
inline CliResult shell(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
  const int raw = pclose(pipe);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, out};
}

// Runs `neurobatch ARGS`, optionally behind a wrapper command such as "timeout -s KILL 1".
inline CliResult cli(const std::string& args, const std::string& wrapper = "") {
  return shell(wrapper + (wrapper.empty() ? "" : " ") + std::string(NB_CLI_PATH) + " " + args);
}

inline void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Nothing but spec.json in `tmp`: no output directory, no .partial leftovers.
inline bool dir_is_empty_of_results(const TempDir& tmp) {
  for (const auto& entry : std::filesystem::directory_iterator(tmp.path())) {
    if (entry.path().filename() != "spec.json") return false;
  }
  return true;
}

// Skips the current test (with the reason) when the CUDA backend cannot run here.
#define NB_REQUIRE_CUDA()                                                  \
  do {                                                                     \
    const std::string nb_reason_ = ::nb::cuda_unavailable_reason();        \
    if (!nb_reason_.empty()) GTEST_SKIP() << "no usable GPU: " << nb_reason_; \
  } while (0)

}  // namespace test
}  // namespace nb
