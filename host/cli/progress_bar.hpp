// The CLI's progress bar with an ETA on stderr, only when stderr is a terminal (never in logs or pipes): one user
// of the runner's progress callback (RunOptions::on_progress).
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "host/engine/progress.hpp"

namespace nb {

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled)
      : enabled_(enabled && isatty(STDERR_FILENO) == 1), last_print_(std::chrono::steady_clock::now()) {}
  bool enabled() const { return enabled_; }

  // Redraws at most every 200 ms, and at the end; never asks the run to stop.
  bool operator()(const Progress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (!enabled_) return true;
    if (now - last_print_ < std::chrono::milliseconds(200) && p.work_done < p.work_total) return true;
    last_print_ = now;
    const double fraction = p.fraction();
    const int width = 30;
    const int filled = static_cast<int>(fraction * width);
    std::fprintf(stderr, "\r[%.*s%*s] %5.1f%%  elapsed %.0f s  ETA %.0f s ", filled,
                 "##############################", width - filled, "", 100.0 * fraction, p.elapsed_s, p.eta_s());
    std::fflush(stderr);
    return true;
  }

  void finish() const {  // clears the line
    if (!enabled_) return;
    std::fprintf(stderr, "\r%*s\r", 80, "");
    std::fflush(stderr);
  }

 private:
  bool enabled_;
  std::chrono::steady_clock::time_point last_print_;
};

}  // namespace nb
