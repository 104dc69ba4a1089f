// Ring model on the CPU: the reference backend. Two layouts, the same bits (each ring's sums in the GPU warp's
// order, kernels/ring/ring.hpp):
// - rings in the vector lanes (advance_batches, the usual one): OpenMP threads take batches of kBatch rings, each
//   ring one element of every vector;
// - one ring at a time (advance_all, for chunks of few wide rings): threads take whole rings; inside a ring the 32
//   lanes of the fixed reduction are the elements of 32-wide arrays, so `omp simd` runs them as vector code.
#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include "kernels/common/cpu_threads.hpp"
#include "kernels/ring/ring_kernels.hpp"

namespace nb {
namespace ring {
namespace {

// The lanes' accumulators of one pass over a ring.
struct Partials {
  float moment[kMoments][kWarp];
  float r_max[kWarp], step_max[kWarp];

  void clear() {
    for (int m = 0; m < kMoments; ++m) {
      for (unsigned l = 0; l < kWarp; ++l) moment[m][l] = 0.0f;
    }
    for (unsigned l = 0; l < kWarp; ++l) r_max[l] = step_max[l] = 0.0f;
  }
  // Moments (mean over N) by the fixed tree, and the maxima (order-free).
  void reduce(std::uint32_t N, float* M, float& r_max_out, float& step_max_out) {
    for (int m = 0; m < kMoments; ++m) M[m] = tree_sum(moment[m]) / static_cast<float>(N);
    float a = r_max[0], b = step_max[0];
    for (unsigned l = 1; l < kWarp; ++l) {
      a = r_max[l] > a ? r_max[l] : a;
      b = step_max[l] > b ? step_max[l] : b;
    }
    r_max_out = a;
    step_max_out = b;
  }
};

template <int Modes>
NB_HD void accumulate(Partials& P, unsigned l, const float* bc, const float* bs, float r) {
  P.moment[0][l] += r;
  for (int m = 0; m < Modes; ++m) {
    P.moment[1 + 2 * m][l] += r * bc[m];
    P.moment[2 + 2 * m][l] += r * bs[m];
  }
  P.r_max[l] = r > P.r_max[l] ? r : P.r_max[l];
}

// Moments of the current profile (the pass before step 0).
template <int Modes>
void initial_moments(const View& v, const float* r, float* M, float& r_max) {
  Partials P;
  P.clear();
  const std::uint32_t quads = (v.N + kQuad - 1) / kQuad;
  for (std::uint32_t first = 0; first < quads; first += kWarp) {
    for (unsigned l = 0; l < kWarp; ++l) {
      for (unsigned t = 0; t < kQuad; ++t) {
        const std::uint32_t j = (first + l) * kQuad + t;
        if (first + l >= quads || j >= v.N) continue;
        float bc[kMaxModes], bs[kMaxModes];
        for (int m = 0; m < Modes; ++m) {
          bc[m] = v.basis[(2 * m) * v.N + j];
          bs[m] = v.basis[(2 * m + 1) * v.N + j];
        }
        accumulate<Modes>(P, l, bc, bs, r[j]);
      }
    }
  }
  float unused;
  P.reduce(v.N, M, r_max, unused);
}

// One neuron of lane l: update, accumulate, track the largest change. `basis` holds the 2 Modes basis rows of the
// neurons, `stride` apart. `live` is 1, or 0 for a padding neuron past the ring's end in the last round: its rate is
// finite and not negative (the drive is finite until a ring runs away, and then it stops), so its contributions
// become +0, which leave every partial and maximum as they are (partials start at +0, and a sum is -0 only where
// both terms are). A product rather than a select: gcc found no vector type for a boolean mask here.
template <int Modes>
NB_HD void update_neuron(const float* basis, std::size_t stride, const Coefficients& c, const Drive& d, float* r,
                         std::uint32_t j, unsigned l, float noise, Partials& P, float live = 1.0f) {
  float bc[kMaxModes], bs[kMaxModes];
  for (int m = 0; m < Modes; ++m) {
    bc[m] = basis[(2 * m) * stride + j];
    bs[m] = basis[(2 * m + 1) * stride + j];
  }
  const float before = r[j];
  const float after = neuron_step<Modes>(c, d, bc, bs, before, noise);
  r[j] = after;
  accumulate<Modes>(P, l, bc, bs, after * live);
  const float change = (after > before ? after - before : before - after) * live;
  P.step_max[l] = change > P.step_max[l] ? change : P.step_max[l];
}

// The last round of a ring whose quads do not fill the 32 lanes (every ring of N < 128, and the rest of larger
// ones): its neurons and basis copied into zero-padded 32-lane buffers, so that the round runs as vector code like
// the full ones, the padding neurons past the ring's end weighted 0 (update_neuron). Each lane still adds its
// quad's neurons in increasing j: the bits are those of the scalar loop it replaces, and of the GPU.
struct Tail {
  std::uint32_t first_quad = 0, neurons = 0;  // the round's first quad and its neurons (0: no partial round)
  float basis[2 * kMaxModes][kWarp * kQuad];
  float r[kWarp * kQuad];
  float live[kQuad][kWarp];  // 1 where lane l's neuron t exists, 0 for padding

