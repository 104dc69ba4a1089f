"""Noisy LIF neurons (docs/models/lif.md) in Brian2 (C++ standalone, OpenMP): one NeuronGroup, spikes counted by
the reset (a SpikeMonitor would store ~1e7 spike times we do not need).

    dV/dt = (V_inf - V) / tau_m + sigma xi        method 'euler' (Euler-Maruyama): NeuroBatch's default integrator
    V > V_th: spike, V = V_reset, refractory t_ref (V not integrated)
"""
import numpy as np

import brian2_device
from workloads import LIF, lif_outputs


def run(size, threads=2, seed=1):
    import brian2 as b
    from brian2 import ms, mV, nA, nS, nF
    brian2_device.start("lif", size, threads)
    p = LIF
    currents, trials = size["currents"], size["trials"]
    I_nA = np.linspace(p["I_lo_nA"], p["I_hi_nA"], currents)
    b.defaultclock.dt = p["dt_ms"] * ms
    b.seed(seed)
    tau_m, sigma = p["C_nF"] * nF / (p["G_L_nS"] * nS), p["sigma_mV_sqrt_ms"] * mV / b.sqrt(ms)
    V_th, V_reset = p["V_th_mV"] * mV, p["V_reset_mV"] * mV
    G = b.NeuronGroup(currents * trials,
                      """dV/dt = (V_inf - V) / tau_m + sigma * xi : volt (unless refractory)
                         V_inf : volt (constant)
                         count : 1""",
                      threshold="V > V_th", reset="V = V_reset; count += 1", refractory=p["t_ref_ms"] * ms,
                      method="euler")
    G.V = p["V_init_mV"] * mV
    G.V_inf = p["V_L_mV"] * mV + np.repeat(I_nA, trials) * nA / (p["G_L_nS"] * nS)
    b.run(size["duration_ms"] * ms)
    sim, timers = brian2_device.finish()
    rate = np.asarray(G.count[:]).reshape(currents, trials) / (size["duration_ms"] * 1e-3)
    return dict(sim_seconds=sim, outputs=lif_outputs(I_nA, rate), **timers)
