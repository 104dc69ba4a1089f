"""The peer benchmark's workloads in one place: parameters (the same numbers as specs/*.json, which the runner checks
against NeuroBatch's resolved spec), sizes, NeuroBatch's `--set` overrides, the outputs NeuroBatch's files give, and
what "agree" means for each workload.

Every tool returns its outputs as a dict of plain numbers and lists, so that one agreement check serves all tools.
"""
import json
import math
import pathlib

import numpy as np

SPECS = pathlib.Path(__file__).resolve().parent / "specs"

# Model parameters, named as in docs/models/<model>.md. Peers read them from here, NeuroBatch from specs/*.json.
LIF = dict(C_nF=0.2, G_L_nS=20.0, V_L_mV=-70.0, V_reset_mV=-60.0, V_th_mV=-52.0, t_ref_ms=2.0,
           sigma_mV_sqrt_ms=0.3, V_init_mV=-70.0, dt_ms=0.05, I_lo_nA=0.2, I_hi_nA=0.6)
DECISION = dict(a_Hz_per_nA=270.0, b_Hz=108.0, d_s=0.154, J11_nA=0.2609, J12_nA=0.0497, I_0_nA=0.3255,
                J_ext_nA_per_Hz=0.00052, gamma=0.641, tau_S_ms=100.0, tau_AMPA_ms=2.0, sigma_nA=0.02, phi=1.0,
                threshold_Hz=15.0, S1_init=0.1, S2_init=0.1, stim_onset_ms=200.0, mu_0_Hz=30.0, coherence=0.128,
                dt_ms=0.5)
RING = dict(N=100, tau_ms=10.0, A_Hz=40.0, eps=0.1, theta_cue_rad=0.0, J0=-7.3, J2=11.0, alpha_Hz=2.0,
            theta_0_rad=math.pi / 4, r0_Hz=0.0, sigma_Hz=0.0, dt_ms=1.0, contrast_lo=0.05, contrast_hi=1.0)
COBA = dict(N=4000, E_fraction=0.8, p=0.02, C_pF=200.0, G_L_nS=10.0, E_L_mV=-60.0, V_th_mV=-50.0, V_reset_mV=-60.0,
            t_ref_ms=5.0, E_e_mV=0.0, E_i_mV=-80.0, tau_e_ms=5.0, tau_i_ms=10.0, w_e_nS=4.0, w_i_nS=51.0,
            delay_ms=0.1, kick_ms=50.0, kick_rate_Hz=100.0, kick_w_nS=4.0, dt_ms=0.1)

# Per workload: the spec, the model's parameters, the unit of work, the peers and their thread counts (Brian2 also
# without OpenMP: on a shared machine its 2-thread runs stall at OpenMP barriers), and the sizes (full: the
# benchmark; smoke: a few seconds in all; gpu: the GPU harness's, gpu.py, ten times full).
WORKLOADS = {
    "lif": dict(spec="lif.json", params=LIF, unit="neuron-steps",
                peers=[("numpy", 1), ("brian2", 1), ("brian2", 2), ("jax", 2)],
                full=dict(currents=50, trials=2000, duration_ms=1000.0),
                smoke=dict(currents=10, trials=100, duration_ms=200.0),
                gpu=dict(currents=50, trials=20000, duration_ms=1000.0)),
    "decision": dict(spec="decision.json", params=DECISION, unit="trial-steps",
                     peers=[("numpy", 1), ("brian2", 1), ("brian2", 2), ("jax", 2)],
                     full=dict(trials=100000, duration_ms=3000.0),
                     smoke=dict(trials=2000, duration_ms=1000.0),
                     gpu=dict(trials=1000000, duration_ms=3000.0)),
    "ring": dict(spec="ring.json", params=RING, unit="neuron-steps",
                 peers=[("numpy", 1)],
                 full=dict(rings=1000, duration_ms=5000.0),
                 smoke=dict(rings=100, duration_ms=500.0)),
    "coba1": dict(spec="coba.json", params=COBA, unit="cell-steps",
                  peers=[("brian2", 1)],
                  full=dict(networks=1, duration_ms=1000.0),
                  smoke=dict(networks=1, duration_ms=200.0)),
    "coba10": dict(spec="coba.json", params=COBA, unit="cell-steps",
                   peers=[("brian2", 1)],
                   full=dict(networks=10, duration_ms=1000.0),
                   smoke=dict(networks=2, duration_ms=200.0)),
}


def steps(params, size):
    return int(round(size["duration_ms"] / params["dt_ms"]))


