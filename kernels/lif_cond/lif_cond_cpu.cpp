// Conductance-driven LIF on the CPU: the reference backend. OpenMP threads take blocks of kLanes instances; per
// step, `omp simd` over lanes runs the membrane (the same membrane_step as the GPU), then, synapse by synapse,
// the gates of all lanes. Input words are drawn for four steps at a time (one Philox call yields four), the GPU
// draws the same words per step: the values are identical either way.
#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <vector>

#include "kernels/common/cpu_threads.hpp"
#include "kernels/common/random_lanes.hpp"
#include "kernels/lif_cond/lif_cond_kernels.hpp"

namespace nb {
namespace lif_cond {
namespace {

constexpr std::size_t kLanes = 16;

// Block-local copies of one block's per-instance fields (structure of arrays: the lane loops vectorise).
struct Block {
#define NB_FIELD(type, name) type name[kLanes];
  NB_LIF_COND_INPUTS(NB_FIELD)
  NB_LIF_COND_STATE(NB_FIELD)
#undef NB_FIELD
  std::size_t first = 0, lanes = 0;
  // Gates, (K_max, kLanes), and the input words of the current 4-step block, (K_max, 4, kLanes)
  std::vector<float> s_A, s_N, s_G;
  std::vector<std::uint32_t> word_E, word_I;

