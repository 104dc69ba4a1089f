#!/usr/bin/env python3
"""Figure of the self-sustained population (MODELS.md section 4) from NeuroBatch results.

usage: plot.py --results DIR [--figures FIGDIR]

DIR holds, as scripts/demo names them:
    self_sustained_relax/  self_sustained_switch/  self_sustained_gE_sweep/     (neurobatch run outputs)
    self_sustained_fixed_points.json  self_sustained_bifurcation.json           (neurobatch fixed-points outputs)
-> self_sustained.png: (a) s(t) from five initial values with the fixed points, (b) switching up and down by
pulses, (c) graphical fixed points G(s) = s against W(s), (d) fixed points against g_E with the simulated final
states from low and high initial conditions. Missing inputs leave their panel empty with a warning. The script
prints the numbers it compares with MODELS.md, tagged [ok] or [MISMATCH], and a count at the end.

Needs only numpy and matplotlib; renders with the Agg backend.
"""
import argparse
import json
import os
import sys

import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
import nbplot  # noqa: E402
from nbplot import CHECKS, check, footnote  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
# MODELS.md section 4 (gamma = 0.64, g_E = 0.28, I_0 = 0.32)
MODELS_FP = [(0.11956, True), (0.24381, False), (0.62774, True)]
MODELS_RATES = {0: 2.12, 2: 26.35}
MODELS_SADDLE_GE = (0.2607, 0.2896)
FP_TOL, SN_TOL, RATE_TOL = 1e-4, 1e-3, 0.01


def F(I, p):
    """r = (a I - b) / (1 - exp(-d (a I - b))), stable at a I = b (limit 1/d) and for large negative arguments."""
    x = p["a_Hz_per_nA"] * np.asarray(I, dtype=float) - p["b_Hz"]
    dx = p["d_s"] * x
    small = np.abs(dx) < 1e-8
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = np.where(small, 1.0 / p["d_s"] + x / 2.0, x / -np.expm1(-np.where(small, 1.0, dx)))
    return out


def W(s, p):
    """gamma tau F / (1 + gamma tau F) at I = g_E s + I_0 (tau in s)."""
    gtf = p["gamma"] * p["tau_s_ms"] * 1e-3 * F(p["g_E_nA"] * s + p["I_0_nA"], p)
    return gtf / (1.0 + gtf)


def load_json(results, name):
    path = os.path.join(results, name)
    if not os.path.isfile(path):
        print(f"plot.py: {path} missing")
        return None
    with open(path) as f:
        return json.load(f)