def work(name, size):
    """Units of work of one run (neuron-, trial- or cell-steps): throughput = work / seconds."""
    w = WORKLOADS[name]
    n = {"lif": lambda: size["currents"] * size["trials"], "decision": lambda: size["trials"],
         "ring": lambda: size["rings"] * RING["N"], "coba1": lambda: size["networks"] * COBA["N"],
         "coba10": lambda: size["networks"] * COBA["N"]}[name]()
    return n * steps(w["params"], size)


def nb_overrides(name, size):
    """`neurobatch run --set` arguments that give the spec this size."""
    sets = {"duration_ms": size["duration_ms"]}
    if name == "lif":
        sets.update({"trials": size["trials"],
                     "sweep.I_nA": {"linspace": [LIF["I_lo_nA"], LIF["I_hi_nA"], size["currents"]]}})
    elif name == "decision":  # the stimulus lasts from its onset to the end of the trial
        sets.update({"trials": size["trials"],
                     "params.stim_duration_ms": size["duration_ms"] - DECISION["stim_onset_ms"]})
    elif name == "ring":
        sets["sweep.contrast"] = {"linspace": [RING["contrast_lo"], RING["contrast_hi"], size["rings"]]}
    else:
        sets["trials"] = size["networks"]
    return [f"{k}={json.dumps(v)}" for k, v in sets.items()]


def check_resolved_params(name, summary):
    """Names of parameters where NeuroBatch's resolved spec differs from the peers' (empty when all agree)."""
    resolved = dict(summary["spec"]["params"], dt_ms=summary["spec"]["dt_ms"])
    return [k for k, v in WORKLOADS[name]["params"].items()
            if k in resolved and not math.isclose(float(resolved[k]), float(v), rel_tol=1e-12)]


# ---- outputs ---------------------------------------------------------------------------------------------------

def lif_outputs(I_nA, rate_Hz):
    """Per current: mean and SD of the rate over its neurons. rate_Hz: (currents, trials)."""
    return dict(I_nA=[float(x) for x in I_nA], rate_mean_Hz=rate_Hz.mean(axis=1).tolist(),
                rate_sd_Hz=rate_Hz.std(axis=1, ddof=1).tolist(), n=int(rate_Hz.shape[1]))


def decision_outputs(choice, decision_time_ms):
    """P(choice 1) among decided trials, decided fraction, mean and SD of the decision time (decided trials)."""
    decided = (choice == 1) | (choice == 2)
    dt = decision_time_ms[decided]
    return dict(n=int(choice.size), n_decided=int(decided.sum()), p_choice1=float((choice == 1).sum() / decided.sum()),
                dt_mean_ms=float(dt.mean()), dt_sd_ms=float(dt.std(ddof=1)))


def ring_outputs(profiles_Hz):
    """Per ring (rows of (rings, N)): peak rate, mean rate, population-vector angle and the bump's half width at half
    maximum, computed by this one function for every tool."""
    r = np.asarray(profiles_Hz, dtype=np.float64)
    N = r.shape[1]
    theta = -np.pi / 2 + np.pi * np.arange(N) / N
    angle = 0.5 * np.degrees(np.arctan2((r * np.sin(2 * theta)).sum(1), (r * np.cos(2 * theta)).sum(1)))
    above = r >= 0.5 * r.max(axis=1, keepdims=True)  # neurons above half maximum; the width counts them
    return dict(peak_Hz=r.max(1).tolist(), mean_Hz=r.mean(1).tolist(), pv_angle_deg=angle.tolist(),
                hwhm_deg=(above.sum(1) * 180.0 / N / 2).tolist())


def coba_outputs(rate_E_Hz, rate_I_Hz):
    return dict(rate_E_Hz=[float(x) for x in rate_E_Hz], rate_I_Hz=[float(x) for x in rate_I_Hz])


def nb_outputs(name, outdir):
    """The same outputs from a NeuroBatch results directory."""
    d = pathlib.Path(outdir)
    if name == "lif":
        summary = json.loads((d / "summary.json").read_text())
        return lif_outputs(summary["spec"]["axes"][0]["values"][0], np.load(d / "rate_Hz.npy"))
    if name == "decision":
        return decision_outputs(np.load(d / "choice.npy"), np.load(d / "decision_time_ms.npy"))
    if name == "ring":
        return ring_outputs(np.load(d / "profile_Hz.npy").reshape(-1, RING["N"]))
    return coba_outputs(np.load(d / "rate_E_Hz.npy").ravel(), np.load(d / "rate_I_Hz.npy").ravel())


