// Decision kernels: the per-trial field lists (coefficients and state in decision.hpp, observables here), the
// view of a chunk, one trial's time loop and bookkeeping shared by both backends (traces, bins, observables), and
// the launchers: the only way host code reaches the decision kernels (plain pointers, no CUDA types; the CUDA
// launchers exist only in CUDA builds).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/decision/decision.hpp"

namespace nb {
namespace decision {

#define NB_DECISION_OBSERVABLES(X)                                                                          \
  X(double, choice_out) X(double, decision_time_ms) X(double, higher_at_end) X(double, r1_final_Hz)          \
  X(double, r2_final_Hz) X(double, S1_final) X(double, S2_final) X(double, r1_probe1_Hz)                    \
  X(double, r2_probe1_Hz) X(double, S1_probe1_out) X(double, S2_probe1_out) X(double, r1_probe2_Hz)          \
  X(double, r2_probe2_Hz) X(double, S1_probe2_out) X(double, S2_probe2_out)

struct View {
  std::size_t n = 0;
#define NB_FIELD(type, name) type* name = nullptr;
  NB_DECISION_COEFFICIENTS(NB_FIELD)
  NB_DECISION_STATE(NB_FIELD)
  NB_DECISION_OBSERVABLES(NB_FIELD)
#undef NB_FIELD
  std::uint64_t* instance_id = nullptr;  // global instance index: the random stream's key
  std::uint64_t seed = 0;
  std::uint32_t n_steps = 0;  // of the whole trial (the last bin may be partial)
  float dt_ms = 0;
  // Traces (null when not traced): (rows, trace_samples) each, sample k at step k * trace_every.
  std::int32_t* trace_row = nullptr;
  float *trace_r1_Hz = nullptr, *trace_r2_Hz = nullptr, *trace_S1 = nullptr, *trace_S2 = nullptr;
  std::uint32_t trace_every = 1, trace_samples = 0;
  // Binned rates (null when not recorded): each trial's rate sums per bin, laid out (n_bins, 2, n) so that
  // neighbouring trials write neighbouring words; per point of the chunk and choice group, the fixed-point sums
  // of the bin means (points, kChoiceGroups, 2, n_bins) and the trial counts (points, kChoiceGroups).
  std::uint32_t bin_steps = 0, n_bins = 0;
  float* trial_bin_sum = nullptr;
  std::uint32_t* point_row = nullptr;  // (n,) the trial's sweep point, counted from the chunk's first
  unsigned long long* group_sums = nullptr;
  unsigned long long* group_counts = nullptr;
};

NB_HD Coefficients coefficients_at(const View& v, std::size_t i) {
  Coefficients c;
#define NB_LOAD(type, name) c.name = v.name[i];
  NB_DECISION_COEFFICIENTS(NB_LOAD)
#undef NB_LOAD
  return c;
}

NB_HD State state_at(const View& v, std::size_t i) {
  State s;
#define NB_LOAD(type, name) s.name = v.name[i];
  NB_DECISION_STATE(NB_LOAD)
#undef NB_LOAD
  return s;
}

NB_HD void store_state(const View& v, std::size_t i, const State& s) {
#define NB_STORE(type, name) v.name[i] = s.name;
  NB_DECISION_STATE(NB_STORE)
#undef NB_STORE
}

// Bin bookkeeping after step n: true when the sample of step n closed a bin (the last may be partial).
NB_HD bool closes_bin(const View& v, std::uint32_t n) {
  return v.trial_bin_sum != nullptr && ((n + 1u) % v.bin_steps == 0u || n + 1u == v.n_steps);
}

NB_HD void flush_bin(const View& v, std::size_t i, float& sum_r1, float& sum_r2, std::uint32_t n) {
  const std::size_t bin = n / v.bin_steps;
  v.trial_bin_sum[(bin * 2u) * v.n + i] = sum_r1;
  v.trial_bin_sum[(bin * 2u + 1u) * v.n + i] = sum_r2;
  sum_r1 = 0.0f;
  sum_r2 = 0.0f;
}

NB_HD void record_sample(const View& v, std::size_t i, const State& s, float r1, float r2, std::uint32_t k) {
  const std::size_t at = static_cast<std::size_t>(v.trace_row[i]) * v.trace_samples + k;
  if (v.trace_r1_Hz != nullptr) v.trace_r1_Hz[at] = r1;
  if (v.trace_r2_Hz != nullptr) v.trace_r2_Hz[at] = r2;
  if (v.trace_S1 != nullptr) v.trace_S1[at] = s.S1;
  if (v.trace_S2 != nullptr) v.trace_S2[at] = s.S2;
}

NB_HD bool traced(const View& v, std::size_t i, std::uint32_t n) {
  return v.trace_row != nullptr && v.trace_row[i] >= 0 && n % v.trace_every == 0u;
}

// ---- One trial's time loop: the CUDA kernel's thread (decision_cuda.cuh) ----------------------------------------
// Here rather than in the kernel so that tests run it on the host against the CPU's lane loop (decision_cpu.cpp),
// which takes the same steps over 16 trials at once. What the CPU recomputes at every step, this loop keeps in
// registers where it can, for the same bits:
//  * the integrator and whether anything is recorded are template parameters, tested once per call;
//  * the stimulus currents are recomputed only at pulse edges (next_pulse_edge), between which they are constant;
//  * steps go in blocks of 4, one noise draw per block, so that the normals are read by constant index (a call
//    that starts or ends inside a block reads them by pick() for its first or last steps).
template <class Math, class Gate, bool kRecorded>
NB_HD void advance_trial_with(const View& v, std::size_t i, std::uint32_t step_begin, std::uint32_t step_end) {
  const Coefficients c = coefficients_at(v, i);
  State s = state_at(v, i);
  const std::uint64_t id = v.instance_id[i];
  const bool noisy = c.noise_amp_nA != 0.0f;  // a noiseless trial would multiply its draws by 0
  Normals4 z1{}, z2{};
  float stim1 = 0.0f, stim2 = 0.0f;
  std::uint32_t next_edge = step_begin;  // the stimulus is computed at the first step
  const auto draw = [&](std::uint32_t t) {  // the block of step t
    if (!noisy) return;
    z1 = noise_block<Math>(v.seed, id, 0u, t);
    z2 = noise_block<Math>(v.seed, id, 1u, t);
  };
  const auto one_step = [&](std::uint32_t t, float noise1, float noise2) {
    if (t == next_edge) {
      stimulus_nA(c, t, stim1, stim2);
      next_edge = next_pulse_edge(c, t);
    }
    float r1, r2;
    if (kRecorded && traced(v, i, t)) {
      rates_Hz<Math>(c, s, stim1, stim2, r1, r2);
      record_sample(v, i, s, r1, r2, t / v.trace_every);
    }
    step<Math, Gate>(c, s, stim1, stim2, noise1, noise2, t, r1, r2);
    if (kRecorded && closes_bin(v, t)) flush_bin(v, i, s.bin_sum_r1, s.bin_sum_r2, t);
  };
  std::uint32_t t = step_begin;
  if ((t & 3u) != 0u) {  // the rest of the block that step_begin is in
    draw(t);
    for (; t < step_end && (t & 3u) != 0u; ++t) one_step(t, z1.pick(t & 3u), z2.pick(t & 3u));
  }
  for (; step_end - t >= 4u; t += 4u) {  // t <= step_end here
    draw(t);
    one_step(t, z1.z[0], z2.z[0]);
    one_step(t + 1u, z1.z[1], z2.z[1]);
    one_step(t + 2u, z1.z[2], z2.z[2]);
    one_step(t + 3u, z1.z[3], z2.z[3]);
  }
  if (t < step_end) {
    draw(t);
    for (; t < step_end; ++t) one_step(t, z1.pick(t & 3u), z2.pick(t & 3u));
  }
  store_state(v, i, s);
}

// Whether a call records anything (traces or binned rates): the GPU launches one kernel for each case.
NB_HD bool records(const View& v) { return v.trace_row != nullptr || v.trial_bin_sum != nullptr; }

// Steps [step_begin, step_end) of trial i, the loop instantiated for its integrator; kRecorded == records(v).
template <class Math, bool kRecorded>
NB_HD void advance_trial(const View& v, std::size_t i, std::uint32_t step_begin, std::uint32_t step_end) {
  if (v.exponential[i] != 0u) {
    advance_trial_with<Math, ExponentialGate, kRecorded>(v, i, step_begin, step_end);
  } else {
    advance_trial_with<Math, EulerGate, kRecorded>(v, i, step_begin, step_end);
  }
}

NB_HD std::uint32_t bin_samples(const View& v, std::uint32_t bin) {
  const std::uint32_t first = bin * v.bin_steps;
  return v.n_steps - first < v.bin_steps ? v.n_steps - first : v.bin_steps;
}

// Observables of trial i after the last step; the rates at the end are those of the final state with the
// stimulus of step n_steps (normally none). Exact math whatever the mode, like every observable.
NB_HD void finalize_at(const View& v, std::size_t i) {
  const Coefficients c = coefficients_at(v, i);
  const State s = state_at(v, i);
  float r1, r2;
  rates_Hz<ExactMath>(c, s, v.n_steps, r1, r2);
  const double nan = bits_double_nan();
  const double dt = v.dt_ms;
  v.choice_out[i] = s.choice;
  v.decision_time_ms[i] =
      s.choice != 0u ? (static_cast<double>(s.decision_step) - static_cast<double>(c.window_begin)) * dt : nan;
  v.higher_at_end[i] = r1 > r2 ? 1.0 : (r2 > r1 ? 2.0 : 0.0);
  v.r1_final_Hz[i] = r1;
  v.r2_final_Hz[i] = r2;
  v.S1_final[i] = s.S1;
  v.S2_final[i] = s.S2;
  v.r1_probe1_Hz[i] = s.r1_probe1;
  v.r2_probe1_Hz[i] = s.r2_probe1;
  v.S1_probe1_out[i] = s.S1_probe1;
  v.S2_probe1_out[i] = s.S2_probe1;
  v.r1_probe2_Hz[i] = s.r1_probe2;
  v.r2_probe2_Hz[i] = s.r2_probe2;
  v.S1_probe2_out[i] = s.S1_probe2;
  v.S2_probe2_out[i] = s.S2_probe2;
  if (traced(v, i, v.n_steps)) record_sample(v, i, s, r1, r2, v.n_steps / v.trace_every);
}

// Adds trial i's binned rates to the sums of its (point, choice) group with the backend's integer addition
// `add(word*, value)` (atomic where threads share words; any order gives the same sums).
template <class Add>
NB_HD void add_binned(const View& v, std::size_t i, Add add) {
  const std::size_t group = static_cast<std::size_t>(v.point_row[i]) * kChoiceGroups + v.choice[i];
  add(v.group_counts + group, 1ull);
  for (std::uint32_t bin = 0; bin < v.n_bins; ++bin) {
    const std::uint32_t samples = bin_samples(v, bin);
    for (std::uint32_t pop = 0; pop < 2u; ++pop) {
      const float sum = v.trial_bin_sum[(static_cast<std::size_t>(bin) * 2u + pop) * v.n + i];
      add(v.group_sums + (group * 2u + pop) * v.n_bins + bin, bin_fixed_point(sum, samples));
    }
  }
}

void advance_cpu(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads);
// The CPU's fast math mode (FastCpuMath, kernels/common/fast_math.hpp): not bitwise exact mode's, nor CUDA fast's.
void advance_cpu_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end, int threads);
void finalize_cpu(const View& v, double dt_ms, std::uint32_t n_steps, int threads);
void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void finalize_cuda(const View& v, double dt_ms, std::uint32_t n_steps);

}  // namespace decision
}  // namespace nb
