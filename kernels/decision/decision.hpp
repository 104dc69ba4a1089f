// Wong & Wang (2006) reduced two-variable model of decision making and working memory (MODELS.md section 5):
//
//     x_i = J11 S_i - J12 S_j + I_0 + I_noise,i + I_stim,i(t)            (j the other population)
//     r_i = F(x_i)                                                        [Hz], kernels/common/transfer.hpp
//     dS_i/dt = phi (-S_i / tau_S + (1 - S_i) gamma r_i)
//     tau_AMPA dI_noise,i/dt = -I_noise,i + xi_i(t) sqrt(tau_AMPA sigma^2)  (Ornstein-Uhlenbeck)
//
// One trial per instance. Step n -> n + 1 (t_n = n dt) evaluates the rates from the state at t_n and the
// stimulus of the steps that start inside a pulse [onset, onset + duration), then updates
//     S:      euler (default, Wong & Wang's and the notebook's scheme)  S += phi dt (gamma r (1 - S) - S / tau_S)
//             exponential (r frozen over the step)                     S  = S_inf + (S - S_inf) exp(-phi dt k)
//     noise:  Euler-Maruyama                                            I += -I dt/tau_AMPA + sqrt(dt/tau_AMPA) sigma z
// with z_i(n) the standard normal of RandomStream::decision_noise, neuron = i - 1, step n (kernels/RANDOM.md).
//
// The stimulus is kPulses rectangular pulses, each with its own current into each population: slot 0 is the
// coherent stimulus J_ext mu_0 (1 +- c), the others free pulses (the host turns input rates into currents).
//
// Observables, all from the rates sampled at the start of every step (the states t_0 .. t_{N-1}):
//  * choice: the first population whose rate reaches the threshold at or after the decision window opens
//    (the stimulus onset), 0 when neither does, 3 when both reach it at the same step with exactly equal rates
//    (possible only without noise); otherwise in a simultaneous crossing the higher rate wins. The decision
//    step is that step (decision time = (step - window) dt).
//  * probes: r and S of both populations at two chosen steps.
//  * binned rates: each trial's mean rate per population in bins of bin_steps steps, kept per trial until the
//    end of the trial, then added into per-(sweep point, choice) sums as 2^-20 Hz fixed point. Integer
//    addition is associative, so the sums have the same bits whatever the order of the additions (threads,
//    atomics, chunks, backend).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common/hd.hpp"
#include "kernels/common/math_mode.hpp"
#include "kernels/common/random.hpp"
#include "kernels/common/transfer.hpp"