def summarize(name, out):
    """A few numbers of the outputs for the JSON lines (the per-ring and per-current lists stay out)."""
    if name == "lif":
        return dict(I_nA=[out["I_nA"][0], out["I_nA"][-1]], rate_mean_Hz_first_last=[out["rate_mean_Hz"][0],
                    out["rate_mean_Hz"][-1]], rate_mean_Hz_all=float(np.mean(out["rate_mean_Hz"])))
    if name == "ring":
        return {k: float(np.mean(v)) for k, v in out.items()}
    if name.startswith("coba"):
        return dict(rate_E_Hz_mean=float(np.mean(out["rate_E_Hz"])), rate_I_Hz_mean=float(np.mean(out["rate_I_Hz"])),
                    networks=len(out["rate_E_Hz"]))
    return out


# ---- agreement -------------------------------------------------------------------------------------------------

def agree(name, ref, other):
    """(ok, text): whether `other` agrees with the reference (NeuroBatch) within the workload's tolerance.

    The tools draw different random numbers, so the noisy workloads are compared as statistics: a difference of
    two means is accepted within 4 standard errors of that difference (plus an allowance for the conventions a
    tool may choose differently, stated per workload); the deterministic ring is compared ring by ring."""
    if name == "lif":
        # Per current: 4 SE of the difference of the mean rates + 1 % (room for a tool that ends the refractory
        # period or tests the threshold one step apart: 0.05 ms of a 7 ms interval is < 1 %) + 0.1 Hz.
        worst, bad = 0.0, []
        for I, ma, sa, mb, sb in zip(ref["I_nA"], ref["rate_mean_Hz"], ref["rate_sd_Hz"], other["rate_mean_Hz"],
                                     other["rate_sd_Hz"]):
            tol = 4 * math.sqrt(sa ** 2 / ref["n"] + sb ** 2 / other["n"]) + 0.01 * ma + 0.1
            worst = max(worst, abs(mb - ma) / tol)
            if abs(mb - ma) > tol:
                bad.append(f"{I:.3f} nA: {mb:.2f} vs {ma:.2f} Hz (tol {tol:.2f})")
        return not bad, (f"rates at {len(ref['I_nA'])} currents, worst |diff|/tol {worst:.2f}"
                         + ("; " + "; ".join(bad[:3]) if bad else ""))
    if name == "decision":
        pa, pb = ref["p_choice1"], other["p_choice1"]
        se_p = math.sqrt(pa * (1 - pa) / ref["n_decided"] + pb * (1 - pb) / other["n_decided"])
        se_t = math.sqrt(ref["dt_sd_ms"] ** 2 / ref["n_decided"] + other["dt_sd_ms"] ** 2 / other["n_decided"])
        tol_t = 4 * se_t + DECISION["dt_ms"]  # + one step: where a tool stamps the crossing
        ok = abs(pb - pa) <= 4 * se_p and abs(other["dt_mean_ms"] - ref["dt_mean_ms"]) <= tol_t
        return ok, (f"P(choice 1) {pb:.4f} vs {pa:.4f} (tol {4 * se_p:.4f}); mean DT {other['dt_mean_ms']:.1f} vs "
                    f"{ref['dt_mean_ms']:.1f} ms (tol {tol_t:.1f})")
    if name == "ring":
        # Deterministic: both tools integrate the same Euler steps in float32, one through Fourier moments, one
        # through a dense matrix; only rounding differs, and the stable bump damps it.
        peak_a, peak_b = np.array(ref["peak_Hz"]), np.array(other["peak_Hz"])
        rel = float(np.max(np.abs(peak_b - peak_a) / np.maximum(np.abs(peak_a), 1e-3)))
        angle = float(np.max(np.abs(np.array(other["pv_angle_deg"]) - np.array(ref["pv_angle_deg"]))))
        width = float(np.max(np.abs(np.array(other["hwhm_deg"]) - np.array(ref["hwhm_deg"]))))
        ok = rel <= 1e-3 and angle <= 0.1 and width <= 180.0 / RING["N"]
        return ok, (f"{len(peak_a)} rings: peak max rel diff {rel:.1e} (tol 1e-3), bump angle max diff {angle:.2e} "
                    f"deg (tol 0.1), half width max diff {width:.1f} deg (tol one neuron, {180 / RING['N']:.1f})")
    # COBA: a network's mean E rate varies from network to network (SD about 1.1 Hz at 14 Hz, NeuroBatch's ten
    # networks). One network: within 30 % (about 3 SDs of a difference of two networks). Several: the means within
    # 4 SE of their difference (SD over networks) + 5 % for the integrators (Brian2's forward Euler also decays g).
    a, b = np.array(ref["rate_E_Hz"]), np.array(other["rate_E_Hz"])
    if len(a) < 2 or len(b) < 2:
        tol = 0.3 * a.mean()
    else:
        tol = 4 * math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)) + 0.05 * a.mean()
    ok = abs(b.mean() - a.mean()) <= tol
    return ok, f"mean E rate {b.mean():.2f} vs {a.mean():.2f} Hz over {len(a)} network(s) (tol {tol:.2f})"
