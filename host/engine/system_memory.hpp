// The host's physical memory, for sizing chunks (runner.cpp) and for refusing requests no machine part could hold
// (spec.cpp): checked before allocating, because Linux overcommits and a too-large vector may only fail when
// touched, by the OOM killer instead of an error.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <fstream>
#include <string>

namespace nb {

inline std::size_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? std::size_t(pages) * std::size_t(page) : std::size_t(8) << 30;
}

// This process's peak resident memory so far (Linux's VmHWM), or 0 where /proc does not say. Per address space,
// so a process started by another does not inherit its parent's peak (getrusage's ru_maxrss can).
inline std::size_t peak_resident_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::size_t(std::stoull(line.substr(6))) * 1024u;  // "VmHWM: 1234 kB"
  }
  return 0;
}

}  // namespace nb
