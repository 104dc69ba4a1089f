// Progress with an ETA on stderr, only when stderr is a terminal (never in logs or pipes).
#pragma once

#include <chrono>
#include <cstdint>

namespace nb {

class Progress {
 public:
  Progress(double total_work, bool enabled);  // enabled is further restricted to a terminal stderr
  void add(double work);
  void finish();  // clears the line

 private:
  double total_, done_ = 0;
  bool enabled_;
  std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace nb
