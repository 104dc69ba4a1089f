// Synapse ensembles on the CPU: the reference backend. Same mapping as the LIF kernel (kernels/lif/lif_cpu.cpp):
// OpenMP threads over blocks of kLanes instances, time loop outside, `omp simd` over lanes, block state in small
// structure-of-arrays so the loads vectorise.
#include <omp.h>

#include <algorithm>
#include <cstddef>

#include "kernels/common/cpu_threads.hpp"
#include "kernels/common/random_lanes.hpp"
#include "kernels/synapse/synapse_kernels.hpp"

namespace nb {
namespace synapse {
namespace {

constexpr std::size_t kLanes = 16;

struct Block {
  // Coefficients
  float decay[kLanes], keep[kLanes];
  std::uint32_t train[kLanes], poisson_threshold[kLanes], transient_steps[kLanes];
  std::uint64_t phase_increment[kLanes];
  float pre_V_inf_mV[kLanes], pre_decay[kLanes], pre_noise_mV[kLanes], pre_V_reset_mV[kLanes], pre_V_th_mV[kLanes];
  std::uint32_t pre_refractory_steps[kLanes];
  // State
  float s[kLanes], s_peak[kLanes], pre_V_mV[kLanes];
  std::uint64_t phase[kLanes];
  double s_sum[kLanes], s_sq_sum[kLanes];
  std::uint32_t pre_refractory_left[kLanes], pre_spike_count[kLanes], pre_first[kLanes], pre_last[kLanes];
  std::uint64_t pre_isi_sq[kLanes];
  std::uint64_t id[kLanes];
  std::size_t first, lanes;