  Membrane membrane(std::size_t l) const {
    return Membrane{G_L_nS[l], V_L_mV[l], I_pA[l], dt_over_C[l], noise_mV[l], V_reset_mV[l], V_th_mV[l],
                    refractory_steps[l], exponential[l], mg_over_357[l]};
  }
  lif::State lif_state(std::size_t l) const {
    return lif::State{V_mV[l], refractory_left[l], spike_count[l], first_spike_step[l], last_spike_step[l],
                      isi_sq_sum[l]};
  }
  void set_lif_state(std::size_t l, const lif::State& s) {
    V_mV[l] = s.V_mV;
    refractory_left[l] = s.refractory_left;
    spike_count[l] = s.spike_count;
    first_spike_step[l] = s.first_spike_step;
    last_spike_step[l] = s.last_spike_step;
    isi_sq_sum[l] = s.isi_sq_sum_steps2;
  }
  Moments moments(std::size_t l) const {
    return Moments{V_sum[l], V_sq_sum[l], A_sum[l], A_sq_sum[l], N_sum[l], N_sq_sum[l], G_sum[l], G_sq_sum[l]};
  }
  void set_moments(std::size_t l, const Moments& m) {
    V_sum[l] = m.V_sum;
    V_sq_sum[l] = m.V_sq_sum;
    A_sum[l] = m.A_sum;
    A_sq_sum[l] = m.A_sq_sum;
    N_sum[l] = m.N_sum;
    N_sq_sum[l] = m.N_sq_sum;
    G_sum[l] = m.G_sum;
    G_sq_sum[l] = m.G_sq_sum;
  }
};

void load_block(const View& v, std::size_t first, Block& b) {
  b.first = first;
  b.lanes = std::min(kLanes, v.n - first);
  for (std::size_t l = 0; l < kLanes; ++l) {
    const std::size_t i = first + std::min(l, b.lanes - 1);  // padding lanes repeat the last instance
#define NB_LOAD(type, name) b.name[l] = v.name[i];
    NB_LIF_COND_INPUTS(NB_LOAD)
    NB_LIF_COND_STATE(NB_LOAD)
#undef NB_LOAD
  }
  b.s_A.resize(std::size_t(v.K_E_max) * kLanes);
  b.s_N.resize(std::size_t(v.K_E_max) * kLanes);
  b.s_G.resize(std::size_t(v.K_I_max) * kLanes);
  b.word_E.resize(std::size_t(v.K_E_max) * 4 * kLanes);
  b.word_I.resize(std::size_t(v.K_I_max) * 4 * kLanes);
  for (std::size_t k = 0; k < v.K_E_max; ++k) {
    for (std::size_t l = 0; l < kLanes; ++l) {
      const std::size_t at = k * v.n + b.first + std::min(l, b.lanes - 1);
      b.s_A[k * kLanes + l] = v.s_A[at];
      b.s_N[k * kLanes + l] = v.s_N[at];
    }
  }
  for (std::size_t k = 0; k < v.K_I_max; ++k) {
    for (std::size_t l = 0; l < kLanes; ++l) b.s_G[k * kLanes + l] = v.s_G[k * v.n + b.first + std::min(l, b.lanes - 1)];
  }
}

void store_block(const View& v, const Block& b) {
  for (std::size_t l = 0; l < b.lanes; ++l) {
    const std::size_t i = b.first + l;
#define NB_STORE(type, name) v.name[i] = b.name[l];
    NB_LIF_COND_STATE(NB_STORE)
#undef NB_STORE
    for (std::size_t k = 0; k < v.K_E_max; ++k) {
      v.s_A[k * v.n + i] = b.s_A[k * kLanes + l];
      v.s_N[k * v.n + i] = b.s_N[k * kLanes + l];
    }
    for (std::size_t k = 0; k < v.K_I_max; ++k) v.s_G[k * v.n + i] = b.s_G[k * kLanes + l];
  }
}

// Synapse k's words of steps 4 block .. 4 block + 3 for every lane, into out[(j) * kLanes + l]. Drawn into a local
// array first: the vectoriser gives up on stores through the block's heap buffers.
void draw_synapse_words(const View& v, const Block& b, std::uint32_t k, bool inhibitory, std::uint32_t block,
                        std::uint32_t* out) {
  std::uint32_t w4[4][kLanes];
  random_words_lanes(v.seed, b.instance_id, input_source(k, inhibitory, block), w4);
  std::copy(&w4[0][0], &w4[0][0] + 4 * kLanes, out);
}

// Words of steps 4 block .. 4 block + 3 for every synapse and lane.
void draw_words(const View& v, Block& b, std::uint32_t block) {
  for (std::uint32_t k = 0; k < v.K_E_max; ++k) draw_synapse_words(v, b, k, false, block, &b.word_E[k * 4 * kLanes]);
  for (std::uint32_t k = 0; k < v.K_I_max; ++k) draw_synapse_words(v, b, k, true, block, &b.word_I[k * 4 * kLanes]);
}

void advance_gates(const View& v, Block& b, std::uint32_t t) {
  const std::size_t j = t & 3u;
  float sum_A[kLanes] = {}, sum_N[kLanes] = {}, sum_G[kLanes] = {};
  for (std::uint32_t k = 0; k < v.K_E_max; ++k) {
    const std::uint32_t* word = &b.word_E[(k * 4 + j) * kLanes];
    float* a = &b.s_A[k * kLanes];
    float* n = &b.s_N[k * kLanes];
#pragma omp simd
    for (std::size_t l = 0; l < kLanes; ++l) {
      const bool spike = k < b.K_E[l] && word[l] < b.threshold_E[l];
      a[l] = synapse::gate_step(a[l], b.decay_A[l], b.keep_A[l], spike);
      n[l] = synapse::gate_step(n[l], b.decay_N[l], b.keep_N[l], spike);
      sum_A[l] += a[l];
      sum_N[l] += n[l];
    }
  }
  for (std::uint32_t k = 0; k < v.K_I_max; ++k) {
    const std::uint32_t* word = &b.word_I[(k * 4 + j) * kLanes];
    float* g = &b.s_G[k * kLanes];
#pragma omp simd
    for (std::size_t l = 0; l < kLanes; ++l) {
      const bool spike = k < b.K_I[l] && word[l] < b.threshold_I[l];
      g[l] = synapse::gate_step(g[l], b.decay_G[l], b.keep_G[l], spike);
      sum_G[l] += g[l];
    }
  }
#pragma omp simd
  for (std::size_t l = 0; l < kLanes; ++l) {
    b.sum_A[l] = sum_A[l];
    b.sum_N[l] = sum_N[l];
    b.sum_G[l] = sum_G[l];
  }
}

template <bool Noisy, bool Record>
void advance_block(const View& v, Block& b, std::uint32_t step_begin, std::uint32_t step_end) {
  float xi[4][kLanes] = {};
  std::uint32_t spiked[kLanes];  // 32-bit: byte-sized lane arrays make gcc pick more lanes than a block has
  float mg[kLanes];
  for (std::uint32_t t = step_begin; t < step_end; ++t) {
    const bool new_block = t == step_begin || (t & 3u) == 0u;
    if (new_block) draw_words(v, b, t >> 2);
    if (Noisy && new_block) normals4_lanes<ExactMath>(v.seed, b.instance_id, membrane_noise_source(t >> 2), xi);
    const float* xi_t = xi[t & 3u];
#pragma omp simd
    for (std::size_t l = 0; l < kLanes; ++l) {
      lif::State s = b.lif_state(l);
      Moments mo = b.moments(l);
      const Conductances g{b.g_AMPA_nS[l] * b.sum_A[l], b.g_NMDA_nS[l] * b.sum_N[l], b.g_GABA_nS[l] * b.sum_G[l]};
      const bool spike = membrane_step<ExactMath>(s, b.membrane(l), Receptor{b.g_AMPA_nS[l], b.E_AMPA_mV[l]},
                                                  Receptor{b.g_NMDA_nS[l], b.E_NMDA_mV[l]},
                                                  Receptor{b.g_GABA_nS[l], b.E_GABA_mV[l]}, g, xi_t[l], mg[l]);
      lif::tally_spike(s, spike && t + 1u > b.transient_steps[l], t + 1u);  // statistics after the transient
      spiked[l] = spike ? 1u : 0u;
      accumulate(mo, s.V_mV, g, mg[l], t + 1u > b.transient_steps[l]);
      b.set_lif_state(l, s);
      b.set_moments(l, mo);
    }
    if (Record) {
      for (std::size_t l = 0; l < b.lanes; ++l) {
        const Conductances g{b.g_AMPA_nS[l] * b.sum_A[l], b.g_NMDA_nS[l] * b.sum_N[l], b.g_GABA_nS[l] * b.sum_G[l]};
        const bool spike = spiked[l] != 0u;
        record_step(v, b.first + l, b.lif_state(l), g, mg[l], spike, counted_spike(v, b.first + l, spike, t + 1u), t + 1u);
      }
    }
    advance_gates(v, b, t);
  }
}

}  // namespace

void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  if (v.n == 0 || step_begin >= step_end) return;
  if (step_begin == 0 && v.tracing()) {
    for (std::size_t i = 0; i < v.n; ++i) {
      if (v.trace_row[i] >= 0) record_sample(v, i, v.V_mV[i], conductances_at(v, i), 1.0f, 0);  // initial state
    }
  }
  const std::ptrdiff_t n_blocks = static_cast<std::ptrdiff_t>((v.n + kLanes - 1) / kLanes);
  const bool record = v.recording();
#pragma omp parallel num_threads(resolve_threads(threads))
  {
    Block b;  // one per thread, reused across blocks
#pragma omp for schedule(static)
    for (std::ptrdiff_t k = 0; k < n_blocks; ++k) {
      load_block(v, static_cast<std::size_t>(k) * kLanes, b);
      if (v.noisy) {
        record ? advance_block<true, true>(v, b, step_begin, step_end)
               : advance_block<true, false>(v, b, step_begin, step_end);
      } else {
        record ? advance_block<false, true>(v, b, step_begin, step_end)
               : advance_block<false, false>(v, b, step_begin, step_end);
      }
      store_block(v, b);
    }
  }
}

void finalize_cpu(const View& v, double dt_ms, std::uint32_t n_steps, int threads) {
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(v.n);
#pragma omp parallel for schedule(static) num_threads(resolve_threads(threads))
  for (std::ptrdiff_t i = 0; i < n; ++i) finalize_at(v, static_cast<std::size_t>(i), dt_ms, n_steps);
}

}  // namespace lif_cond
}  // namespace nb
