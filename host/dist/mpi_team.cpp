#include "host/dist/mpi_team.hpp"

#include <mpi.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "host/common/errors.hpp"
#include "host/engine/cuda_device.hpp"

namespace nb {
namespace dist {
namespace {

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  throw InternalError(std::string(what) + " failed: " + std::string(text, static_cast<std::size_t>(length)));
}

// The next chunk from a counter in rank 0's memory: each fetch-and-add hands one index to whoever asks. With
// shared memory (one node) the atomic needs nothing from rank 0; between nodes, an RDMA network does the same.
class CounterSchedule final : public ChunkSchedule {
 public:
  CounterSchedule(MPI_Comm comm, int rank, std::uint64_t chunks) : chunks_(chunks) {
    std::uint64_t* base = nullptr;
    check(MPI_Win_allocate(rank == 0 ? sizeof(std::uint64_t) : 0, sizeof(std::uint64_t), MPI_INFO_NULL, comm, &base,
                           &window_),
          "MPI_Win_allocate");
    if (rank == 0) {
      check(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, window_), "MPI_Win_lock");
      *base = 0;
      check(MPI_Win_unlock(0, window_), "MPI_Win_unlock");
    }
    check(MPI_Barrier(comm), "MPI_Barrier");  // nobody takes a chunk before the counter is 0
  }
  ~CounterSchedule() override { MPI_Win_free(&window_); }  // collective: every rank ends its schedule

  std::optional<std::uint64_t> next() override {
    const std::uint64_t taken = fetch_and_add(1);
    if (taken >= chunks_) return std::nullopt;
    return taken;
  }
  // Moves the counter past the last chunk: every rank finishes its chunk in progress and takes no other.
  void stop() override { fetch_and_add(chunks_); }

 private:
  std::uint64_t fetch_and_add(std::uint64_t add) {
    std::uint64_t taken = 0;
    check(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, window_), "MPI_Win_lock");
    check(MPI_Fetch_and_op(&add, &taken, MPI_UINT64_T, 0, 0, MPI_SUM, window_), "MPI_Fetch_and_op");
    check(MPI_Win_unlock(0, window_), "MPI_Win_unlock");
    return taken;
  }

  std::uint64_t chunks_;
  MPI_Win window_ = MPI_WIN_NULL;
};

class MpiTeam final : public api::Team {
 public:
  MpiTeam() {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      int provided = 0;
      check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      owns_mpi_ = true;
    }
    // Errors come back as codes (checked), not as an abort of every rank without a message.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm node;
    check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node), "MPI_Comm_split_type");
    MPI_Comm_rank(node, &local_rank_);
    MPI_Comm_size(node, &local_size_);
    MPI_Comm_free(&node);
    select_cuda_device(local_rank_);
  }
  ~MpiTeam() override {
    if (owns_mpi_) MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_size() const { return local_size_; }
  bool all(bool mine) override {
    int in = mine ? 1 : 0, out = 0;
    check(MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD), "MPI_Allreduce");
    return out != 0;
  }
  std::unique_ptr<ChunkSchedule> schedule(std::uint64_t chunks) override {
    return std::make_unique<CounterSchedule>(MPI_COMM_WORLD, rank_, chunks);
  }
  std::string describe() const override { return std::to_string(size_) + " MPI ranks"; }

 private:
  bool owns_mpi_ = false;
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
};

}  // namespace

api::Team& world_team() {
  static MpiTeam team;  // MPI may be initialised once per process: every run of the process shares it
  return team;
}

int default_rank_threads(const api::Team& team) {
  const long cores = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
  cpu_set_t mask;
  CPU_ZERO(&mask);
  const int bound = ::sched_getaffinity(0, sizeof mask, &mask) == 0 ? CPU_COUNT(&mask) : int(cores);
  if (bound < cores) return std::max(1, bound);  // the launcher bound the rank: its cores are its own
  const int local = static_cast<const MpiTeam&>(team).local_size();
  return std::max(1, static_cast<int>(cores / std::max(1, local)));
}

}  // namespace dist
}  // namespace nb