namespace nb {
namespace decision {

constexpr int kPulses = 3;          // slot 0: the coherent stimulus; 1, 2: free pulses
constexpr int kChoiceGroups = 4;    // choice 0 (none), 1, 2, 3 (tie): the groups of the binned sums
constexpr double kBinScale = 1048576.0;  // 2^20 fixed-point units per Hz in the binned sums
constexpr float kBinMaxHz = 1.0e4f;      // a bin mean is clamped to [0, kBinMaxHz] before conversion

// Per-trial coefficients, (n,) each. Rates in 1/ms so that dt [ms] multiplies them directly.
#define NB_DECISION_PULSE(X, k) \
  X(std::uint32_t, pulse##k##_begin) X(std::uint32_t, pulse##k##_end) X(float, pulse##k##_I1_nA) X(float, pulse##k##_I2_nA)
#define NB_DECISION_COEFFICIENTS(X)                                                                      \
  X(float, a_Hz_per_nA) X(float, b_Hz) X(float, d_s) X(float, J11_nA) X(float, J12_nA) X(float, I_0_nA)  \
  X(float, gamma_per_ms) X(float, inv_tau_S_per_ms) X(float, phi_dt_ms) X(float, noise_decay)            \
  X(float, noise_amp_nA) X(float, threshold_Hz) X(std::uint32_t, exponential)                          \
  X(std::uint32_t, window_begin) X(std::uint32_t, probe1_step) X(std::uint32_t, probe2_step)             \
  NB_DECISION_PULSE(X, 0) NB_DECISION_PULSE(X, 1) NB_DECISION_PULSE(X, 2)

// Per-trial state, (n,) each. bin_sum_r*: the rate summed over the current bin so far.
#define NB_DECISION_STATE(X)                                                                               \
  X(float, S1) X(float, S2) X(float, I_noise1_nA) X(float, I_noise2_nA) X(std::uint32_t, choice)          \
  X(std::uint32_t, decision_step) X(float, r1_probe1) X(float, r2_probe1) X(float, S1_probe1)             \
  X(float, S2_probe1) X(float, r1_probe2) X(float, r2_probe2) X(float, S1_probe2) X(float, S2_probe2)    \
  X(float, bin_sum_r1) X(float, bin_sum_r2)

#define NB_DECISION_OBSERVABLES(X)                                                                          \
  X(double, choice_out) X(double, decision_time_ms) X(double, higher_at_end) X(double, r1_final_Hz)          \
  X(double, r2_final_Hz) X(double, S1_final) X(double, S2_final) X(double, r1_probe1_Hz)                    \
  X(double, r2_probe1_Hz) X(double, S1_probe1_out) X(double, S2_probe1_out) X(double, r1_probe2_Hz)          \
  X(double, r2_probe2_Hz) X(double, S1_probe2_out) X(double, S2_probe2_out)

struct Coefficients {
#define NB_FIELD(type, name) type name;
  NB_DECISION_COEFFICIENTS(NB_FIELD)
#undef NB_FIELD
};

struct State {
#define NB_FIELD(type, name) type name;
  NB_DECISION_STATE(NB_FIELD)
#undef NB_FIELD
};

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

NB_HD float pulse_nA(std::uint32_t n, std::uint32_t begin, std::uint32_t end, float amplitude_nA) {
  return select((n >= begin) & (n < end), amplitude_nA, 0.0f);
}

// Stimulus currents into populations 1 and 2 at step n (pulses summed in slot order).
NB_HD void stimulus_nA(const Coefficients& c, std::uint32_t n, float& I1, float& I2) {
  I1 = (pulse_nA(n, c.pulse0_begin, c.pulse0_end, c.pulse0_I1_nA) +
        pulse_nA(n, c.pulse1_begin, c.pulse1_end, c.pulse1_I1_nA)) +
       pulse_nA(n, c.pulse2_begin, c.pulse2_end, c.pulse2_I1_nA);
  I2 = (pulse_nA(n, c.pulse0_begin, c.pulse0_end, c.pulse0_I2_nA) +
        pulse_nA(n, c.pulse1_begin, c.pulse1_end, c.pulse1_I2_nA)) +
       pulse_nA(n, c.pulse2_begin, c.pulse2_end, c.pulse2_I2_nA);
}

// The first step after n at which a pulse starts or ends, ~0u if none: the stimulus is constant until then.
NB_HD std::uint32_t next_pulse_edge(const Coefficients& c, std::uint32_t n) {
  std::uint32_t next = ~0u;
  const auto consider = [&](std::uint32_t edge) { next = edge > n && edge < next ? edge : next; };
  consider(c.pulse0_begin);
  consider(c.pulse0_end);
  consider(c.pulse1_begin);
  consider(c.pulse1_end);
  consider(c.pulse2_begin);
  consider(c.pulse2_end);
  return next;
}

// Both rates from the state and the stimulus currents of one step, in this order of roundings on every backend.
template <class Math>
NB_HD void rates_Hz(const Coefficients& c, const State& s, float stim1, float stim2, float& r1, float& r2) {
  const float x1 = (((c.J11_nA * s.S1 - c.J12_nA * s.S2) + c.I_0_nA) + s.I_noise1_nA) + stim1;
  const float x2 = (((c.J11_nA * s.S2 - c.J12_nA * s.S1) + c.I_0_nA) + s.I_noise2_nA) + stim2;
  r1 = rate::transfer_Hz<Math>(x1, c.a_Hz_per_nA, c.b_Hz, c.d_s);
  r2 = rate::transfer_Hz<Math>(x2, c.a_Hz_per_nA, c.b_Hz, c.d_s);
}

// Both rates from the state at step n.
template <class Math>
NB_HD void rates_Hz(const Coefficients& c, const State& s, std::uint32_t n, float& r1, float& r2) {
  float stim1, stim2;
  stimulus_nA(c, n, stim1, stim2);
  rates_Hz<Math>(c, s, stim1, stim2, r1, r2);
}

template <class Math>
NB_HD float gate_euler(const Coefficients& c, float S, float r_Hz) {
  const float drive = c.gamma_per_ms * r_Hz;  // gamma r, 1/ms
  return S + c.phi_dt_ms * (drive * (1.0f - S) - S * c.inv_tau_S_per_ms);
}

template <class Math>
NB_HD float gate_exponential(const Coefficients& c, float S, float r_Hz) {
  const float drive = c.gamma_per_ms * r_Hz;
  const float k = drive + c.inv_tau_S_per_ms;
  const float S_inf = Math::div(drive, k);
  return S_inf + (S - S_inf) * Math::exp(-c.phi_dt_ms * k);
}

// The integrator as a policy of step(). The GPU's loop (advance_trial) is instantiated per integrator, so it
// chooses once per call; the CPU's lane loop reads each trial's choice and computes both, one selected, so it
// stays branch-free and vectorises. The same operations either way: the same bits.
struct EulerGate {
  template <class Math>
  NB_HD static float step(const Coefficients& c, float S, float r_Hz) { return gate_euler<Math>(c, S, r_Hz); }
};
struct ExponentialGate {
  template <class Math>
  NB_HD static float step(const Coefficients& c, float S, float r_Hz) { return gate_exponential<Math>(c, S, r_Hz); }
};
struct TrialGate {
  template <class Math>
  NB_HD static float step(const Coefficients& c, float S, float r_Hz) {
    const float a = gate_exponential<Math>(c, S, r_Hz), b = gate_euler<Math>(c, S, r_Hz);
    return c.exponential != 0u ? a : b;
  }
};

NB_HD float noise_step(const Coefficients& c, float I_nA, float z) {
  return (I_nA - I_nA * c.noise_decay) + c.noise_amp_nA * z;
}

// Choice and probes from the rates r1, r2 of the state at step n (before the step's update).
NB_HD void observe(const Coefficients& c, State& s, float r1, float r2, std::uint32_t n) {
  const bool open = (s.choice == 0u) & (n >= c.window_begin);
  const bool up1 = r1 >= c.threshold_Hz, up2 = r2 >= c.threshold_Hz;
  const std::uint32_t winner =
      up1 & up2 ? (r1 > r2 ? 1u : (r2 > r1 ? 2u : 3u)) : (up1 ? 1u : (up2 ? 2u : 0u));
  const bool decided = open & (winner != 0u);
  s.choice = decided ? winner : s.choice;
  s.decision_step = decided ? n : s.decision_step;
  // Selects, not branches: the CPU lane loop vectorises only straight-line code over the state's own fields (a
  // helper taking references into the state stopped it: 7x slower), and nvcc makes selects of a branch anyway.
  const bool p1 = n == c.probe1_step, p2 = n == c.probe2_step;
  s.r1_probe1 = select(p1, r1, s.r1_probe1);
  s.r2_probe1 = select(p1, r2, s.r2_probe1);
  s.S1_probe1 = select(p1, s.S1, s.S1_probe1);
  s.S2_probe1 = select(p1, s.S2, s.S2_probe1);
  s.r1_probe2 = select(p2, r1, s.r1_probe2);
  s.r2_probe2 = select(p2, r2, s.r2_probe2);
  s.S1_probe2 = select(p2, s.S1, s.S1_probe2);
  s.S2_probe2 = select(p2, s.S2, s.S2_probe2);
  s.bin_sum_r1 += r1;
  s.bin_sum_r2 += r2;
}

// One step n -> n + 1 with the step's stimulus currents stim1, stim2 (stimulus_nA): rates of the state at n
// (returned for traces), observables, then the update with the noise draws z1, z2 of step n.
template <class Math, class Gate = TrialGate>
NB_HD void step(const Coefficients& c, State& s, float stim1, float stim2, float z1, float z2, std::uint32_t n,
                float& r1, float& r2) {
  rates_Hz<Math>(c, s, stim1, stim2, r1, r2);
  observe(c, s, r1, r2, n);
  s.S1 = Gate::template step<Math>(c, s.S1, r1);
  s.S2 = Gate::template step<Math>(c, s.S2, r2);
  s.I_noise1_nA = noise_step(c, s.I_noise1_nA, z1);
  s.I_noise2_nA = noise_step(c, s.I_noise2_nA, z2);
}

template <class Math, class Gate = TrialGate>
NB_HD void step(const Coefficients& c, State& s, float z1, float z2, std::uint32_t n, float& r1, float& r2) {
  float stim1, stim2;
  stimulus_nA(c, n, stim1, stim2);
  step<Math, Gate>(c, s, stim1, stim2, z1, z2, n, r1, r2);
}

// Normals of steps 4 block .. 4 block + 3 for population `pop` (0 or 1).
template <class Math>
NB_HD Normals4 noise_block(std::uint64_t seed, std::uint64_t instance, std::uint32_t pop, std::uint32_t step) {
  return normals4<Math>(seed, instance, pop, RandomStream::decision_noise, step >> 2);
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

// A bin's mean rate as 2^-20 Hz fixed point (round half up; NaN and negative -> 0, clamped above).
NB_HD unsigned long long bin_fixed_point(float sum_Hz, std::uint32_t samples) {
  const float mean = sum_Hz / static_cast<float>(samples);
  const float clamped = select(mean > 0.0f, select(mean < kBinMaxHz, mean, kBinMaxHz), 0.0f);
  return static_cast<unsigned long long>(static_cast<double>(clamped) * kBinScale + 0.5);
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
void finalize_cpu(const View& v, double dt_ms, std::uint32_t n_steps, int threads);
void advance_cuda_exact(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void advance_cuda_fast(const View& v, std::uint32_t step_begin, std::uint32_t step_end);
void finalize_cuda(const View& v, double dt_ms, std::uint32_t n_steps);

}  // namespace decision
}  // namespace nb
