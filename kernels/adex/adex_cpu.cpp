// AdEx on the CPU: the reference backend.
//
// Mapping as in the LIF (kernels/lif/lif_cpu.cpp): OpenMP threads take blocks of kLanes consecutive instances;
// inside a block the time loop is outermost and the lanes innermost, so `omp simd` turns membrane_step into vector
// code. Spikes are rare, so their statistics (spike_at) and the recording run in a scalar loop over the lanes that
// spiked, as the GPU runs them under `if (spiked)`. Results do not depend on the thread count: instances never
// interact.
#include <algorithm>
#include <cstddef>

#include <omp.h>

#include "kernels/adex/adex_kernels.hpp"
#include "kernels/common/cpu_threads.hpp"
#include "kernels/common/random_lanes.hpp"

namespace nb {
namespace adex {
namespace {

constexpr std::size_t kLanes = 16;

// One block of lanes, structure of arrays (gcc vectorises only unit-stride loads from plain arrays).
struct Block {
  float dt_over_C[kLanes], g_L_nS[kLanes], g_L_Delta_T[kLanes], E_L_mV[kLanes], V_T_mV[kLanes],
      inv_Delta_T[kLanes], x_cap[kLanes], a_nS[kLanes], k_w[kLanes], b_pA[kLanes], V_r_mV[kLanes],
      V_peak_mV[kLanes], noise_mV[kLanes];
  std::uint32_t refractory_steps[kLanes];
  std::uint32_t I0_begin[kLanes], I0_end[kLanes], I1_begin[kLanes], I1_end[kLanes], I2_begin[kLanes],
      I2_end[kLanes], I3_begin[kLanes], I3_end[kLanes];
  float I0_pA[kLanes], I1_pA[kLanes], I2_pA[kLanes], I3_pA[kLanes];
  float V_mV[kLanes], w_pA[kLanes];
  double w_sum_pA[kLanes];
  std::uint32_t refractory_left[kLanes], spike_count[kLanes], first_spike_step[kLanes], last_spike_step[kLanes];
  SpikeStats stats[kLanes];  // touched at spikes only
  std::uint64_t id[kLanes];
  std::size_t first;  // index of lane 0 in the chunk
  std::size_t lanes;  // valid lanes (the last block may be partial)

