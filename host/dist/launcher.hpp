// Was this process started by an MPI launcher? Answered from the environment alone, so that a build without MPI
// can refuse to run K copies of one run into one directory.
#pragma once

#include <cstdlib>

namespace nb {
namespace dist {

inline bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

}  // namespace dist
}  // namespace nb
