"""Wong & Wang (2006) reduced decision model (docs/models/decision.md) in NumPy: both populations of every trial in
one (2, trials) array, advanced step by step.

    x_i = J11 S_i - J12 S_j + I_0 + I_noise,i + I_stim,i(t);   r_i = F(x_i) = u / (1 - exp(-d u)),  u = a x_i - b
    S_i <- S_i + phi dt (gamma r_i (1 - S_i) - S_i / tau_S)                      (forward Euler, the default)
    I_noise,i <- I_noise,i - I_noise,i dt / tau_AMPA + sigma sqrt(dt / tau_AMPA) z
Rates are taken at the start of each step; the first population to reach the threshold from the stimulus onset on
makes the choice, at that step.
"""
import time

import numpy as np

from workloads import DECISION, decision_outputs, steps


def run(size, threads=1, seed=1):  # NumPy's elementwise loops use one thread whatever `threads` says
    p, f32, n = DECISION, np.float32, size["trials"]
    dt = p["dt_ms"]
    mu = p["mu_0_Hz"] * np.array([1 + p["coherence"], 1 - p["coherence"]])
    stim = (p["J_ext_nA_per_Hz"] * mu).astype(f32)[:, None]
    onset = round(p["stim_onset_ms"] / dt)  # the stimulus lasts to the end; the decision window opens with it
    a, b, d = f32(p["a_Hz_per_nA"]), f32(p["b_Hz"]), f32(p["d_s"])
    gamma, inv_tau_S, phi_dt = f32(p["gamma"] * 1e-3), f32(1 / p["tau_S_ms"]), f32(p["phi"] * dt)  # 1/ms
    noise_decay, noise_amp = f32(dt / p["tau_AMPA_ms"]), f32(p["sigma_nA"] * np.sqrt(dt / p["tau_AMPA_ms"]))
    S = np.empty((2, n), f32)
    S[0], S[1] = p["S1_init"], p["S2_init"]
    I_noise = np.zeros((2, n), f32)
    choice, decision_step = np.zeros(n, np.int32), np.zeros(n, np.int32)
    rng = np.random.default_rng(seed)
    z = np.empty((2, n), f32)
    np.seterr(invalid="ignore")  # 0/0 at the singularity, replaced below
    t0 = time.perf_counter()
    for step in range(steps(p, size)):
        x = p["J11_nA"] * S - p["J12_nA"] * S[::-1] + p["I_0_nA"] + I_noise
        if step >= onset:
            x += stim
        u = a * x - b
        y = d * u
        r = u / -np.expm1(-y)
        np.copyto(r, 1 / d, where=y == 0)  # the removable singularity: F -> 1/d
        if step >= onset:
            up = r >= p["threshold_Hz"]
            first = up[0] & (~up[1] | (r[0] >= r[1]))  # population 1 wins a simultaneous crossing if higher
            decided = (choice == 0) & (up[0] | up[1])
            choice[decided] = np.where(first, 1, 2)[decided]
            decision_step[decided] = step
        S += phi_dt * (gamma * r * (1 - S) - S * inv_tau_S)
        rng.standard_normal(out=z, dtype=f32)
        I_noise += noise_amp * z - noise_decay * I_noise
    sim = time.perf_counter() - t0
    return dict(sim_seconds=sim, outputs=decision_outputs(choice, (decision_step - onset) * dt))
