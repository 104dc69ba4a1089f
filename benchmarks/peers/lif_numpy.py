"""Noisy LIF neurons (docs/models/lif.md) in NumPy: one array of neurons advanced step by step, in place.

    V <- V_inf + (V - V_inf) (1 - dt/tau_m) + sigma sqrt(dt) xi      (forward Euler, NeuroBatch's default integrator)
    V > V_th at the end of a step: spike, V = V_reset, held there for round(t_ref / dt) steps
"""
import time

import numpy as np

from workloads import LIF, lif_outputs, steps


def run(size, threads=1, seed=1):  # NumPy's elementwise loops use one thread whatever `threads` says
    p, f32 = LIF, np.float32
    currents, trials = size["currents"], size["trials"]
    I_nA = np.linspace(p["I_lo_nA"], p["I_hi_nA"], currents)
    n, dt = currents * trials, p["dt_ms"]
    tau_m = p["C_nF"] / p["G_L_nS"] * 1e3  # nF / nS = s -> ms
    V_inf = np.repeat(p["V_L_mV"] + I_nA / p["G_L_nS"] * 1e3, trials).astype(f32)  # nA / nS = V -> mV
    decay, noise = f32(1 - dt / tau_m), f32(p["sigma_mV_sqrt_ms"] * np.sqrt(dt))
    V_th, V_reset, ref_steps = f32(p["V_th_mV"]), f32(p["V_reset_mV"]), round(p["t_ref_ms"] / dt)
    rng = np.random.default_rng(seed)
    V = np.full(n, p["V_init_mV"], f32)
    xi = np.empty(n, f32)
    refractory = np.zeros(n, np.int32)  # steps still held at V_reset
    count = np.zeros(n, np.int32)
    held, spike = np.empty(n, bool), np.empty(n, bool)
    t0 = time.perf_counter()
    for _ in range(steps(p, size)):
        rng.standard_normal(out=xi, dtype=f32)
        V -= V_inf
        V *= decay
        V += V_inf
        xi *= noise
        V += xi
        np.greater(refractory, 0, out=held)
        np.greater(V, V_th, out=spike)
        spike &= ~held
        count += spike
        held |= spike
        np.copyto(V, V_reset, where=held)
        np.subtract(refractory, 1, out=refractory, where=refractory > 0)
        np.copyto(refractory, ref_steps, where=spike)
    sim = time.perf_counter() - t0
    rate = count.reshape(currents, trials) / (size["duration_ms"] * 1e-3)
    return dict(sim_seconds=sim, outputs=lif_outputs(I_nA, rate))