  Coefficients coefficients(std::size_t l) const {
    return Coefficients{dt_over_C[l], g_L_nS[l], g_L_Delta_T[l], E_L_mV[l], V_T_mV[l], inv_Delta_T[l], x_cap[l],
                        a_nS[l],      k_w[l],    b_pA[l],        V_r_mV[l], V_peak_mV[l], noise_mV[l],
                        refractory_steps[l]};
  }
  State state(std::size_t l) const {
    return State{V_mV[l], w_pA[l], w_sum_pA[l], refractory_left[l], spike_count[l], first_spike_step[l],
                 last_spike_step[l]};
  }
  // What the membrane step changes.
  void set_membrane(std::size_t l, const State& s) {
    V_mV[l] = s.V_mV;
    w_pA[l] = s.w_pA;
    w_sum_pA[l] = s.w_sum_pA;
    refractory_left[l] = s.refractory_left;
  }
  void set_state(std::size_t l, const State& s) {
    set_membrane(l, s);
    spike_count[l] = s.spike_count;
    first_spike_step[l] = s.first_spike_step;
    last_spike_step[l] = s.last_spike_step;
  }
};

Block load_block(const View& v, std::size_t first) {
  Block b;
  b.first = first;
  b.lanes = std::min(kLanes, v.n - first);
  for (std::size_t l = 0; l < kLanes; ++l) {
    // Padding lanes replicate the last valid instance; they are computed and never stored.
    const std::size_t i = first + std::min(l, b.lanes - 1);
    const Coefficients c = coefficients_at(v, i);
    b.dt_over_C[l] = c.dt_over_C;
    b.g_L_nS[l] = c.g_L_nS;
    b.g_L_Delta_T[l] = c.g_L_Delta_T;
    b.E_L_mV[l] = c.E_L_mV;
    b.V_T_mV[l] = c.V_T_mV;
    b.inv_Delta_T[l] = c.inv_Delta_T;
    b.x_cap[l] = c.x_cap;
    b.a_nS[l] = c.a_nS;
    b.k_w[l] = c.k_w;
    b.b_pA[l] = c.b_pA;
    b.V_r_mV[l] = c.V_r_mV;
    b.V_peak_mV[l] = c.V_peak_mV;
    b.noise_mV[l] = c.noise_mV;
    b.refractory_steps[l] = c.refractory_steps;
    b.I0_begin[l] = v.I0_begin[i];
    b.I0_end[l] = v.I0_end[i];
    b.I0_pA[l] = v.I0_pA[i];
    b.I1_begin[l] = v.I1_begin[i];
    b.I1_end[l] = v.I1_end[i];
    b.I1_pA[l] = v.I1_pA[i];
    b.I2_begin[l] = v.I2_begin[i];
    b.I2_end[l] = v.I2_end[i];
    b.I2_pA[l] = v.I2_pA[i];
    b.I3_begin[l] = v.I3_begin[i];
    b.I3_end[l] = v.I3_end[i];
    b.I3_pA[l] = v.I3_pA[i];
    b.set_state(l, state_at(v, i));
    b.stats[l] = stats_at(v, i);
    b.id[l] = v.instance_id[i];
  }
  return b;
}

void store_block(const View& v, const Block& b) {
  for (std::size_t l = 0; l < b.lanes; ++l) {
    store_state(v, b.first + l, b.state(l));
    store_stats(v, b.first + l, b.stats[l]);
  }
}

template <bool Noisy, bool Record, bool Exponential>
void advance_block(const View& v, Block& b, std::uint32_t step_begin, std::uint32_t step_end) {
  float xi[4][kLanes] = {};
  bool spiked[kLanes];
  for (std::uint32_t t = step_begin; t < step_end; ++t) {
    if (Noisy && (t == step_begin || (t & 3u) == 0u)) {
      normals4_lanes<ExactMath>(v.seed, b.id, membrane_noise_source(t), xi);
    }
    const float* xi_t = xi[t & 3u];
    int any = 0;
#pragma omp simd reduction(| : any)
    for (std::size_t l = 0; l < kLanes; ++l) {
      const float I = ((slot_current(t, b.I0_begin[l], b.I0_end[l], b.I0_pA[l]) +
                        slot_current(t, b.I1_begin[l], b.I1_end[l], b.I1_pA[l])) +
                       slot_current(t, b.I2_begin[l], b.I2_end[l], b.I2_pA[l])) +
                      slot_current(t, b.I3_begin[l], b.I3_end[l], b.I3_pA[l]);
      State s = b.state(l);
      const bool spike = membrane_step<ExactMath, Exponential>(s, b.coefficients(l), I, xi_t[l]);
      accumulate_w(s);
      b.set_membrane(l, s);
      spiked[l] = spike;
      any |= spike ? 1 : 0;
    }
    if (any != 0) {
      for (std::size_t l = 0; l < b.lanes; ++l) {
        if (!spiked[l]) continue;
        State s = b.state(l);
        spike_at(v, b.first + l, s, b.stats[l], t + 1u);
        b.set_state(l, s);
      }
    }
    if (Record) {
      for (std::size_t l = 0; l < b.lanes; ++l) record_step(v, b.first + l, b.state(l), spiked[l], t + 1u);
    }
  }
}

template <bool Noisy, bool Record, bool Exponential>
void advance_all(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  const std::ptrdiff_t n_blocks = static_cast<std::ptrdiff_t>((v.n + kLanes - 1) / kLanes);
#pragma omp parallel for schedule(static) num_threads(threads)
  for (std::ptrdiff_t k = 0; k < n_blocks; ++k) {
    Block b = load_block(v, static_cast<std::size_t>(k) * kLanes);
    advance_block<Noisy, Record, Exponential>(v, b, step_begin, step_end);
    store_block(v, b);
  }
}

template <bool Exponential>
void advance_scheme(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int t) {
  if (v.noisy) {
    v.recording() ? advance_all<true, true, Exponential>(v, step_begin, step_end, t)
                  : advance_all<true, false, Exponential>(v, step_begin, step_end, t);
  } else {
    v.recording() ? advance_all<false, true, Exponential>(v, step_begin, step_end, t)
                  : advance_all<false, false, Exponential>(v, step_begin, step_end, t);
  }
}

}  // namespace

void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  if (v.n == 0 || step_begin >= step_end) return;
  const int t = resolve_threads(threads);
  if (step_begin == 0) {
    for (std::size_t i = 0; i < v.n; ++i) record_initial(v, i);  // sample 0 is the initial state
  }
  v.exponential ? advance_scheme<true>(v, step_begin, step_end, t) : advance_scheme<false>(v, step_begin, step_end, t);
}

void finalize_cpu(const View& v, double dt_ms, std::uint32_t n_steps, int threads) {
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(v.n);
#pragma omp parallel for schedule(static) num_threads(resolve_threads(threads))
  for (std::ptrdiff_t i = 0; i < n; ++i) finalize_at(v, static_cast<std::size_t>(i), dt_ms, n_steps);
}

}  // namespace adex
}  // namespace nb
