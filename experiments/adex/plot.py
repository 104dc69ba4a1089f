#!/usr/bin/env python3
"""Figures and checks of the AdEx studies (experiments/adex/README.md).

    python3 experiments/adex/plot.py --results DIR [--figures experiments/adex/figures]

DIR is what run.sh wrote. Prints every comparison with a closed form or an expectation as [ok] or [MISMATCH] and a
count at the end (exit status 1 if any mismatch). Needs numpy and matplotlib only.
"""
import argparse
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import numpy as np
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap, BoundaryNorm

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from nbplot import Study  # noqa: E402

PATTERNS = ["quiescent", "tonic", "adapting", "initial burst", "regular bursting", "accelerating",
            "delayed reg. bursting", "transient", "irregular"]
NAUD = ["tonic", "adapting", "initial_burst", "regular_bursting", "delayed_accelerating",
        "delayed_regular_bursting", "transient", "irregular"]
NAUD_CODE = [1, 2, 3, 4, 5, 6, 7, 8]
COLORS = ["#ffffff", "#1f77b4", "#2ca02c", "#ff7f0e", "#d62728", "#9467bd", "#8c564b", "#bcbd22", "#17becf"]

checks = {"ok": 0, "MISMATCH": 0}


def check(ok, text):
    tag = "ok" if ok else "MISMATCH"
    checks[tag] += 1
    print(f"[{tag}] {text}")


def footnote(fig, *studies):
    parts = []
    for s in studies:
        r = s.run
        parts.append(f"{os.path.basename(s.path)}: {r.get('backend')} ({r.get('device', '')}), dt {s.spec['dt_ms']} ms, "
                     f"{s.spec['duration_ms']} ms, {r.get('wall_s', 0):.2g} s")
    fig.text(0.01, 0.005, "; ".join(parts)[:400], fontsize=5, color="0.4")


def onset_current(p):
    """The current where the resting state disappears: saddle-node (I_rh) or Hopf (I_H), and which case."""
    C, gL, EL, VT, D, a, tw = (p[k] for k in ("C_pF", "g_L_nS", "E_L_mV", "V_T_mV", "Delta_T_mV", "a_nS", "tau_w_ms"))
    tau_m = C / gL
    if a <= -gL:
        return float("nan"), "none"
    if a / gL < tau_m / tw:
        return (gL + a) * (VT - EL - D + D * math.log(1 + a / gL)), "saddle-node"
    VH = VT + D * math.log(1 + tau_m / tw)
    return (gL + a) * (VH - EL) - gL * D * (1 + tau_m / tw), "Hopf"


DEFAULTS = {"C_pF": 200.0, "g_L_nS": 10.0, "E_L_mV": -70.0, "V_T_mV": -50.0, "Delta_T_mV": 2.0, "a_nS": 2.0,
            "tau_w_ms": 30.0, "b_pA": 0.0, "V_r_mV": -58.0, "V_peak_mV": 0.0}
NAUD_TABLE = {  # Naud et al. (2008), Table 1 (the presets of host/models/adex/adex_model.cpp)
    "tonic": (200, 10, -70, 2, 30, 0, -58, 500), "adapting": (200, 12, -70, 2, 300, 60, -58, 500),
    "initial_burst": (130, 18, -58, 4, 150, 120, -50, 400), "regular_bursting": (200, 10, -58, 2, 120, 100, -46, 210),
    "delayed_accelerating": (200, 12, -70, -10, 300, 0, -58, 300),
    "delayed_regular_bursting": (100, 10, -65, -10, 90, 30, -47, 110),
    "transient": (100, 10, -65, 10, 90, 100, -47, 180), "irregular": (100, 12, -60, -11, 130, 30, -48, 160)}


def naud_params(name):
    p = dict(DEFAULTS)
    for k, v in zip(("C_pF", "g_L_nS", "E_L_mV", "a_nS", "tau_w_ms", "b_pA", "V_r_mV", "I_pA"), NAUD_TABLE[name]):
        p[k] = float(v)
    return p


