// CPU backends only: the thread count of an OpenMP loop.
#pragma once

#include <omp.h>

namespace nb {

// The requested count, or all of OpenMP's threads for 0 (EngineConfig::threads, --threads).
inline int resolve_threads(int threads) { return threads > 0 ? threads : omp_get_max_threads(); }

}  // namespace nb
