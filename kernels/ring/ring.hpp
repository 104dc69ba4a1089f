// Ben-Yishai ring model of orientation selectivity (docs/models/ring.md), many rings per launch:
//
//     tau dr_j/dt = -r_j + [I_j]+,    I_j = h_j + sum_k W_jk r_k + sigma sqrt(dt) xi_j,    theta_j = -pi/2 + pi j / N
//     W_jk = (J0 + sum_m J_2m cos(2m (theta_j - theta_k))) / N,    h_j = A c (1 - eps + eps cos(2 (theta_j - theta_cue)))
//
// The connectivity is translation invariant, so the recurrent input needs only the moments of r:
//     sum_k W_jk r_k = J0 M0 + sum_m J_2m (cos(2m theta_j) Mc_m + sin(2m theta_j) Ms_m),
//     M0 = mean(r), Mc_m = mean(r cos 2m theta), Ms_m = mean(r sin 2m theta)
// O(N) per step instead of O(N^2). Modes m = 1 .. kMaxModes (J2, J4, J6); a run uses the modes its spec needs.
//
// Euler step n -> n + 1:  r_j <- r_j + (dt/tau) (-r_j + max(I_j, 0)), with I_j from the moments of r(t_n); a rate
// that decays below the smallest normal float becomes 0 (kernels/common/subnormal.hpp).
//
// The fixed reduction order (what makes the CPU reference and the GPU bitwise identical):
//   neurons are grouped in quads q = j / 4 (neurons 4q .. 4q + 3); quad q belongs to lane q mod 32. Each of the
//   32 lanes sums its neurons in increasing j (its "partial"), then the partials are added as a tree:
//   for o = 16, 8, 4, 2, 1: partial[l] += partial[l + o] for l < o; the total is partial[0]; a moment is
//   total / N. On the GPU the lanes are a warp's threads (one warp per ring, __shfl_down_sync); on the CPU they
//   are the elements of a 32-wide array. The input noise of a quad is one Philox call: its 4 normals go to the
//   quad's 4 neurons (RandomStream::ring_input_noise, neuron = quad, block = step).
//
// Runaway: when the largest rate exceeds runaway_Hz (or a moment is not finite) the ring stops where it is and
// is flagged with the step; its other observables describe that frozen state.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common/hd.hpp"
#include "kernels/common/math_mode.hpp"
#include "kernels/common/random.hpp"
#include "kernels/common/subnormal.hpp"

namespace nb {
namespace ring {

constexpr int kMaxModes = 3;                // J2, J4, J6
constexpr int kMoments = 1 + 2 * kMaxModes;  // M0, then (Mc_m, Ms_m) per mode
constexpr unsigned kWarp = 32;               // lanes of the reduction
constexpr unsigned kQuad = 4;                // neurons per quad (one Philox call of noise)

// Per-ring coefficients, (n,) each.
#define NB_RING_COEFFICIENTS(X)                                                                            \
  X(float, h0_Hz) X(float, h_cos_Hz) X(float, h_sin_Hz) X(float, J0) X(float, J2) X(float, J4) X(float, J6)  \
  X(float, dt_over_tau) X(float, noise_Hz) X(float, runaway_Hz) X(float, converge_step_Hz)

struct Coefficients {
#define NB_FIELD(type, name) type name;
  NB_RING_COEFFICIENTS(NB_FIELD)
#undef NB_FIELD
};

// The affine input of one step: I_j = a0 + sum_m (ac[m] cos 2m theta_j + as[m] sin 2m theta_j), from the moments.
struct Drive {
  float a0, ac[kMaxModes], as[kMaxModes];
};

NB_HD Drive drive_from(const Coefficients& c, const float* M) {
  Drive d;
  d.a0 = c.h0_Hz + c.J0 * M[0];
  const float J[kMaxModes] = {c.J2, c.J4, c.J6};
  for (int m = 0; m < kMaxModes; ++m) {
    d.ac[m] = J[m] * M[1 + 2 * m];
    d.as[m] = J[m] * M[2 + 2 * m];
  }
  d.ac[0] = c.h_cos_Hz + d.ac[0];
  d.as[0] = c.h_sin_Hz + d.as[0];
  return d;
}

// The new rate of neuron j (basis values bc[m], bs[m] of j), noise term already scaled (0 without noise).
template <int Modes>
NB_HD float neuron_step(const Coefficients& c, const Drive& d, const float* bc, const float* bs, float r, float noise) {
  float I = d.a0;
  for (int m = 0; m < Modes; ++m) I = (I + d.ac[m] * bc[m]) + d.as[m] * bs[m];
  I = I + noise;
  const float rectified = I > 0.0f ? I : 0.0f;
  return flush_subnormal(r + c.dt_over_tau * (rectified - r));  // below threshold r decays geometrically
}

// Partials -> total: the fixed tree (o = 16, 8, 4, 2, 1; p[l] += p[l + o] for l < o). Overwrites p.
NB_HD float tree_sum(float* p) {
  for (unsigned o = kWarp / 2; o > 0; o >>= 1) {
    for (unsigned l = 0; l < o; ++l) p[l] = p[l] + p[l + o];
  }
  return p[0];
}

// Four standard normals for the quad q at step n.
template <class Math>
NB_HD Normals4 quad_noise(std::uint64_t seed, std::uint64_t instance, std::uint32_t quad, std::uint32_t step) {
  const Philox4x32Words w = random_words(seed, instance, quad, RandomStream::ring_input_noise, step);
  Normals4 z;
  box_muller<Math>(w.w[0], w.w[1], z.z[0], z.z[1]);
  box_muller<Math>(w.w[2], w.w[3], z.z[2], z.z[3]);
  return z;
}

// A runaway ring: the largest rate beyond the bound, or moments that are not finite.
NB_HD bool runs_away(const Coefficients& c, const float* M, float r_max) {
  return !(r_max <= c.runaway_Hz) || !(M[0] - M[0] == 0.0f);
}

// Distance in neurons (fractional, linearly interpolated) from the peak p to where the profile `value(j)` first
// falls to `level` walking in direction `dir` (+1 or -1) around the ring; -1 if it never does within half a ring.
template <class Profile>
NB_HD double reach(const Profile& value, std::uint32_t N, std::uint32_t p, int dir, double level) {
  double previous = value(p);
  for (std::uint32_t k = 1; k <= N / 2; ++k) {
    const std::uint32_t j = dir > 0 ? (p + k) % N : (p + N - k) % N;
    const double here = value(j);
    if (here <= level) return double(k - 1) + (previous - level) / (previous - here);
    previous = here;
  }
  return -1.0;
}

// Half-width in degrees at `level`: the mean of the two reaches times the spacing 180/N; 90 (the whole ring)
// when the profile never falls to the level.
template <class Profile>
NB_HD double half_width_deg_at(const Profile& value, std::uint32_t N, std::uint32_t p, double level) {
  const double right = reach(value, N, p, +1, level), left = reach(value, N, p, -1, level);
  if (right < 0.0 || left < 0.0) return 90.0;
  return 0.5 * (right + left) * (180.0 / double(N));
}

}  // namespace ring
}  // namespace nb
