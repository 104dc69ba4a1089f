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

// One neuron of lane l: update, accumulate, track the largest change.
template <int Modes>
NB_HD void update_neuron(const View& v, const Coefficients& c, const Drive& d, float* r, std::uint32_t j, unsigned l,
                         float noise, Partials& P) {
  float bc[kMaxModes], bs[kMaxModes];
  for (int m = 0; m < Modes; ++m) {
    bc[m] = v.basis[(2 * m) * v.N + j];
    bs[m] = v.basis[(2 * m + 1) * v.N + j];
  }
  const float before = r[j];
  const float after = neuron_step<Modes>(c, d, bc, bs, before, noise);
  r[j] = after;
  accumulate<Modes>(P, l, bc, bs, after);
  const float change = after > before ? after - before : before - after;
  P.step_max[l] = change > P.step_max[l] ? change : P.step_max[l];
}

// One step of one ring. Full rounds (32 whole quads) run as vector code over the lanes, each lane its quad's 4
// neurons in increasing j (the warp's order; the 4 stride-4 accesses form groups the compiler interleaves). The
// last, partial round runs scalar.
template <int Modes, bool Noisy>
void ring_step(const View& v, const Coefficients& c, const Drive& d, float* r, std::uint64_t id, std::uint32_t n,
               Partials& P) {
  const std::uint32_t quads = (v.N + kQuad - 1) / kQuad, full_quads = v.N / kQuad;
  float z[kQuad][kWarp] = {};
  std::uint32_t first = 0;
  for (; first + kWarp <= full_quads; first += kWarp) {
    if (Noisy) {
#pragma omp simd
      for (unsigned l = 0; l < kWarp; ++l) {
        const Normals4 q = quad_noise<ExactMath>(v.seed, id, first + l, n);
        z[0][l] = c.noise_Hz * q.z[0];
        z[1][l] = c.noise_Hz * q.z[1];
        z[2][l] = c.noise_Hz * q.z[2];
        z[3][l] = c.noise_Hz * q.z[3];
      }
    }
#pragma omp simd
    for (unsigned l = 0; l < kWarp; ++l) {
      const std::uint32_t j = (first + l) * kQuad;
      update_neuron<Modes>(v, c, d, r, j, l, z[0][l], P);
      update_neuron<Modes>(v, c, d, r, j + 1, l, z[1][l], P);
      update_neuron<Modes>(v, c, d, r, j + 2, l, z[2][l], P);
      update_neuron<Modes>(v, c, d, r, j + 3, l, z[3][l], P);
    }
  }
  for (unsigned l = 0; first + l < quads; ++l) {
    const std::uint32_t q = first + l;
    Normals4 noise{};
    if (Noisy) noise = quad_noise<ExactMath>(v.seed, id, q, n);
    for (unsigned t = 0; t < kQuad && q * kQuad + t < v.N; ++t) {
      update_neuron<Modes>(v, c, d, r, q * kQuad + t, l, Noisy ? c.noise_Hz * noise.z[t] : 0.0f, P);
    }
  }
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
  Partials P;
  for (std::uint32_t n = step_begin; n < step_end; ++n) {
    if (traced(v, i, n)) record_sample(v, i, M, r_max, r, n);
    if (diverged != 0u) continue;  // frozen where it ran away
    const Drive d = drive_from(c, M);
    P.clear();
    if (c.noise_Hz != 0.0f) {
      ring_step<Modes, true>(v, c, d, r, id, n, P);
    } else {
      ring_step<Modes, false>(v, c, d, r, id, n, P);
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
