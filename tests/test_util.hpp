// Shared helpers for the test suite.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>

#include "host/cuda_device.hpp"
#include "host/runner.hpp"
#include "host/spec.hpp"

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

// Skips the current test (with the reason) when the CUDA backend cannot run here.
#define NB_REQUIRE_CUDA()                                                  \
  do {                                                                     \
    const std::string nb_reason_ = ::nb::cuda_unavailable_reason();        \
    if (!nb_reason_.empty()) GTEST_SKIP() << "no usable GPU: " << nb_reason_; \
  } while (0)

}  // namespace test
}  // namespace nb