  Coefficients coefficients(std::size_t l) const {
    return Coefficients{decay[l],
                        keep[l],
                        train[l],
                        phase_increment[l],
                        poisson_threshold[l],
                        lif::Coefficients{pre_V_inf_mV[l], pre_decay[l], pre_noise_mV[l], pre_V_reset_mV[l],
                                          pre_V_th_mV[l], pre_refractory_steps[l]},
                        transient_steps[l]};
  }
  void set_coefficients(std::size_t l, const Coefficients& c) {
    decay[l] = c.decay;
    keep[l] = c.keep;
    train[l] = c.train;
    phase_increment[l] = c.phase_increment;
    poisson_threshold[l] = c.poisson_threshold;
    pre_V_inf_mV[l] = c.pre.V_inf_mV;
    pre_decay[l] = c.pre.decay;
    pre_noise_mV[l] = c.pre.noise_mV;
    pre_V_reset_mV[l] = c.pre.V_reset_mV;
    pre_V_th_mV[l] = c.pre.V_th_mV;
    pre_refractory_steps[l] = c.pre.refractory_steps;
    transient_steps[l] = c.transient_steps;
  }
  State state(std::size_t l) const { return State{s[l], s_peak[l], phase[l], s_sum[l], s_sq_sum[l]}; }
  lif::State pre_state(std::size_t l) const {
    return lif::State{pre_V_mV[l], pre_refractory_left[l], pre_spike_count[l], pre_first[l], pre_last[l], pre_isi_sq[l]};
  }
  void set_state(std::size_t l, const State& st, const lif::State& pre) {
    s[l] = st.s;
    s_peak[l] = st.s_peak;
    phase[l] = st.phase;
    s_sum[l] = st.s_sum;
    s_sq_sum[l] = st.s_sq_sum;
    pre_V_mV[l] = pre.V_mV;
    pre_refractory_left[l] = pre.refractory_left;
    pre_spike_count[l] = pre.spike_count;
    pre_first[l] = pre.first_spike_step;
    pre_last[l] = pre.last_spike_step;
    pre_isi_sq[l] = pre.isi_sq_sum_steps2;
  }
};

Block load_block(const View& v, std::size_t first) {
  Block b;
  b.first = first;
  b.lanes = std::min(kLanes, v.n - first);
  for (std::size_t l = 0; l < kLanes; ++l) {
    const std::size_t i = first + std::min(l, b.lanes - 1);  // padding lanes repeat the last instance
    b.set_coefficients(l, coefficients_at(v, i));
    b.set_state(l, state_at(v, i), pre_state_at(v, i));
    b.id[l] = v.instance_id[i];
  }
  return b;
}

// The lanes' step. Blocks whose lanes share a train use the specialised presynaptic step (vectorises); mixed
// blocks (a train sweep boundary) use the generic one. Both compute the same values.
// `spiked` is 32-bit, not bool: with byte-sized elements gcc picks 64 lanes per vector, more than the block has.
template <int T>
void step_lanes(Block& b, const std::uint32_t* word, const float* xi, std::uint32_t t_after, std::uint32_t* spiked) {
#pragma omp simd
  for (std::size_t l = 0; l < kLanes; ++l) {
    State st = b.state(l);
    lif::State pre = b.pre_state(l);
    const Coefficients c = b.coefficients(l);
    const bool spike = T < 0 ? presynaptic_spike(st, pre, c, word[l], xi[l])
                             : presynaptic_spike_of<static_cast<Train>(T < 0 ? 0 : T)>(st, pre, c, word[l], xi[l]);
    finish_step(st, pre, c, spike, t_after);
    spiked[l] = spike ? 1u : 0u;
    b.set_state(l, st, pre);
  }
}

// -1 when the block's lanes have different trains.
int common_train(const Block& b) {
  for (std::size_t l = 1; l < kLanes; ++l) {
    if (b.train[l] != b.train[0]) return -1;
  }
  return static_cast<int>(b.train[0]);
}

template <bool Record, int T>
void advance_block(const View& v, Block& b, std::uint32_t step_begin, std::uint32_t step_end) {
  std::uint32_t words[4][kLanes] = {};
  float xi[4][kLanes] = {};
  std::uint32_t spiked[kLanes];
  const bool need_words = T == kPoisson || (T < 0 && v.any_poisson);
  const bool need_noise = T == kLif || (T < 0 && v.any_lif);
  for (std::uint32_t t = step_begin; t < step_end; ++t) {
    const bool new_block = t == step_begin || (t & 3u) == 0u;
    if (need_words && new_block) random_words_lanes(v.seed, b.id, poisson_source(t >> 2), words);
    if (need_noise && new_block) normals4_lanes<ExactMath>(v.seed, b.id, pre_noise_source(t >> 2), xi);
    step_lanes<T>(b, words[t & 3u], xi[t & 3u], t + 1u, spiked);
    if (Record) {
      for (std::size_t l = 0; l < b.lanes; ++l) {
        record_step(v, b.first + l, b.state(l), b.pre_state(l), spiked[l] != 0u, t + 1u);
      }
    }
  }
}

template <bool Record>
void advance_block(const View& v, Block& b, std::uint32_t step_begin, std::uint32_t step_end) {
  switch (common_train(b)) {
    case kPeriodic: return advance_block<Record, kPeriodic>(v, b, step_begin, step_end);
    case kPoisson: return advance_block<Record, kPoisson>(v, b, step_begin, step_end);
    case kLif: return advance_block<Record, kLif>(v, b, step_begin, step_end);
    default: return advance_block<Record, -1>(v, b, step_begin, step_end);
  }
}

}  // namespace

void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  if (v.n == 0 || step_begin >= step_end) return;
  if (step_begin == 0 && v.trace_row != nullptr) {
    for (std::size_t i = 0; i < v.n; ++i) {
      if (v.trace_row[i] >= 0) record_sample(v, i, v.s[i], v.pre_V_mV[i], 0);  // sample 0: the initial state
    }
  }
  const std::ptrdiff_t n_blocks = static_cast<std::ptrdiff_t>((v.n + kLanes - 1) / kLanes);
  const bool record = v.recording();
#pragma omp parallel for schedule(static) num_threads(resolve_threads(threads))
  for (std::ptrdiff_t k = 0; k < n_blocks; ++k) {
    Block b = load_block(v, static_cast<std::size_t>(k) * kLanes);
    record ? advance_block<true>(v, b, step_begin, step_end) : advance_block<false>(v, b, step_begin, step_end);
    for (std::size_t l = 0; l < b.lanes; ++l) store_state(v, b.first + l, b.state(l), b.pre_state(l));
  }
}

void finalize_cpu(const View& v, double dt_ms, std::uint32_t n_steps, int threads) {
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(v.n);
#pragma omp parallel for schedule(static) num_threads(resolve_threads(threads))
  for (std::ptrdiff_t i = 0; i < n; ++i) finalize_at(v, static_cast<std::size_t>(i), dt_ms, n_steps);
}

}  // namespace synapse
}  // namespace nb
