// Ring kernels: the per-ring field lists (coefficients in ring.hpp, state and observables here), the view of a
// chunk, the per-ring bookkeeping shared by both backends, and the launchers: the only way host code reaches the
// ring kernels (plain pointers, no CUDA types; the CUDA launchers exist only in CUDA builds).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/ring/ring.hpp"

namespace nb {
namespace ring {

// Per-ring state, (n,) each: moments of the current r, max(0, largest rate), the step after which the ring ran
// away (0: it did not) and the last step whose largest change exceeded the convergence tolerance.
#define NB_RING_STATE(X)                                                                                    \
  X(float, M0) X(float, Mc1) X(float, Ms1) X(float, Mc2) X(float, Ms2) X(float, Mc3) X(float, Ms3)          \
  X(float, r_max) X(std::uint32_t, diverged_step) X(std::uint32_t, last_moving_step)

#define NB_RING_OBSERVABLES(X)                                                                             \
  X(double, peak_Hz) X(double, mean_Hz) X(double, pv_cos_Hz) X(double, pv_sin_Hz) X(double, half_width_deg) \
  X(double, half_width_half_max_deg) X(double, converged_ms) X(double, runaway) X(double, diverged_ms)

struct View {
  std::size_t n = 0;        // rings
  std::uint32_t N = 0;      // neurons per ring
  std::uint32_t modes = 1;  // Fourier modes in use (1 .. kMaxModes)
#define NB_FIELD(type, name) type* name = nullptr;
  NB_RING_COEFFICIENTS(NB_FIELD)
  NB_RING_STATE(NB_FIELD)
  NB_RING_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  float* r_Hz = nullptr;             // (n, N) rates, ring-major
  const float* basis = nullptr;      // (2 kMaxModes, N): cos(2m theta_j), sin(2m theta_j) for m = 1 .. kMaxModes
  std::uint64_t* instance_id = nullptr;
  std::uint64_t seed = 0;
  std::uint32_t n_steps = 0;
  float dt_ms = 0;
  // Traces (null when not traced): (rows, trace_samples) of M0 (mean_Hz), Mc1, Ms1 (pv_cos_Hz, pv_sin_Hz), r_max
  // and the rate of one chosen neuron.
  std::int32_t* trace_row = nullptr;
  float *trace_mean_Hz = nullptr, *trace_pv_cos_Hz = nullptr, *trace_pv_sin_Hz = nullptr, *trace_peak_Hz = nullptr;
  float* trace_r_Hz = nullptr;  // the rate of neuron trace_neuron
  std::uint32_t trace_neuron = 0;
  std::uint32_t trace_every = 1, trace_samples = 0;
};

NB_HD Coefficients coefficients_at(const View& v, std::size_t i) {
  Coefficients c;
#define NB_LOAD(type, name) c.name = v.name[i];
  NB_RING_COEFFICIENTS(NB_LOAD)
#undef NB_LOAD
  return c;
}

// The moments and flags a time segment carries over to the next.
NB_HD void load_moments(const View& v, std::size_t i, float* M) {
  const float stored[kMoments] = {v.M0[i], v.Mc1[i], v.Ms1[i], v.Mc2[i], v.Ms2[i], v.Mc3[i], v.Ms3[i]};
  for (int m = 0; m < kMoments; ++m) M[m] = stored[m];
}

NB_HD void store_ring_state(const View& v, std::size_t i, const float* M, float r_max, std::uint32_t diverged,
                            std::uint32_t moving) {
  v.M0[i] = M[0];
  v.Mc1[i] = M[1];
  v.Ms1[i] = M[2];
  v.Mc2[i] = M[3];
  v.Ms2[i] = M[4];
  v.Mc3[i] = M[5];
  v.Ms3[i] = M[6];
  v.r_max[i] = r_max;
  v.diverged_step[i] = diverged;
  v.last_moving_step[i] = moving;
}

NB_HD bool traced(const View& v, std::size_t i, std::uint32_t n) {
  return v.trace_row != nullptr && v.trace_row[i] >= 0 && n % v.trace_every == 0u;
}

// `rates`: the ring's current N rates (wherever the backend keeps them).
NB_HD void record_sample(const View& v, std::size_t i, const float* M, float r_max, const float* rates,
                         std::uint32_t n) {
  const std::size_t at = static_cast<std::size_t>(v.trace_row[i]) * v.trace_samples + n / v.trace_every;
  if (v.trace_mean_Hz != nullptr) v.trace_mean_Hz[at] = M[0];
  if (v.trace_pv_cos_Hz != nullptr) v.trace_pv_cos_Hz[at] = M[1];
  if (v.trace_pv_sin_Hz != nullptr) v.trace_pv_sin_Hz[at] = M[2];
  if (v.trace_peak_Hz != nullptr) v.trace_peak_Hz[at] = r_max;
  if (v.trace_r_Hz != nullptr) v.trace_r_Hz[at] = rates[v.trace_neuron];
}

// The zero-level half-width from the input instead of the rate: at steady state r = [I]+, and I, unlike r, is not
// clipped, so interpolating it between neighbours finds the bump's edge to a small fraction of a neuron (the rate
// is already 0 at the first silent neuron, which would put the edge there). The input is that of the final
// moments, without noise, evaluated (and rounded to float) where the walk needs it.
NB_HD double half_width_deg_from_input(const View& v, std::size_t i, std::uint32_t p) {
  const Coefficients c = coefficients_at(v, i);
  float M[kMoments];
  load_moments(v, i, M);
  const Drive d = drive_from(c, M);
  const auto input = [&](std::uint32_t j) {
    double I = d.a0;
    for (std::uint32_t m = 0; m < v.modes; ++m) {
      I += double(d.ac[m]) * v.basis[(2 * m) * v.N + j] + double(d.as[m]) * v.basis[(2 * m + 1) * v.N + j];
    }
    return static_cast<float>(I);
  };
  return half_width_deg_at(input, v.N, p, 0.0);
}

// Observables of ring i from its final profile (exact arithmetic: + - * / only, in double).
NB_HD void finalize_at(const View& v, std::size_t i) {
  const float* r = v.r_Hz + i * v.N;
  std::uint32_t p = 0;
  for (std::uint32_t j = 1; j < v.N; ++j) p = r[j] > r[p] ? j : p;
  const double peak = r[p];
  const double nan = bits_double_nan();
  v.peak_Hz[i] = peak;
  v.mean_Hz[i] = v.M0[i];
  v.pv_cos_Hz[i] = v.Mc1[i];
  v.pv_sin_Hz[i] = v.Ms1[i];
  v.half_width_deg[i] = half_width_deg_from_input(v, i, p);
  v.half_width_half_max_deg[i] = half_width_deg_at([r](std::uint32_t j) { return r[j]; }, v.N, p, 0.5 * peak);
  const double dt = v.dt_ms;
  const std::uint32_t moving = v.last_moving_step[i];
  v.converged_ms[i] = moving < v.n_steps ? double(moving) * dt : nan;
  v.runaway[i] = v.diverged_step[i] != 0u ? 1.0 : 0.0;
  v.diverged_ms[i] = v.diverged_step[i] != 0u ? double(v.diverged_step[i]) * dt : nan;
  if (traced(v, i, v.n_steps)) {
    const float M[3] = {v.M0[i], v.Mc1[i], v.Ms1[i]};
    record_sample(v, i, M, v.r_max[i], v.r_Hz + i * v.N, v.n_steps);
  }
}

void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads);
void finalize_cpu(const View& v, double dt_ms, std::uint32_t n_steps, int threads);
void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void finalize_cuda(const View& v, double dt_ms, std::uint32_t n_steps);

}  // namespace ring
}  // namespace nb
