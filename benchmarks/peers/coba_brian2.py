"""COBA networks (docs/models/network.md; Brette et al. 2007, Vogels & Abbott 2005) in Brian2 (C++ standalone, one
thread). Several networks are one NeuronGroup of networks x N cells with block-diagonal connectivity: cell i belongs
to network i // N and is excitatory when i % N < N_E. Each ordered pair of a network (no autapses) is connected with
probability p (Brian2's sample(), geometric skipping as NeuroBatch's).

    C dV/dt = G_L (E_L - V) + g_e (E_e - V) + g_i (E_i - V),  dg_e/dt = -g_e / tau_e,  dg_i/dt = -g_i / tau_i
    V >= V_th: spike, V = V_reset, refractory t_ref;  method 'euler' (NeuroBatch: Euler for V, exact decay for g)

Delay: NeuroBatch's one step (0.1 ms) adds a spike of step n to the conductances before step n + 1's update. In
Brian2's schedule a synapse without delay acts after the step's update (slot 'synapses'), and so at the same point:
no `delay` is given. The kick: each cell's own Poisson train (kick_rate for kick_ms) through a kick_w synapse.
"""
import numpy as np

import brian2_device
from workloads import COBA, coba_outputs


def run(size, threads=1, seed=1):
    import brian2 as b
    from brian2 import Hz, ms, mV, nS, pF
    brian2_device.start("coba", size, threads)
    p = COBA
    nets, N = size["networks"], p["N"]
    N_E = round(N * p["E_fraction"])
    b.defaultclock.dt = p["dt_ms"] * ms
    b.seed(seed)
    ns = dict(C=p["C_pF"] * pF, G_L=p["G_L_nS"] * nS, E_L=p["E_L_mV"] * mV, E_e=p["E_e_mV"] * mV,
              E_i=p["E_i_mV"] * mV, tau_e=p["tau_e_ms"] * ms, tau_i=p["tau_i_ms"] * ms, V_th=p["V_th_mV"] * mV,
              V_reset=p["V_reset_mV"] * mV, w_e=p["w_e_nS"] * nS, w_i=p["w_i_nS"] * nS, kick_w=p["kick_w_nS"] * nS,
              kick_rate=p["kick_rate_Hz"] * Hz, kick_ms=p["kick_ms"] * ms, n_cell=N, n_exc=N_E, p_c=p["p"])
    P = b.NeuronGroup(nets * N, """
        dv/dt = (G_L * (E_L - v) + ge * (E_e - v) + gi * (E_i - v)) / C : volt (unless refractory)
        dge/dt = -ge / tau_e : siemens
        dgi/dt = -gi / tau_i : siemens
        count : 1
        """, threshold="v >= V_th", reset="v = V_reset; count += 1", refractory=p["t_ref_ms"] * ms,
        method="euler", namespace=ns)
    P.v = "V_reset + rand() * (V_th - V_reset)"
    same_network = "k for k in sample(n_cell * (i // n_cell), n_cell * (i // n_cell) + n_cell, p=p_c) if k != i"
    Se = b.Synapses(P, P, on_pre="ge_post += w_e", namespace=ns)
    Se.connect(j=same_network + " and i % n_cell < n_exc", namespace=ns)
    Si = b.Synapses(P, P, on_pre="gi_post += w_i", namespace=ns)
    Si.connect(j=same_network + " and i % n_cell >= n_exc", namespace=ns)
    kick = b.PoissonGroup(nets * N, rates="kick_rate * int(t < kick_ms)", namespace=ns)
    Sk = b.Synapses(kick, P, on_pre="ge_post += kick_w", namespace=ns)
    Sk.connect(j="i")
    b.run(size["duration_ms"] * ms)
    sim, timers = brian2_device.finish()
    count = np.asarray(P.count[:]).reshape(nets, N) / (size["duration_ms"] * 1e-3)
    return dict(sim_seconds=sim, outputs=coba_outputs(count[:, :N_E].mean(1), count[:, N_E:].mean(1)), **timers)
