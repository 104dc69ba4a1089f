"""Wong & Wang (2006) reduced decision model (docs/models/decision.md) in Brian2 (C++ standalone, OpenMP): one
neuron per trial holding both populations; method 'euler' (Euler-Maruyama for the noise currents, forward Euler
for S: NeuroBatch's default). The choice is taken by code that runs at the start of each step, before the update,
so that it sees the rates of the step's initial state as NeuroBatch does. F(x) = (1/d) / exprel(-d (a x - b)) is
the model's u / (1 - exp(-d u)) written with Brian2's exprel, which is finite at u = 0.
"""
import numpy as np

import brian2_device
from workloads import DECISION, decision_outputs


def run(size, threads=2, seed=1):
    import brian2 as b
    from brian2 import Hz, ms, nA, second
    brian2_device.start("decision", size, threads)
    p = DECISION
    b.defaultclock.dt = p["dt_ms"] * ms
    b.seed(seed)
    ns = dict(a=p["a_Hz_per_nA"] * Hz / nA, b_=p["b_Hz"] * Hz, d=p["d_s"] * second, J11=p["J11_nA"] * nA,
              J12=p["J12_nA"] * nA, I0=p["I_0_nA"] * nA, gamma=p["gamma"], tau_S=p["tau_S_ms"] * ms,
              tau_A=p["tau_AMPA_ms"] * ms, sigma=p["sigma_nA"] * nA, phi=p["phi"], thr=p["threshold_Hz"] * Hz,
              onset=p["stim_onset_ms"] * ms,
              stim1=p["J_ext_nA_per_Hz"] * p["mu_0_Hz"] * (1 + p["coherence"]) * nA,
              stim2=p["J_ext_nA_per_Hz"] * p["mu_0_Hz"] * (1 - p["coherence"]) * nA)
    eqs = """
    dS1/dt = phi * (-S1 / tau_S + (1 - S1) * gamma * r1) : 1
    dS2/dt = phi * (-S2 / tau_S + (1 - S2) * gamma * r2) : 1
    dIn1/dt = -In1 / tau_A + sigma * xi_1 / sqrt(tau_A) : amp
    dIn2/dt = -In2 / tau_A + sigma * xi_2 / sqrt(tau_A) : amp
    on = int(t >= onset) : 1
    r1 = 1 / (d * exprel(-d * (a * (J11 * S1 - J12 * S2 + I0 + In1 + on * stim1) - b_))) : Hz
    r2 = 1 / (d * exprel(-d * (a * (J11 * S2 - J12 * S1 + I0 + In2 + on * stim2) - b_))) : Hz
    choice : integer
    decision_time : second
    """
    G = b.NeuronGroup(size["trials"], eqs, method="euler", namespace=ns)
    G.S1, G.S2 = p["S1_init"], p["S2_init"]
    G.run_regularly("""
        win1 = int(r1 >= thr and (r2 < thr or r1 >= r2))
        win2 = int(r2 >= thr and win1 == 0)
        decided = on * int(choice == 0) * (win1 + win2)
        choice += decided * (win1 + 2 * win2)
        decision_time += decided * (t - onset)
        """, when="start")
    b.run(size["duration_ms"] * ms)
    sim, timers = brian2_device.finish()
    return dict(sim_seconds=sim, outputs=decision_outputs(np.asarray(G.choice[:]), np.asarray(G.decision_time[:]) * 1e3),
                **timers)
