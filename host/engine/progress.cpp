#include "host/engine/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace nb {

Progress::Progress(double total_work, bool enabled)
    : total_(total_work),
      enabled_(enabled && isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

void Progress::add(double work) {
  done_ += work;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_print_ < std::chrono::milliseconds(200) && done_ < total_) return;
  last_print_ = now;
  const double elapsed_s = std::chrono::duration<double>(now - start_).count();
  const double fraction = total_ > 0 ? done_ / total_ : 1.0;
  const double eta_s = fraction > 0 ? elapsed_s * (1.0 - fraction) / fraction : 0.0;
  const int width = 30;
  const int filled = static_cast<int>(fraction * width);
  std::fprintf(stderr, "\r[%.*s%*s] %5.1f%%  elapsed %.0f s  ETA %.0f s ", filled,
               "##############################", width - filled, "", 100.0 * fraction, elapsed_s, eta_s);
  std::fflush(stderr);
}

void Progress::finish() {
  if (!enabled_) return;
  std::fprintf(stderr, "\r%*s\r", 80, "");
  std::fflush(stderr);
}

}  // namespace nb
