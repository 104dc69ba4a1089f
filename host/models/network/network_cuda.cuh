// The E/I network model's device buffers: the connectivity (either rule) is built on the device
// (kernels/network/network_cuda_exact.cu), after checking that it fits in free memory. Included by
// host/engine/cuda_engines.cu only, which instantiates BufferedEngine<NetworkCudaTraits, CudaBackend>.
#pragma once

#include <algorithm>
#include <string>

#include "host/common/errors.hpp"
#include "host/engine/cuda_backend.cuh"
#include "host/models/network/network_model.hpp"

namespace nb {

// Throws UserError when `bytes` more of device memory are not free.
inline void require_free_device_memory(std::uint64_t synapses, std::uint64_t bytes) {
  std::size_t free_bytes = 0, total_bytes = 0;
  NB_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  if (bytes > free_bytes) {
    throw UserError("network connectivity: " + std::to_string(synapses) + " synapses need " + std::to_string(bytes) +
                    " bytes of device memory; " + std::to_string(free_bytes) +
                    " are free: use fewer or smaller networks per run, or --chunk-instances");
  }
}

struct NetworkDeviceBuffers : NetworkBuffers<thrust::device_vector> {
  // Loaded into fresh buffers (BufferedEngine::load frees the last chunk's first), so the check against free memory
  // below does not count the last chunk's lists as in use.
  void load(NetworkChunk& c) {
    NetworkBuffers<thrust::device_vector>::load(c);  // everything but the lists, which are built here
    if (!c.device_lists) return;
    offsets.resize(c.list_instance.size() * (c.N + 1));
    if (c.fixed_indegree) {
      build_indegree(c);
    } else {
      build_pairwise(c);
    }
  }

  void build_pairwise(const NetworkChunk& c) {
    const thrust::device_vector<std::uint64_t> instance = c.list_instance;
    const thrust::device_vector<float> log_1mp = c.list_log_1mp;
    const thrust::device_vector<std::uint32_t> all = c.list_all;
    network::PairwiseLists lists;
    lists.lists = c.list_instance.size();
    lists.N = c.N;
    lists.key = c.connectivity_key;
    lists.instance = thrust::raw_pointer_cast(instance.data());
    lists.log_1mp = thrust::raw_pointer_cast(log_1mp.data());
    lists.all = thrust::raw_pointer_cast(all.data());
    const std::uint64_t synapses = network::count_pairwise_cuda(lists, thrust::raw_pointer_cast(offsets.data()));
    require_free_device_memory(synapses, synapses * sizeof(std::uint32_t));
    targets.resize(synapses);
    network::fill_pairwise_cuda(lists, thrust::raw_pointer_cast(offsets.data()), thrust::raw_pointer_cast(targets.data()));
  }

  void build_indegree(const NetworkChunk& c) {
    network::IndegreeLists lists;
    lists.lists = c.list_instance.size();
    lists.N = c.N;
    lists.key = c.connectivity_key;
    lists.instance = c.list_instance.data();
    lists.K = c.list_indegree.data();
    std::uint64_t synapses = 0;
    std::uint32_t K_max = 0;
    for (const std::uint32_t K : c.list_indegree) {
      synapses += std::uint64_t(c.N) * K;
      K_max = std::max(K_max, K);
    }
    require_free_device_memory(synapses, synapses * sizeof(std::uint32_t) + network::indegree_scratch_bytes(c.N, K_max));
    targets.resize(synapses);
    network::build_indegree_cuda(lists, thrust::raw_pointer_cast(offsets.data()), thrust::raw_pointer_cast(targets.data()));
  }
};

struct NetworkCudaTraits : NetworkTraits {
  template <template <class> class>
  using Buffers = NetworkDeviceBuffers;
  static constexpr auto assemble = assemble_network_chunk_for_device;
};


}  // namespace nb
