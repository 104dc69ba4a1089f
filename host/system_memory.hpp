// The host's physical memory, for sizing chunks (runner.cpp) and for refusing requests no machine part could hold
// (spec.cpp): checked before allocating, because Linux overcommits and a too-large vector may only fail when
// touched, by the OOM killer instead of an error.
#pragma once

#include <unistd.h>

#include <cstddef>

namespace nb {

inline std::size_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? std::size_t(pages) * std::size_t(page) : std::size_t(8) << 30;
}

}  // namespace nb