def fig_naud(res, figdir):
    for label in ("naud", "naud_euler"):
        s = Study(os.path.join(res, label))
        pat = s.npy("pattern").ravel()
        for k, name in enumerate(NAUD):
            check(pat[k] == NAUD_CODE[k], f"{label}: {name} classified as {PATTERNS[pat[k]]}")
    s = Study(os.path.join(res, "naud"))
    t, V, w = s.npy("trace_t_ms"), s.npy("trace_V_mV"), s.npy("trace_w_pA")
    pat = s.npy("pattern").ravel()
    fig = plt.figure(figsize=(16, 13))
    outer = fig.add_gridspec(4, 2, hspace=0.45, wspace=0.2)
    for k, name in enumerate(NAUD):
        p = naud_params(name)
        g = outer[k // 2, k % 2].subgridspec(2, 2, width_ratios=[2.2, 1], hspace=0.05, wspace=0.25)
        axV, axw, axp = fig.add_subplot(g[0, 0]), fig.add_subplot(g[1, 0]), fig.add_subplot(g[:, 1])
        sel = t <= 600
        axV.plot(t[sel], V[k, sel], lw=0.6)
        axV.set_title(f"{name} -> in-kernel class: {PATTERNS[pat[k]]}", fontsize=8)
        axV.set_ylabel("V (mV)", fontsize=7)
        axV.tick_params(labelbottom=False, labelsize=6)
        axw.plot(t[sel], w[k, sel], lw=0.6, color="C3")
        axw.set_ylabel("w (pA)", fontsize=7)
        axw.set_xlabel("t (ms)", fontsize=7)
        axw.tick_params(labelsize=6)
        # Phase plane: the trajectory (spike steps drawn at V_peak left out) and the nullclines at the step current.
        Vs = np.clip(V[k], None, p["V_T_mV"] + 15)
        axp.plot(Vs, w[k], lw=0.4, color="0.3")
        Vg = np.linspace(p["E_L_mV"] - 10, p["V_T_mV"] + 10, 400)
        w_V = -p["g_L_nS"] * (Vg - p["E_L_mV"]) + p["g_L_nS"] * p["Delta_T_mV"] * np.exp((Vg - p["V_T_mV"]) / p["Delta_T_mV"]) + p["I_pA"]
        axp.plot(Vg, w_V, "C0", lw=0.8, label="V-nullcline")
        axp.plot(Vg, p["a_nS"] * (Vg - p["E_L_mV"]), "C3", lw=0.8, label="w-nullcline")
        axp.axvline(p["V_r_mV"], color="C2", lw=0.5, ls="--", label="V_r")
        lo, hi = np.min(w[k]), np.max(w[k])
        pad = 0.3 * (hi - lo + 20)
        axp.set_ylim(lo - pad, hi + pad)
        axp.set_xlim(Vg[0], Vg[-1])
        axp.set_xlabel("V (mV)", fontsize=7)
        axp.tick_params(labelsize=6)
        if k == 0:
            axp.legend(fontsize=5)
    fig.suptitle("AdEx firing patterns of Naud et al. (2008), Table 1: traces (first 600 ms of 1 s) and (V, w) phase plane")
    footnote(fig, s)
    fig.savefig(os.path.join(figdir, "adex_naud.png"), dpi=110)
    plt.close(fig)


def fig_fI(res, figdir):
    s = Study(os.path.join(res, "fI"))
    a_vals, b_vals, I = s.axis("a_nS"), s.axis("b_pA"), s.axis("I_pA")
    rate, count = s.npy("rate_Hz")[..., 0], s.npy("spike_count")[..., 0]
    isi1 = s.npy("isi_first_ms")[..., 0, 0]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    base = naud_params("adapting")
    for ia, a in enumerate(a_vals):
        p = dict(base, a_nS=a)
        I_rh, kind = onset_current(p)
        for ib, b in enumerate(b_vals):
            c = f"C{2 * ia + ib}"
            axes[0].plot(I, rate[ia, ib], c, label=f"a = {a:g} nS, b = {b:g} pA")
            axes[1].plot(I, 1000.0 / isi1[ia, ib], c, ls="-", lw=0.8)
            below = I < 0.99 * I_rh
            above = I > 1.01 * I_rh
            first = I[np.argmax(count[ia, ib] > 0)]
            if kind == "saddle-node":
                check(np.all(count[ia, ib][below] == 0) and np.all(count[ia, ib][above] > 0),
                      f"fI a={a:g} b={b:g}: no spike below 0.99 I_rh, spikes above 1.01 I_rh (saddle-node I_rh = "
                      f"{I_rh:.2f} pA; first spiking current of the grid {first:g} pA)")
            else:
                # Hopf case: the resting state loses stability at I_H; a subcritical Hopf (or the step from rest)
                # can fire below it, so only the upper side is checked.
                check(np.all(count[ia, ib][above] > 0),
                      f"fI a={a:g} b={b:g}: spikes above 1.01 I_H (Hopf I_H = {I_rh:.2f} pA; first spiking current "
                      f"of the grid {first:g} pA)")
        for ax in axes:
            ax.axvline(I_rh, color=f"C{2 * ia}", ls=":", lw=1)
    # Adaptation lowers the steady rate, never the onset rate (b acts only after the first spike).
    check(np.all(rate[:, 1] <= rate[:, 0] + 1e-9), "fI: b = 60 pA never raises the rate over 2 s")
    axes[0].set_title("mean rate over 2 s (adaptation lowers it); dotted: rheobase closed form")
    axes[1].set_title("onset rate 1000 / ISI_1 (before w builds up)")
    for ax in axes:
        ax.set_xlabel("I (pA)")
        ax.set_ylabel("rate (Hz)")
    axes[0].legend(fontsize=7)
    footnote(fig, s)
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    fig.savefig(os.path.join(figdir, "adex_fI.png"), dpi=110)
    plt.close(fig)


def fig_dt(res, figdir):
    ref_s = Study(os.path.join(res, "dt_reference"))
    ref = ref_s.npy("spike_times_ms")[0][:8]
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for integ, c in (("exponential", "C0"), ("euler", "C3")):
        dts, errs = [], []
        for dt in (0.2, 0.1, 0.05, 0.025, 0.0125, 0.00625):
            s = Study(os.path.join(res, f"dt_{integ}_{dt}"))
            t = s.npy("spike_times_ms")[0][:8]
            dts.append(dt)
            errs.append(float(np.max(np.abs(t - ref))))
        print(f"dt convergence ({integ}): max |t_k - t_k(ref)| over the first 8 spikes (300 ms): " +
              ", ".join(f"dt {d}: {e:.4f} ms" for d, e in zip(dts, errs)))
        order = np.polyfit(np.log(dts), np.log(errs), 1)[0]
        check(0.7 < order < 1.5, f"dt convergence ({integ}): fitted order {order:.2f} (first order expected)")
        ax.loglog(dts, errs, "o-", color=c, label=f"{integ} (order {order:.2f})")
    ax.loglog([0.00625, 0.2], [0.00625, 0.2], "k:", lw=0.8, label="error = dt")
    ax.set_xlabel("dt (ms)")
    ax.set_ylabel("max error of the first 8 spike times (ms)")
    ax.set_title("adapting cell, reference dt = 0.0015625 ms")
    ax.legend(fontsize=8)
    footnote(fig, ref_s)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(os.path.join(figdir, "adex_dt.png"), dpi=110)
    plt.close(fig)


def fig_map(res, figdir, name, xname, yname, xlabel, ylabel):
    s = Study(os.path.join(res, name))
    I, y, x = s.axis("I_pA"), s.axis(yname), s.axis(xname)
    pat = s.npy("pattern")[..., 0]  # (I, y, x)
    base = dict(DEFAULTS)
    base.update({k: v for k, v in s.spec["params"].items() if k in DEFAULTS})
    if s.spec["params"].get("naud_pattern") in NAUD_TABLE:
        base.update({k: v for k, v in naud_params(s.spec["params"]["naud_pattern"]).items() if k != "I_pA"})
        base.update({k: v for k, v in s.spec["params"].items() if k in DEFAULTS})
    cmap = ListedColormap(COLORS)
    norm = BoundaryNorm(np.arange(-0.5, 9.5), cmap.N)
    fig, axes = plt.subplots(1, len(I), figsize=(5.2 * len(I), 4.8))
    for k, (ax, current) in enumerate(zip(axes, I)):
        ax.pcolormesh(x, y, pat[k], cmap=cmap, norm=norm, shading="nearest")
        # The resting state's loss: onset current against x (y does not enter).
        onset = np.array([onset_current(dict(base, **{xname: xv}))[0] for xv in x])
        kinds = [onset_current(dict(base, **{xname: xv}))[1] for xv in x]
        quiet = (pat[k] == 0) | (pat[k] == 7)
        below = onset > 1.03 * current   # well below onset: at most a transient from the step
        above = (onset < 0.97 * current) & np.array([kd == "saddle-node" for kd in kinds])
        if below.any():
            frac = quiet[:, below].mean()
            check(frac >= 0.99, f"{name} I={current:g}: quiescent or transient where I < onset/1.03: {100 * frac:.2f}% of {quiet[:, below].size}")
        if above.any():
            frac = (pat[k][:, above] != 0).mean()
            check(frac >= 0.99, f"{name} I={current:g}: spiking where I > 1.03 I_rh (saddle-node side): {100 * frac:.2f}% of {pat[k][:, above].size}")
        # Boundaries: the saddle-node/Hopf line (a = C / tau_w) and where I crosses the onset current.
        if xname == "a_nS":
            xb = base["C_pF"] / base["tau_w_ms"]
        else:
            xb = base["C_pF"] / base["a_nS"]
        if x[0] <= xb <= x[-1]:
            ax.axvline(xb, color="k", lw=1.2, ls="--")
        cross = np.where(np.diff(np.sign(onset - current)) != 0)[0]
        for c in cross:
            ax.axvline(x[c], color="m", lw=1.2)
        ax.set_title(f"I = {current:g} pA", fontsize=9)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        counts = np.bincount(pat[k].ravel(), minlength=9)
        print(f"{name} I={current:g}: " + ", ".join(f"{PATTERNS[c]} {counts[c]}" for c in range(9) if counts[c]))
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLORS[c], ec="0.5") for c in range(9)]
    fig.legend(handles, PATTERNS, loc="lower center", ncol=9, fontsize=7, bbox_to_anchor=(0.5, 0.02))
    fig.suptitle(f"AdEx firing pattern classified in the kernels, {len(y)} x {len(x)} x {len(I)} instances; dashed: "
                 "saddle-node | Hopf (a = C / tau_w), magenta: I = onset current (rheobase)", fontsize=9)
    footnote(fig, s)
    fig.tight_layout(rect=(0, 0.07, 1, 0.95))
    fig.savefig(os.path.join(figdir, f"adex_{name}.png"), dpi=100)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--figures", default=None)
    args = ap.parse_args(argv)
    figdir = args.figures or os.path.join(args.results, "figures")
    os.makedirs(figdir, exist_ok=True)
    fig_naud(args.results, figdir)
    fig_fI(args.results, figdir)
    fig_dt(args.results, figdir)
    fig_map(args.results, figdir, "map_ab", "a_nS", "b_pA", "a (nS)", "b (pA)")
    fig_map(args.results, figdir, "map_tauw_Vr", "tau_w_ms", "V_r_mV", "tau_w (ms)", "V_r (mV)")
    print(f"{checks['ok']} ok, {checks['MISMATCH']} mismatches; figures in {figdir}")
    return 1 if checks["MISMATCH"] else 0


if __name__ == "__main__":
    sys.exit(main())