  Tail(const View& v, int modes) {
    // The full rounds take whole quads only: with N = 125 .. 127 (mod 128) the 32nd quad of the last round is
    // short, so that round is the Tail's (it once ran in place, past the ring's end).
    const std::uint32_t whole_quads = v.N / kQuad;
    first_quad = whole_quads / kWarp * kWarp;
    neurons = v.N - first_quad * kQuad;
    for (int row = 0; row < 2 * modes; ++row) {
      for (std::uint32_t k = 0; k < kWarp * kQuad; ++k) {
        basis[row][k] = k < neurons ? v.basis[row * v.N + first_quad * kQuad + k] : 0.0f;
      }
    }
    for (float& x : r) x = 0.0f;
    for (unsigned t = 0; t < kQuad; ++t) {
      for (unsigned l = 0; l < kWarp; ++l) live[t][l] = l * kQuad + t < neurons ? 1.0f : 0.0f;
    }
  }
};

// Four normals per lane, scaled by the noise amplitude: lane l gets quad first + l's.
template <bool Noisy>
void lane_noise(const View& v, const Coefficients& c, std::uint64_t id, std::uint32_t first, std::uint32_t n,
                float (&z)[kQuad][kWarp]) {
  if (!Noisy) return;
#pragma omp simd
  for (unsigned l = 0; l < kWarp; ++l) {
    const Normals4 q = quad_noise<ExactMath>(v.seed, id, first + l, n);
    z[0][l] = c.noise_Hz * q.z[0];
    z[1][l] = c.noise_Hz * q.z[1];
    z[2][l] = c.noise_Hz * q.z[2];
    z[3][l] = c.noise_Hz * q.z[3];
  }
}

// One step of one ring as vector code over the 32 lanes, each lane its quad's 4 neurons in increasing j (the warp's
// order; the 4 stride-4 accesses form groups the compiler interleaves): full rounds of 32 whole quads in place,
// then the partial round through the Tail's buffers.
template <int Modes, bool Noisy>
void ring_step(const View& v, const Coefficients& c, const Drive& d, float* r, Tail& tail, std::uint64_t id,
               std::uint32_t n, Partials& P) {
  float z[kQuad][kWarp] = {};
  for (std::uint32_t first = 0; first < tail.first_quad; first += kWarp) {
    lane_noise<Noisy>(v, c, id, first, n, z);
#pragma omp simd
    for (unsigned l = 0; l < kWarp; ++l) {
      const std::uint32_t j = (first + l) * kQuad;
      update_neuron<Modes>(v.basis, v.N, c, d, r, j, l, z[0][l], P);
      update_neuron<Modes>(v.basis, v.N, c, d, r, j + 1, l, z[1][l], P);
      update_neuron<Modes>(v.basis, v.N, c, d, r, j + 2, l, z[2][l], P);
      update_neuron<Modes>(v.basis, v.N, c, d, r, j + 3, l, z[3][l], P);
    }
  }
  if (tail.neurons == 0) return;
  float* ring_tail = r + tail.first_quad * kQuad;
  std::copy(ring_tail, ring_tail + tail.neurons, tail.r);
  lane_noise<Noisy>(v, c, id, tail.first_quad, n, z);
  const float* basis = &tail.basis[0][0];
#pragma omp simd
  for (unsigned l = 0; l < kWarp; ++l) {
    const std::uint32_t j = l * kQuad;
    update_neuron<Modes>(basis, kWarp * kQuad, c, d, tail.r, j, l, z[0][l], P, tail.live[0][l]);
    update_neuron<Modes>(basis, kWarp * kQuad, c, d, tail.r, j + 1, l, z[1][l], P, tail.live[1][l]);
    update_neuron<Modes>(basis, kWarp * kQuad, c, d, tail.r, j + 2, l, z[2][l], P, tail.live[2][l]);
    update_neuron<Modes>(basis, kWarp * kQuad, c, d, tail.r, j + 3, l, z[3][l], P, tail.live[3][l]);
  }
  std::copy(tail.r, tail.r + tail.neurons, ring_tail);
}

template <int Modes>
void advance_ring(const View& v, std::size_t i, std::uint32_t step_begin, std::uint32_t step_end) {
  const Coefficients c = coefficients_at(v, i);
  float* r = v.r_Hz + i * v.N;
  float M[kMoments];
  load_moments(v, i, M);
  float r_max = v.r_max[i];
  if (step_begin == 0) initial_moments<Modes>(v, r, M, r_max);
  std::uint32_t diverged = v.diverged_step[i], moving = v.last_moving_step[i];
  const std::uint64_t id = v.instance_id[i];
  Tail tail(v, Modes);
  Partials P;
  for (std::uint32_t n = step_begin; n < step_end; ++n) {
    if (traced(v, i, n)) record_sample(v, i, M, r_max, r, n);
    if (diverged != 0u) continue;  // frozen where it ran away
    const Drive d = drive_from(c, M);
    P.clear();
    if (c.noise_Hz != 0.0f) {
      ring_step<Modes, true>(v, c, d, r, tail, id, n, P);
    } else {
      ring_step<Modes, false>(v, c, d, r, tail, id, n, P);
    }
    float step_max;
    P.reduce(v.N, M, r_max, step_max);
    moving = step_max > c.converge_step_Hz ? n + 1u : moving;
    diverged = runs_away(c, M, r_max) ? n + 1u : 0u;
  }
  store_ring_state(v, i, M, r_max, diverged, moving);
}

template <int Modes>
void advance_all(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(v.n);
#pragma omp parallel for schedule(dynamic, 16) num_threads(resolve_threads(threads))
  for (std::ptrdiff_t i = 0; i < n; ++i) advance_ring<Modes>(v, static_cast<std::size_t>(i), step_begin, step_end);
}


// ---- Rings in the vector lanes: kBatch rings side by side, one ring per vector element. ----
//
// A ring narrower than a round fills at most 31 of the 32 reduction lanes, and its per-step work beside the neurons
// (the 7 moments' trees, the maxima, the drive) is as large as the neurons' own; a wider ring still pays for the
// trees, the maxima and its stride-4 quads every step. Here kBatch consecutive rings run together: their rates
// transposed to (N, kBatch), so that every operation of the per-ring code is one vector operation over the batch
// (gcc's vector extension: elementwise IEEE operations, no contraction under -ffp-contract=off, so each element's
// bits are those of the scalar code). Every ring keeps its own fixed order (ring.hpp): its partial for reduction
// lane l = q mod 32 adds quad q's neurons in increasing j, quads in increasing q; the tree is the same tree, each of
// its adds done for the whole batch at once. Lanes l that no quad reaches hold +0 and take no part in the tree: a
// partial is never -0 (it starts at +0, and a sum is -0 only where both terms are), so adding +0 would leave it as
// it is. The maxima are order-free (no NaN enters them: the compares skip it). A ring that runs away is frozen by a
// select (its rates written back unchanged, its moments and flags no longer updated); padding rings past the chunk's
// end are frozen from the start, so a chunk of few wide rings keeps the per-ring code (use_lanes).

// Rings per batch: one native vector of floats. gcc lowers a vector-extension type wider than the target's vectors
// piece by piece through memory (32 rings in a 1024-bit type ran 12 times slower than 16 in one 512-bit vector).
// (The 256-bit batch of 8 on this AVX-512 machine: 1.4-1.75e9 against 1.9-2.2e9 neuron-steps/s for N = 100.)
#if defined(__AVX512F__)
constexpr unsigned kBatch = 16;
#elif defined(__AVX__)
constexpr unsigned kBatch = 8;
#else
constexpr unsigned kBatch = 4;
#endif
typedef float vfloat __attribute__((vector_size(kBatch * sizeof(float))));
typedef std::int32_t vint __attribute__((vector_size(kBatch * sizeof(float))));

inline vfloat splat(float x) { return vfloat{} + x; }
inline vfloat select(vint mask, vfloat a, vfloat b) { return mask ? a : b; }

struct Batch {
  unsigned rings = 0;  // rings in the batch (<= kBatch); the rest are padding
  // Per ring (vector element): coefficients, the drive of the step, state.
  vfloat h0, hc, hs, J0, J[kMaxModes], k, noise;
  vfloat a0, ac[kMaxModes], as[kMaxModes];
  vfloat M[kMoments], r_max, step_max;
  vint active;  // -1: updates; 0: frozen (ran away, or padding)
  Coefficients c[kBatch];
  std::uint32_t diverged[kBatch], moving[kBatch];
  std::uint64_t id[kBatch];
  vfloat partial[kMoments][kWarp];
};

template <int Modes>
void batch_drive(Batch& b) {
  b.a0 = b.h0 + b.J0 * b.M[0];
  for (int m = 0; m < Modes; ++m) {
    b.ac[m] = b.J[m] * b.M[1 + 2 * m];
    b.as[m] = b.J[m] * b.M[2 + 2 * m];
  }
  b.ac[0] = b.hc + b.ac[0];
  b.as[0] = b.hs + b.as[0];
}

// The noise of quad q for every ring of the batch, scaled (0 for a ring without noise).
void batch_noise(const View& v, const Batch& b, std::uint32_t q, std::uint32_t n, vfloat (&z)[kQuad]) {
  float out[kQuad][kBatch];
#pragma omp simd
  for (unsigned w = 0; w < kBatch; ++w) {
    const Normals4 g = quad_noise<ExactMath>(v.seed, b.id[w], q, n);
    const float amplitude = b.noise[w];
    const bool on = amplitude != 0.0f;
    out[0][w] = on ? amplitude * g.z[0] : 0.0f;
    out[1][w] = on ? amplitude * g.z[1] : 0.0f;
    out[2][w] = on ? amplitude * g.z[2] : 0.0f;
    out[3][w] = on ? amplitude * g.z[3] : 0.0f;
  }
  for (unsigned t = 0; t < kQuad; ++t) std::memcpy(&z[t], out[t], sizeof(vfloat));
}

// Quad q's `Count` neurons (4, or fewer in a ring's last quad) for the whole batch. rT: (N) vectors of rates.
template <int Modes, bool Noisy, unsigned Count>
inline void batch_quad(const View& v, Batch& b, vfloat* rT, std::uint32_t q, const vfloat (&z)[kQuad]) {
  const unsigned l = q % kWarp;
  const std::uint32_t j0 = q * kQuad;
  vfloat s[kMoments];
  if (q < kWarp) {  // the lane's first quad: its partials start at +0
    for (int m = 0; m < 1 + 2 * Modes; ++m) s[m] = vfloat{};
  } else {
    for (int m = 0; m < 1 + 2 * Modes; ++m) s[m] = b.partial[m][l];
  }
  vfloat rm = b.r_max, sm = b.step_max;
  for (unsigned t = 0; t < Count; ++t) {
    const std::uint32_t j = j0 + t;
    const vfloat before = rT[j];
    vfloat I = b.a0;
    for (int m = 0; m < Modes; ++m) {
      I = (I + b.ac[m] * v.basis[(2 * m) * v.N + j]) + b.as[m] * v.basis[(2 * m + 1) * v.N + j];
    }
    if (Noisy) I = I + z[t];
    const vfloat rectified = select(I > 0.0f, I, vfloat{});
    const vfloat x = before + b.k * (rectified - before);
    const vfloat stepped = select(x < kSmallestNormalFloat && x > -kSmallestNormalFloat, 0.0f * x, x);
    const vfloat after = select(b.active, stepped, before);
    rT[j] = after;
    s[0] += after;
    for (int m = 0; m < Modes; ++m) {
      s[1 + 2 * m] += after * v.basis[(2 * m) * v.N + j];
      s[2 + 2 * m] += after * v.basis[(2 * m + 1) * v.N + j];
    }
    rm = select(after > rm, after, rm);
    const vfloat change = select(after > before, after - before, before - after);
    sm = select(change > sm, change, sm);
  }
  for (int m = 0; m < 1 + 2 * Modes; ++m) b.partial[m][l] = s[m];
  b.r_max = rm;
  b.step_max = sm;
}

// The moments of every ring of the batch from its partials: the fixed tree over the lanes that hold a quad.
template <int Modes>
void batch_moments(Batch& b, std::uint32_t N, unsigned live, vfloat (&M)[kMoments]) {
  const float scale = static_cast<float>(N);
  for (int m = 0; m < 1 + 2 * Modes; ++m) {
    vfloat* p = b.partial[m];
    for (unsigned o = kWarp / 2; o > 0; o >>= 1) {
      for (unsigned l = 0; l < o && l + o < live; ++l) p[l] = p[l] + p[l + o];
    }
    M[m] = p[0] / scale;
  }
  for (int m = 1 + 2 * Modes; m < kMoments; ++m) M[m] = vfloat{};  // the unused modes' moments: +0, as one pass gives
}

template <int Modes, bool Noisy>
void batch_step(const View& v, Batch& b, vfloat* rT, std::uint32_t n) {
  vfloat z[kQuad] = {};
  b.r_max = b.step_max = vfloat{};
  const std::uint32_t full = v.N / kQuad;
  for (std::uint32_t q = 0; q < full; ++q) {
    if (Noisy) batch_noise(v, b, q, n, z);
    batch_quad<Modes, Noisy, 4>(v, b, rT, q, z);
  }
  if (v.N % kQuad != 0) {
    if (Noisy) batch_noise(v, b, full, n, z);
    switch (v.N % kQuad) {
      case 1: batch_quad<Modes, Noisy, 1>(v, b, rT, full, z); break;
      case 2: batch_quad<Modes, Noisy, 2>(v, b, rT, full, z); break;
      default: batch_quad<Modes, Noisy, 3>(v, b, rT, full, z); break;
    }
  }
}

template <int Modes>
void advance_batch(const View& v, std::size_t first, std::uint32_t step_begin, std::uint32_t step_end,
                   std::vector<vfloat>& rT, std::vector<float>& scratch) {
  Batch b;
  b.rings = static_cast<unsigned>(std::min<std::size_t>(kBatch, v.n - first));
  const std::uint32_t N = v.N;
  const std::uint32_t quads = (N + kQuad - 1) / kQuad;
  const unsigned live = quads < kWarp ? quads : kWarp;
  rT.assign(N, vfloat{});
  bool any_noise = false, any_traced = false;
  for (unsigned w = 0; w < kBatch; ++w) {
    const bool real = w < b.rings;
    const std::size_t i = first + w;
    Coefficients c{};
    float M[kMoments] = {};
    float r_max = 0.0f;
    if (real) {
      c = coefficients_at(v, i);
      const float* r = v.r_Hz + i * N;
      for (std::uint32_t j = 0; j < N; ++j) rT[j][w] = r[j];
      load_moments(v, i, M);
      r_max = v.r_max[i];
      if (step_begin == 0) initial_moments<Modes>(v, r, M, r_max);
      b.diverged[w] = v.diverged_step[i];
      b.moving[w] = v.last_moving_step[i];
      b.id[w] = v.instance_id[i];
      any_noise = any_noise || c.noise_Hz != 0.0f;
      any_traced = any_traced || (v.trace_row != nullptr && v.trace_row[i] >= 0);
    } else {
      b.diverged[w] = 1u;  // padding: frozen
      b.moving[w] = 0u;
      b.id[w] = 0u;
    }
    b.c[w] = c;
    b.h0[w] = c.h0_Hz;
    b.hc[w] = c.h_cos_Hz;
    b.hs[w] = c.h_sin_Hz;
    b.J0[w] = c.J0;
    b.J[0][w] = c.J2;
    b.J[1][w] = c.J4;
    b.J[2][w] = c.J6;
    b.k[w] = c.dt_over_tau;
    b.noise[w] = c.noise_Hz;
    for (int m = 0; m < kMoments; ++m) b.M[m][w] = M[m];
    b.r_max[w] = r_max;
    b.active[w] = b.diverged[w] == 0u ? -1 : 0;
  }
  for (int m = 0; m < kMoments; ++m) {
    for (unsigned l = 0; l < kWarp; ++l) b.partial[m][l] = vfloat{};
  }
  vfloat M_new[kMoments];
  for (std::uint32_t n = step_begin; n < step_end; ++n) {
    if (any_traced) {
      for (unsigned w = 0; w < b.rings; ++w) {
        const std::size_t i = first + w;
        if (!traced(v, i, n)) continue;
        float M[kMoments];
        for (int m = 0; m < kMoments; ++m) M[m] = b.M[m][w];
        scratch[v.trace_neuron] = rT[v.trace_neuron][w];
        record_sample(v, i, M, b.r_max[w], scratch.data(), n);
      }
    }
    bool any_active = false;
    for (unsigned w = 0; w < kBatch; ++w) any_active = any_active || b.active[w] != 0;
    if (!any_active) continue;
    batch_drive<Modes>(b);
    const vfloat kept_r_max = b.r_max;
    if (any_noise) {
      batch_step<Modes, true>(v, b, rT.data(), n);
    } else {
      batch_step<Modes, false>(v, b, rT.data(), n);
    }
    batch_moments<Modes>(b, N, live, M_new);
    const vint active = b.active;
    b.r_max = select(active, b.r_max, kept_r_max);
    for (int m = 0; m < kMoments; ++m) b.M[m] = select(active, M_new[m], b.M[m]);
    for (unsigned w = 0; w < kBatch; ++w) {
      if (active[w] == 0) continue;
      float M[kMoments];
      for (int m = 0; m < kMoments; ++m) M[m] = b.M[m][w];
      b.moving[w] = b.step_max[w] > b.c[w].converge_step_Hz ? n + 1u : b.moving[w];
      b.diverged[w] = runs_away(b.c[w], M, b.r_max[w]) ? n + 1u : 0u;
      b.active[w] = b.diverged[w] == 0u ? -1 : 0;
    }
  }
  for (unsigned w = 0; w < b.rings; ++w) {
    const std::size_t i = first + w;
    float* r = v.r_Hz + i * N;
    for (std::uint32_t j = 0; j < N; ++j) r[j] = rT[j][w];
    float M[kMoments];
    for (int m = 0; m < kMoments; ++m) M[m] = b.M[m][w];
    store_ring_state(v, i, M, b.r_max[w], b.diverged[w], b.moving[w]);
  }
}

// Rings in lanes for every ring narrower than a round, and for wider ones where every thread gets a full batch (with
// fewer rings the padding lanes' work would outweigh the gain; one ring of N = 4096 would run 16 times over).
// 1000 rings x 1000 steps, 1 thread, load 5: N = 256 6.3e8 -> 2.0e9, N = 1024 1.1e9 -> 2.4e9 neuron-steps/s.
bool use_lanes(const View& v, int threads) {
  return v.N < kWarp * kQuad || v.n >= std::size_t(kBatch) * std::size_t(resolve_threads(threads));
}

template <int Modes>
void advance_batches(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  const std::ptrdiff_t batches = static_cast<std::ptrdiff_t>((v.n + kBatch - 1) / kBatch);
#pragma omp parallel num_threads(resolve_threads(threads))
  {
    std::vector<vfloat> rT;
    std::vector<float> scratch(v.N, 0.0f);
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t k = 0; k < batches; ++k) {
      advance_batch<Modes>(v, static_cast<std::size_t>(k) * kBatch, step_begin, step_end, rT, scratch);
    }
  }
}

}  // namespace

void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  if (v.n == 0 || step_begin >= step_end) return;
  if (use_lanes(v, threads)) {
    switch (v.modes) {
      case 1: advance_batches<1>(v, step_begin, step_end, threads); break;
      case 2: advance_batches<2>(v, step_begin, step_end, threads); break;
      default: advance_batches<3>(v, step_begin, step_end, threads); break;
    }
    return;
  }
  switch (v.modes) {
    case 1: advance_all<1>(v, step_begin, step_end, threads); break;
    case 2: advance_all<2>(v, step_begin, step_end, threads); break;
    default: advance_all<3>(v, step_begin, step_end, threads); break;
  }
}

void finalize_cpu(const View& v, double, std::uint32_t, int threads) {
  const std::ptrdiff_t n = static_cast<std::ptrdiff_t>(v.n);
#pragma omp parallel for schedule(static) num_threads(resolve_threads(threads))
  for (std::ptrdiff_t i = 0; i < n; ++i) finalize_at(v, static_cast<std::size_t>(i));
}

}  // namespace ring
}  // namespace nb