def hline_fixed_points(ax, fps):
    for fp in fps:
        ax.axhline(fp["s"], color="k", ls="--" if fp["stable"] else ":", lw=0.9)
        ax.text(0.995, fp["s"], f"{fp['s']:.5f} ({'stable' if fp['stable'] else 'unstable'})",
                transform=ax.get_yaxis_transform(), ha="right", va="bottom", fontsize=7)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", required=True, help="directory holding the demo's self_sustained outputs")
    ap.add_argument("--figures", default=os.path.join(HERE, "figures"),
                    help="where to write the PNG (default: experiments/self_sustained/figures)")
    a = ap.parse_args(argv)
    if not os.path.isdir(a.results):
        ap.error(f"--results: '{a.results}' is not a directory")
    os.makedirs(a.figures, exist_ok=True)
    plt.rcParams.update({"axes.grid": True, "grid.alpha": 0.3, "font.size": 9})

    relax = nbplot.load(a.results, "self_sustained_relax")
    switch = nbplot.load(a.results, "self_sustained_switch")
    sweep = nbplot.load(a.results, "self_sustained_gE_sweep")
    fpj = load_json(a.results, "self_sustained_fixed_points.json")
    bif = load_json(a.results, "self_sustained_bifurcation.json")
    print("self_sustained.png")

    fps = fpj["points"][0]["fixed_points"] if fpj else []
    if fpj:
        check(len(fps) == 3, f"{len(fps)} fixed points at gamma 0.64, g_E 0.28, I_0 0.32 (MODELS.md: 3)")
        for k, (ref, stable) in enumerate(MODELS_FP[:len(fps)]):
            fp = fps[k]
            check(abs(fp["s"] - ref) <= FP_TOL and fp["stable"] == stable,
                  f"fixed point {k}: s = {fp['s']:.5f} ({'stable' if fp['stable'] else 'unstable'}), MODELS.md "
                  f"{ref:.5f} ({'stable' if stable else 'unstable'}), |diff| {abs(fp['s'] - ref):.1e} <= {FP_TOL:g}")
            if k in MODELS_RATES:
                check(abs(fp["rate_Hz"] - MODELS_RATES[k]) <= RATE_TOL,
                      f"fixed point {k}: rate {fp['rate_Hz']:.3f} Hz, MODELS.md {MODELS_RATES[k]:.2f} Hz")
    if bif:
        sn = bif.get("saddle_nodes", {}).get("values", [])
        ok = len(sn) == 2 and all(abs(v - r) <= SN_TOL for v, r in zip(sn, MODELS_SADDLE_GE))
        check(ok, f"saddle nodes in g_E: {', '.join(f'{v:.4f}' for v in sn)} nA, MODELS.md "
                  f"{MODELS_SADDLE_GE[0]} and {MODELS_SADDLE_GE[1]} (tolerance {SN_TOL:g})")

    fig, axes = plt.subplots(2, 2, figsize=(15, 10.5))
    (axa, axb), (axc, axd) = axes

    # (a) relaxation from five initial values
    if relax is not None:
        t, S, ids = relax.npy("trace_t_ms"), relax.npy("trace_s"), relax.npy("trace_instances")
        s0s = relax.axis("s_init")
        finals = relax.npy("s_final").reshape(len(s0s), -1)[:, 0]
        for row, i in enumerate(ids):
            axa.plot(t / 1000, S[row], lw=1.4, label=f"s0 = {s0s[int(i)]:g} -> {finals[int(i)]:.4f}")
        hline_fixed_points(axa, fps)
        if fps:
            stable = [fp["s"] for fp in fps if fp["stable"]]
            worst = max(min(abs(f - x) for x in stable) for f in finals)
            print(f"  relaxation: final s after {relax.spec['duration_ms'] / 1000:g} s within {worst:.1e} of a "
                  f"stable fixed point")
        axa.legend(fontsize=8, loc="center right")
    axa.set(xlabel="time (s)", ylabel="gating s", ylim=(-0.02, 0.85),
            title="(a) s(t) from five initial values; fixed points dashed (stable) / dotted (unstable)")

    # (b) switching by pulses
    if switch is not None:
        t, S, R = switch.npy("trace_t_ms") / 1000, switch.npy("trace_s")[0], switch.npy("trace_r_Hz")[0]
        p = switch.params_at(0)
        axb.plot(t, S, color="C0", lw=1.4, label="s")
        axb.set_ylabel("gating s", color="C0")
        axb2 = axb.twinx()
        axb2.plot(t, R, color="C3", lw=1.0, label="r (Hz)")
        axb2.set_ylabel("rate r (Hz)", color="C3")
        axb2.grid(False)
        for k, c in ((1, "g"), (2, "m")):
            on, du, am = p[f"pulse{k}_onset_ms"] / 1000, p[f"pulse{k}_duration_ms"] / 1000, p[f"pulse{k}_amplitude_nA"]
            axb.axvspan(on, on + du, color=c, alpha=0.2)
            axb.text(on + du, 0.8, f" {am:+g} nA\n {du * 1000:g} ms", color=c, fontsize=8, va="top")
        up, down = float(switch.npy("switch_up_ms").ravel()[0]), float(switch.npy("switch_down_ms").ravel()[0])
        probe = float(switch.npy("s_probe").ravel()[0])
        hi = [fp["s"] for fp in fps if fp["stable"]]
        check(np.isfinite(up) and np.isfinite(down) and up < down,
              f"switching: s crosses {p['s_switch']:g} upward at {up:.1f} ms and downward at {down:.1f} ms")
        if hi:
            check(abs(probe - max(hi)) <= 1e-3,
                  f"between the pulses s = {probe:.5f} at {p['probe_ms']:g} ms, the high state {max(hi):.5f}")
        axb.set_title(f"(b) switching up at {up / 1000:.2f} s and down at {down / 1000:.2f} s (s = {p['s_switch']:g})")
    axb.set(xlabel="time (s)", ylim=(-0.02, 0.85))

    # (c) graphical fixed points
    p = switch.params_at(0) if switch else (relax.params_at(0) if relax else None)
    if p is not None:
        s = np.linspace(0, 1, 2001)
        axc.plot(s, s, "k", lw=1, label="G(s) = s")
        axc.plot(s, W(s, p), "C1", lw=1.6, label="W(s) = gamma tau F / (1 + gamma tau F)  (python, double)")
        for fp in fps:
            axc.plot(fp["s"], fp["s"], "o", ms=8, mfc="k" if fp["stable"] else "w", mec="k")
        worst = max((abs(W(np.array(fp["s"]), p) - fp["s"]) for fp in fps), default=0.0)
        check(worst < 1e-6, f"neurobatch fixed points satisfy W(s) = s in python (largest |W - s| {worst:.1e})")
        axc.plot([], [], "o", mfc="k", mec="k", label="stable (neurobatch fixed-points)")
        axc.plot([], [], "o", mfc="w", mec="k", label="unstable")
        axc.legend(fontsize=8, loc="upper left")
        axc.set_title(f"(c) graphical fixed points (gamma {p['gamma']:g}, g_E {p['g_E_nA']:g} nA, "
                      f"I_0 {p['I_0_nA']:g} nA)")
    axc.set(xlabel="s", ylabel="G(s), W(s)", xlim=(0, 1), ylim=(0, 1))

    # (d) bifurcation diagram against g_E with simulated final states
    if bif:
        pts = [(pt["params"]["g_E_nA"], fp) for pt in bif["points"] for fp in pt["fixed_points"]]
        # branches: sort by s within each g_E, label by index from the bottom for stable/unstable
        gs = np.array([g for g, _ in pts])
        ss = np.array([fp["s"] for _, fp in pts])
        st = np.array([fp["stable"] for _, fp in pts])
        for mask, style, lab in ((st & (ss < 0.3), "k-", "stable"), (st & (ss >= 0.3), "k-", None),
                                 (~st, "k--", "unstable")):
            order = np.argsort(gs[mask])
            axd.plot(gs[mask][order], ss[mask][order], style, lw=1.4, label=lab)
        for v in bif.get("saddle_nodes", {}).get("values", []):
            axd.axvline(v, color="0.5", ls=":", lw=1)
            axd.text(v, 0.97, f" saddle-node\n {v:.4f}", fontsize=7, va="top")
    if sweep is not None:
        g = sweep.axis("g_E_nA")
        s0s = sweep.axis("s_init")
        fin = sweep.npy("s_final").reshape(len(g), len(s0s), -1)[:, :, 0]
        for j, (mk, c) in enumerate(zip(("o", "s"), ("C0", "C3"))):
            axd.plot(g, fin[:, j], mk, color=c, ms=4, mfc="none",
                     label=f"simulated s after {sweep.spec['duration_ms'] / 1000:g} s from s0 = {s0s[j]:g}")
    axd.legend(fontsize=8, loc="lower right")
    axd.set(xlabel="g_E (nA)", ylabel="s", ylim=(0, 1),
            title="(d) fixed points against g_E (I_0 0.32 nA): bistable between the saddle-nodes")

    fig.suptitle("Self-sustained activity of one excitatory population with slow (NMDA) recurrent excitation "
                 "(MODELS.md section 4)", fontsize=12)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    footnote(fig, [relax, switch, sweep])
    nbplot.save(fig, a.figures, "self_sustained.png", "plot.py")
    print(f"plot.py: {CHECKS['ok'] + CHECKS['MISMATCH']} checks against MODELS.md, {CHECKS['MISMATCH']} mismatch(es)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
