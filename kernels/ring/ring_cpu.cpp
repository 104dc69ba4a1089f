// Ring model on the CPU: the reference backend. OpenMP threads take whole rings; inside a ring the 32 lanes of
// the fixed reduction (kernels/ring/ring.hpp) are the elements of 32-wide arrays, so `omp simd` runs them as
// vector code and the partial sums come out in exactly the GPU warp's order.
#include <omp.h>

#include <algorithm>
#include <cstddef>

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
    const std::uint32_t quads = (v.N + kQuad - 1) / kQuad;
    first_quad = quads / kWarp * kWarp;
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

}  // namespace

void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads) {
  if (v.n == 0 || step_begin >= step_end) return;
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
