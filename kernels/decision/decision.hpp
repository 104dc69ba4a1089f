// Wong & Wang (2006) reduced two-variable model of decision making and working memory (docs/models/decision.md):
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
// chooses once per call; the CPU's lane loop does the same for a block of trials that share an integrator, and
// for a mixed block reads each trial's choice and computes both, one selected (TrialGate), so it stays
// branch-free and vectorises. The same operations either way: the same bits.
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

// The noise of population `pop` (0 or 1) at `step`: normals of steps 4 block .. 4 block + 3 come from one block.
NB_HD StreamBlock noise_source(std::uint32_t pop, std::uint32_t step) {
  return StreamBlock{pop, RandomStream::decision_noise, step >> 2};
}

template <class Math>
NB_HD Normals4 noise_block(std::uint64_t seed, std::uint64_t instance, std::uint32_t pop, std::uint32_t step) {
  return normals4<Math>(seed, instance, noise_source(pop, step));
}

// A bin's mean rate as 2^-20 Hz fixed point (round half up; NaN and negative -> 0, clamped above).
NB_HD unsigned long long bin_fixed_point(float sum_Hz, std::uint32_t samples) {
  const float mean = sum_Hz / static_cast<float>(samples);
  const float clamped = select(mean > 0.0f, select(mean < kBinMaxHz, mean, kBinMaxHz), 0.0f);
  return static_cast<unsigned long long>(static_cast<double>(clamped) * kBinScale + 0.5);
}

}  // namespace decision
}  // namespace nb
