// A run spread over MPI ranks (`mpirun -np K neurobatch run SPEC --out DIR`): the api::Team of MPI_COMM_WORLD.
// Chunks are handed out one at a time by an atomic counter on rank 0 (MPI_Fetch_and_op on a one-sided window), so
// that a rank asks for the next chunk when it has finished its last, and cheap and expensive chunks balance. Built
// only where CMake finds MPI (NB_HAVE_MPI); the rest of NeuroBatch knows the Team interface alone.
#pragma once

#include <memory>

#include "host/api/neurobatch.hpp"
#include "host/dist/launcher.hpp"  // launched_by_mpi(): only then is MPI initialised

namespace nb {
namespace dist {

// MPI_COMM_WORLD as a Team, one per process: the first call initialises MPI (unless someone, mpi4py for one, has)
// and makes the rank's GPU device (local rank modulo the visible devices) current; MPI is finalised at exit where
// this initialised it.
api::Team& world_team();

// The CPU threads a rank should use by default: the cores it is bound to, or where it is not bound, its share of
// the node's cores (the cores over the ranks on the node).
int default_rank_threads(const api::Team& team);

}  // namespace dist
}  // namespace nb
