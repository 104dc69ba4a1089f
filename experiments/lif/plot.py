#!/usr/bin/env python3
"""Figures of the LIF experiments gallery (docs/models/lif.md) from NeuroBatch results directories.

usage: plot.py --results DIR [--figures FIGDIR]

DIR holds one NeuroBatch output directory per study, named as scripts/demo names them:
    traces_subthreshold/  traces_spiking/  vss/          -> lif_traces.png
    dt_<dt_ms>/ (one per step size)                       -> lif_dt.png
    fI_exact/  fI_euler/                                  -> lif_fI.png
    noise_traces/  noise_fI/                              -> lif_noise.png
    sweep/                                                -> lif_sweep_maps.png
A figure whose studies are missing is skipped with a warning. Besides the PNGs, the script prints the numbers it
checks against the closed forms (rates at 0.37/0.45/0.50/0.60 nA, ISI error within one dt, ...).

Needs only numpy and matplotlib (Debian: python3-numpy, python3-matplotlib); renders with the Agg backend.
"""
import argparse
import math
import os
import sys
import warnings

import numpy as np
import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
import nbplot  # noqa: E402
from nbplot import CHECKS, Study, check, footnote  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
MIN_SPIKES_FOR_CV = 10  # CV is drawn where the median trial has at least this many spikes (see cv_mask)


def sigma_color(sigma, all_sigmas=(0.0, 0.3, 0.5, 1.0, 2.0)):
    """One colour per noise level, shared by the noisy traces and the noisy f-I/CV panels."""
    for k, s in enumerate(all_sigmas):
        if abs(s - sigma) < 1e-9:
            return COLORS[k]
    return COLORS[-1]


def cv_mask(spike_count):
    """(..., trials) spike counts -> where the CV mean is meaningful: the median trial has >= MIN_SPIKES_FOR_CV
    spikes. The CV is defined from 3 spikes on, but the sample CV of a handful of ISIs is biased low."""
    return np.median(spike_count, axis=-1) >= MIN_SPIKES_FOR_CV


# ---- Closed forms (docs/models/lif.md); p: the resolved spec's parameters, G_L in nS -----------------------

def tau_ms(p):
    return 1000.0 * p["C_nF"] / p["G_L_nS"]


def v_ss(p, I_nA):
    """Steady state V_L + I / G_L in mV (nA / uS = mV)."""
    return p["V_L_mV"] + np.asarray(I_nA, dtype=float) / (1e-3 * p["G_L_nS"])


def isi_ms(p, I_nA):
    """t_ref + tau ln((V_reset - V_ss)/(V_th - V_ss)) for V_ss > V_th, else inf."""
    vss = np.atleast_1d(v_ss(p, I_nA))
    out = np.full(vss.shape, np.inf)
    ok = vss > p["V_th_mV"]
    out[ok] = p["t_ref_ms"] + tau_ms(p) * np.log((p["V_reset_mV"] - vss[ok]) / (p["V_th_mV"] - vss[ok]))
    return out


def rate_hz(p, I_nA):
    return 1000.0 / isi_ms(p, I_nA)


def threshold_current_nA(p):
    return 1e-3 * p["G_L_nS"] * (p["V_th_mV"] - p["V_L_mV"])


def analytic_trajectory(p, I_nA, t_end_ms, n=4000):
    """Continuous-time LIF trajectory from V_init (no noise), with the spike drawn as a line to V_spike."""
    tau, vss = tau_ms(p), float(v_ss(p, I_nA))
    t, v, t0, v0 = [], [], 0.0, p["V_init_mV"]
    spikes = []
    while t0 < t_end_ms:
        if vss > p["V_th_mV"] and v0 < p["V_th_mV"]:
            t_cross = t0 + tau * math.log((v0 - vss) / (p["V_th_mV"] - vss))
        else:
            t_cross = math.inf
        seg_end = min(t_cross, t_end_ms)
        ts = np.linspace(t0, seg_end, max(2, int(n * (seg_end - t0) / t_end_ms)))
        t.extend(ts)
        v.extend(vss + (v0 - vss) * np.exp(-(ts - t0) / tau))
        if t_cross >= t_end_ms:
            break
        spikes.append(t_cross)
        t += [t_cross, t_cross, t_cross + p["t_ref_ms"]]
        v += [p["V_spike_mV"], p["V_reset_mV"], p["V_reset_mV"]]
        t0, v0 = t_cross + p["t_ref_ms"], p["V_reset_mV"]
    return np.array(t), np.array(v), spikes


# ---- Results ------------------------------------------------------------------------------------------------

def load(results, name):
    return nbplot.load(results, name, Study)


def save(fig, figdir, name):
    nbplot.save(fig, figdir, name, "plot.py")


def by_current(study):
    """{I_nA: trace row} for a traces study swept over I_nA with one trial."""
    t, V, ids = study.traces()
    return t, {round(study.param("I_nA", study.point_of(i)), 6): V[row] for row, i in enumerate(ids)}


# ---- Figure 1: sub-threshold traces, spiking traces, V_ss against I ----------------------------------------------

def fig_traces(results, figdir):
    sub, spk, vss = load(results, "traces_subthreshold"), load(results, "traces_spiking"), load(results, "vss")
    if sub is None and spk is None and vss is None:
        return print("plot.py: skipping lif_traces.png (no traces_subthreshold/, traces_spiking/, vss/)")
    print("lif_traces.png")
    fig, axes = plt.subplots(1, 3, figsize=(17, 5.4))
    p = (spk or sub or vss).params_at(0)
    V_th_model = -52.0 if spk is None else spk.param("V_th_mV")

    ax = axes[0]
    if sub is not None:
        t, rows = by_current(sub)
        ps = sub.params_at(0)
        for k, I in enumerate(sorted(rows)):
            ax.plot(t, rows[I], color=COLORS[k], lw=1.6,
                    label=f"I = {I:g} nA, V_ss = {float(v_ss(ps, I)):.1f} mV (dashed)")
            ax.axhline(float(v_ss(ps, I)), color=COLORS[k], ls="--", lw=0.9)
        ax.axhline(V_th_model, color="k", ls=":", lw=1, label=f"V_th = {V_th_model:g} mV (disabled in this run)")
        if 0.2 in rows:
            # docs/models/lif.md: at 0.2 nA (V_ss = -60 mV) V goes from -70 to -61 mV in tau ln 10 = 23.03 ms.
            t61 = tau_ms(ps) * math.log(10.0)
            k = int(np.argmax(rows[0.2] >= -61.0))
            ax.plot([t61], [-61], "ko", ms=4)
            ax.annotate(f"-61 mV at {t61:.2f} ms\n(simulated {t[k]:.2f} ms)", (t61, -61), (t61 + 8, -64.5),
                        fontsize=8, arrowprops=dict(arrowstyle="->", lw=0.7))
            check(abs(t[k] - t61) <= sub.spec["dt_ms"] + 1e-9,
                  f"0.2 nA: -70 -> -61 mV after {t[k]:.2f} ms (closed form {t61:.2f} ms)")
        for I in sorted(rows):
            check(abs(rows[I][-1] - float(v_ss(ps, I))) < 0.01,
                  f"sub-threshold I = {I:g} nA: V(100 ms) = {rows[I][-1]:.3f} mV, V_ss = {float(v_ss(ps, I)):.3f} mV")
        ax.legend(loc="lower right", fontsize=8)
    ax.set(xlabel="time t (ms)", ylabel="membrane potential V (mV)",
           title="Sub-threshold: V relaxes to V_ss = V_L + I/G_L (tau = 10 ms)")

    ax = axes[1]
    if spk is not None:
        t, rows = by_current(spk)
        ps = spk.params_at(0)
        for k, I in enumerate(sorted(rows)):
            ax.plot(t, rows[I], color=COLORS[k], lw=1.3, label=f"I = {I:g} nA")
        ax.axhline(ps["V_th_mV"], color="k", ls=":", lw=1)
        ax.text(1, ps["V_th_mV"] + 0.6, f"V_th = {ps['V_th_mV']:g} mV", fontsize=8)
        spikes = spk.spike_times()
        for i, ts in sorted(spikes.items()):
            I = spk.param("I_nA", spk.point_of(i))
            n = len(ts)
            isi = f", ISI {np.mean(np.diff(ts)):.2f} ms (closed form {isi_ms(ps, I)[0]:.2f})" if n >= 2 else ""
            print(f"  I = {I:g} nA: {n} spike(s) in 100 ms{isi}")
        ax.legend(loc="upper left", fontsize=8)
    ax.set(xlabel="time t (ms)", ylabel="membrane potential V (mV)",
           title="Spiking: only I > I_c = 0.36 nA reaches V_th")

    ax = axes[2]
    I_line = np.linspace(0, 0.6, 200)
    ax.plot(I_line, v_ss(p, I_line), "k-", lw=1.2, label="V_ss = V_L + I / G_L (closed form)")
    if vss is not None:
        t, V, ids = vss.traces()
        I_sim = np.array([vss.param("I_nA", vss.point_of(i)) for i in ids])
        ax.plot(I_sim, V[:, -1], "o", color=COLORS[0], ms=5, mfc="none",
                label=f"simulated V at t = {t[-1]:g} ms (spikes disabled)")
        err = np.max(np.abs(V[:, -1] - v_ss(vss.params_at(0), I_sim)))
        check(err < 0.01, f"V_ss sweep: largest |V(200 ms) - V_ss| = {err:.2g} mV over {len(ids)} currents")
    Ic = threshold_current_nA(p)
    ax.axhline(p["V_th_mV"], color="k", ls=":", lw=1)
    ax.axvline(Ic, color="0.4", ls="--", lw=1)
    ax.text(Ic + 0.005, -68, f"I_c = G_L (V_th - V_L)\n= {Ic:.2f} nA", fontsize=8)
    ax.text(0.005, p["V_th_mV"] + 0.5, f"V_th = {p['V_th_mV']:g} mV", fontsize=8)
    ax.plot([0.2], [-60], "ks", ms=5)
    ax.annotate("0.2 nA holds V_ss = -60 mV", (0.2, -60), (0.24, -64), fontsize=8,
                arrowprops=dict(arrowstyle="->", lw=0.7))
    ax.legend(loc="upper left", fontsize=8)
    ax.set(xlabel="injected current I (nA)", ylabel="steady state V_ss (mV)", title="V_ss against I")

    fig.suptitle("LIF membrane potential (docs/models/lif.md)", fontsize=12)
    fig.tight_layout(rect=(0, 0.07, 1, 0.96))
    footnote(fig, [sub, spk, vss])
    save(fig, figdir, "lif_traces.png")


# ---- Figure 2: dt sensitivity of forward Euler -------------------------------------------------------------------

def fig_dt(results, figdir):
    names = sorted((d for d in os.listdir(results) if d.startswith("dt_")), key=lambda d: -float(d[3:])) \
        if os.path.isdir(results) else []
    studies = [s for s in (load(results, d) for d in names) if s is not None]
    if not studies:
        return print("plot.py: skipping lif_dt.png (no dt_*/ results)")
    print("lif_dt.png")
    p = studies[0].params_at(0)
    I = p["I_nA"]
    T = studies[0].spec["duration_ms"]
    ta, va, sa = analytic_trajectory(p, I, T)
    fig = plt.figure(figsize=(16, 7.2))
    gs = fig.add_gridspec(2, 2, width_ratios=[2, 1], height_ratios=[2.2, 1], hspace=0.3, wspace=0.18)
    ax_tr, ax_err, ax_zoom = fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[1, 0]), fig.add_subplot(gs[:, 1])
    for ax in (ax_tr, ax_zoom):
        ax.plot(ta, va, color="k", lw=1.0, ls="--", label="continuous time (closed form)", zorder=5)
        ax.axhline(p["V_th_mV"], color="k", ls=":", lw=0.8)
    first_analytic = sa[0] if sa else math.nan
    for k, s in enumerate(studies):
        t, V, _ = s.traces()
        dt = s.spec["dt_ms"]
        style = dict(color=COLORS[k], lw=1.3, label=f"Euler, dt = {dt:g} ms")
        if dt >= 0.25:
            style.update(marker=".", ms=5)
        for ax in (ax_tr, ax_zoom):
            ax.plot(t, V[0], **style)
        spikes = s.spike_times().get(0, np.array([]))
        isi = np.diff(spikes)
        print(f"  dt = {dt:g} ms: spikes at {', '.join(f'{x:.2f}' for x in spikes)} ms; "
              f"mean ISI {np.mean(isi) if len(isi) else math.nan:.3f} ms (closed form {isi_ms(p, I)[0]:.3f} ms)")
        n = min(len(spikes), len(sa))
        ax_err.plot(np.arange(1, n + 1), spikes[:n] - np.array(sa[:n]), "o-", color=COLORS[k], ms=5,
                    label=f"dt = {dt:g} ms: ISI {np.mean(isi):.2f} ms" if len(isi) else f"dt = {dt:g} ms")
    print(f"  closed form: spikes at {', '.join(f'{x:.2f}' for x in sa)} ms")
    ax_tr.set(xlabel="time t (ms)", ylabel="membrane potential V (mV)", ylim=(-72, -15),
              title=f"Forward Euler at I = {I:g} nA: the same neuron at three step sizes")
    ax_tr.legend(loc="upper left", fontsize=8, ncol=2)
    ax_err.axhline(0, color="k", lw=0.8)
    ax_err.set(xlabel="spike number", ylabel="spike time - closed form (ms)",
               title=f"Spike-time error (closed-form ISI {isi_ms(p, I)[0]:.2f} ms)")
    ax_err.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax_err.legend(loc="lower left", fontsize=8)
    lo = first_analytic - 1.5 if sa else 8
    ax_zoom.set(xlim=(lo, lo + 4), ylim=(-62, -15), xlabel="time t (ms)", ylabel="membrane potential V (mV)",
                title=f"Zoom on the first spike (closed form {first_analytic:.2f} ms)")
    ax_zoom.legend(loc="upper left", fontsize=8)
    fig.suptitle("Step-size sensitivity of forward Euler: coarse steps shift and distort the spikes", fontsize=12)
    fig.subplots_adjust(left=0.05, right=0.99, top=0.91, bottom=0.14)
    footnote(fig, studies)
    save(fig, figdir, "lif_dt.png")


# ---- Figure 3: simulated against analytic f-I ----------------------------------------------------------------------

def fig_fI(results, figdir):
    runs = [(s, lab, m) for s, lab, m in ((load(results, "fI_exact"), "exact integrator", "o"),
                                          (load(results, "fI_euler"), "forward Euler", "x")) if s is not None]
    if not runs:
        return print("plot.py: skipping lif_fI.png (no fI_exact/ or fI_euler/)")
    print("lif_fI.png")
    p = runs[0][0].params_at(0)
    fig, axes = plt.subplots(1, 2, figsize=(15, 5.6))
    I_line = np.linspace(0.2, 0.6, 801)
    axes[0].plot(I_line, rate_hz(p, I_line), "k-", lw=1.2,
                 label="f(I) = 1 / (t_ref + tau ln((V_reset - V_ss)/(V_th - V_ss)))")
    for k, (s, label, marker) in enumerate(runs):
        I = s.axis("I_nA")
        rate = s.npy("rate_Hz")[:, 0]
        isi = s.npy("isi_mean_ms")[:, 0]
        dt = s.spec["dt_ms"]
        axes[0].plot(I, rate, marker, color=COLORS[k], ms=6, mfc="none" if marker == "o" else None,
                     label=f"simulated, {label} (spike count / {s.spec['duration_ms'] / 1000:g} s)")
        T = isi_ms(p, I)
        fires = np.isfinite(T)
        err = isi - T
        axes[1].plot(I[fires], err[fires], marker + "-", color=COLORS[k], ms=5, lw=0.8,
                     mfc="none" if marker == "o" else None, label=f"{label}")
        check(np.all(rate[~fires] == 0), f"{label}: no spikes below I_c ({int(np.sum(~fires))} currents)")
        if s.spec["integrator"] == "exact":
            check(np.all((err[fires] > 0) & (err[fires] <= dt + 1e-9)),
                  f"{label}: ISI error in (0, dt] at every current: {np.min(err[fires]):.4f} .. "
                  f"{np.max(err[fires]):.4f} ms (dt = {dt:g} ms)")
        else:
            print(f"  {label}: ISI error {np.min(err[fires]):+.4f} .. {np.max(err[fires]):+.4f} ms (dt = {dt:g} ms)")
        for Iq in (0.37, 0.45, 0.50, 0.60):
            j = int(np.argmin(np.abs(I - Iq)))
            print(f"  {label}: I = {I[j]:.2f} nA: rate {rate[j]:8.3f} Hz, 1000/ISI {1000 / isi[j]:8.3f} Hz, "
                  f"closed form {rate_hz(p, I[j])[0]:8.3f} Hz")
    for Iq in (0.37, 0.45, 0.50, 0.60):
        f = rate_hz(p, Iq)[0]
        axes[0].annotate(f"{f:.3f} Hz", (Iq, f), (Iq - 0.06, f + 12), fontsize=8,
                         arrowprops=dict(arrowstyle="->", lw=0.6))
    Ic = threshold_current_nA(p)
    axes[0].axvline(Ic, color="0.4", ls="--", lw=1)
    axes[0].text(Ic + 0.004, 150, f"I_c = {Ic:.2f} nA", fontsize=8)
    axes[0].set(xlabel="injected current I (nA)", ylabel="firing rate f (Hz)", ylim=(-5, 165),
                title="f-I curve: simulation on the closed form")
    axes[0].legend(loc="lower right", fontsize=8)
    dt = runs[0][0].spec["dt_ms"]
    axes[1].axhspan(0, dt, color="0.85", zorder=0, label="(0, dt]: crossing seen at the end of a step")
    axes[1].axhline(0, color="k", lw=0.8)
    axes[1].set(xlabel="injected current I (nA)", ylabel="mean ISI - closed-form ISI (ms)",
                xlim=(threshold_current_nA(p) - 0.01, 0.605),
                title="Error per inter-spike interval, within one dt")
    axes[1].legend(loc="lower right", fontsize=8)
    fig.suptitle("Firing rate against injected current (docs/models/lif.md)", fontsize=12)
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    footnote(fig, [s for s, _, _ in runs])
    save(fig, figdir, "lif_fI.png")


# ---- Figure 4: noise ---------------------------------------------------------------------------------------------

def fig_noise(results, figdir):
    tr, fi = load(results, "noise_traces"), load(results, "noise_fI")
    if tr is None and fi is None:
        return print("plot.py: skipping lif_noise.png (no noise_traces/ or noise_fI/)")
    print("lif_noise.png")
    fig = plt.figure(figsize=(18, 5.8))
    gs = fig.add_gridspec(3, 3, width_ratios=[1.2, 1, 1], hspace=0.15, wspace=0.25)

    if tr is not None:
        t, V, ids = tr.traces()
        spikes = tr.spike_times()
        ps = tr.params_at(0)
        for row, i in enumerate(ids[:3]):
            ax = fig.add_subplot(gs[row, 0])
            sigma = tr.param("sigma_mV_sqrt_ms", tr.point_of(i))
            n = len(spikes.get(int(i), []))
            ax.plot(t, V[row], color=sigma_color(sigma), lw=0.8)
            ax.axhline(ps["V_th_mV"], color="k", ls=":", lw=0.8)
            ax.axhline(float(v_ss(ps, ps["I_nA"])), color="0.5", ls="--", lw=0.8)
            ax.set_ylim(-72, -15)
            ax.text(0.99, 0.93, f"sigma = {sigma:g} mV/sqrt(ms): {n} spike(s) in {t[-1]:g} ms", ha="right",
                    va="top", transform=ax.transAxes, fontsize=8, bbox=dict(fc="w", ec="none", alpha=0.8))
            ax.set_ylabel("V (mV)")
            if row == 0:
                ax.set_title(f"Noisy traces at I = {ps['I_nA']:g} nA (below I_c; V_ss = "
                             f"{float(v_ss(ps, ps['I_nA'])):g} mV dashed, V_th dotted)", fontsize=10)
            if row < 2:
                ax.tick_params(labelbottom=False)
            else:
                ax.set_xlabel("time t (ms)")
            if sigma == 0:
                check(n == 0, f"I = {ps['I_nA']:g} nA without noise: {n} spikes")
            else:
                check(n > 0, f"I = {ps['I_nA']:g} nA, sigma = {sigma:g}: noise makes it fire ({n} spikes)")

    if fi is not None:
        I = fi.axis("I_nA")
        sig = fi.axis("sigma_mV_sqrt_ms")
        rate = fi.npy("rate_Hz")          # (I, sigma, trials)
        cv = fi.npy("isi_cv")
        count = fi.npy("spike_count")
        p = fi.params_at(0)
        trials = fi.spec["trials"]
        ax = fig.add_subplot(gs[:, 1])
        I_line = np.linspace(I[0], I[-1], 400)
        ax.plot(I_line, rate_hz(p, I_line), "k--", lw=1.0, label="closed form, no noise")
        for k, s in enumerate(sig):
            m, sd = rate[:, k, :].mean(axis=1), rate[:, k, :].std(axis=1, ddof=1)
            ax.plot(I, m, color=sigma_color(s), lw=1.4, label=f"sigma = {s:g} mV/sqrt(ms)")
            ax.fill_between(I, m - sd, m + sd, color=sigma_color(s), alpha=0.25, lw=0)
            j = int(np.argmin(np.abs(I - 0.35)))
            print(f"  sigma = {s:g}: rate at {I[j]:.2f} nA = {m[j]:.2f} +- {sd[j]:.2f} Hz; "
                  f"at {I[-1]:.2f} nA = {m[-1]:.2f} Hz (noiseless closed form {rate_hz(p, I[-1])[0]:.2f})")
        ax.axvline(threshold_current_nA(p), color="0.4", ls=":", lw=1)
        ax.set(xlabel="injected current I (nA)", ylabel="firing rate f (Hz)",
               title=f"Noisy f-I: mean +- SD over {trials} trials")
        ax.legend(loc="upper left", fontsize=8)

        ax = fig.add_subplot(gs[:, 2])
        for k, s in enumerate(sig):
            if s == 0:
                continue
            ok = cv_mask(count[:, k, :])
            m_rate = rate[:, k, :].mean(axis=1)
            m_cv = np.nanmean(cv[:, k, :][ok], axis=1)
            ax.plot(m_rate[ok], m_cv, "o-", color=sigma_color(s), ms=3.5, lw=1.1, label=f"sigma = {s:g} mV/sqrt(ms)")
            if ok.sum() >= 2:
                print(f"  sigma = {s:g}: CV {m_cv[0]:.3f} at {m_rate[ok][0]:.1f} Hz -> {m_cv[-1]:.3f} at "
                      f"{m_rate[ok][-1]:.1f} Hz")
        ax.set(xlabel="mean firing rate (Hz)", ylabel="ISI coefficient of variation (CV)", ylim=(0, None),
               title="CV falls as the rate rises; more noise, higher CV")
        ax.legend(loc="upper right", fontsize=8)
        ax.text(0.02, 0.02, f"one point per current (mean over trials); shown where the median trial\n"
                f"has >= {MIN_SPIKES_FOR_CV} spikes (the CV of a few ISIs is biased low)", transform=ax.transAxes,
                fontsize=7.5, color="0.3")
    fig.suptitle("Membrane noise: V += sigma sqrt(dt) xi each step", fontsize=12)
    fig.subplots_adjust(left=0.045, right=0.99, top=0.9, bottom=0.2)
    footnote(fig, [tr, fi])
    save(fig, figdir, "lif_noise.png")


# ---- Figure 5: the batch showcase, I x sigma maps -----------------------------------------------------------------

def fig_sweep(results, figdir):
    s = load(results, "sweep")
    if s is None:
        return print("plot.py: skipping lif_sweep_maps.png (no sweep/)")
    print("lif_sweep_maps.png")
    I, sig = s.axis("I_nA"), s.axis("sigma_mV_sqrt_ms")
    trials = s.spec["trials"]
    p = s.params_at(0)
    rate = s.npy("rate_Hz")  # (I, sigma, trials)
    cv = s.npy("isi_cv")
    count = s.npy("spike_count")
    rate_m, rate_sd = rate.mean(axis=2), rate.std(axis=2, ddof=1) if trials > 1 else np.zeros(rate.shape[:2])
    enough = cv_mask(count) & (np.isfinite(cv).sum(axis=2) >= 2)
    with warnings.catch_warnings():  # all-NaN cells (no CV in any trial) are masked anyway
        warnings.simplefilter("ignore", RuntimeWarning)
        cv_m = np.where(enough, np.nanmean(cv, axis=2), np.nan)
        cv_sd = np.where(enough, np.nanstd(cv, axis=2, ddof=1), np.nan)
    n_inst = rate.size
    print(f"  {n_inst} neurons ({len(I)} currents x {len(sig)} noise levels x {trials} trials)")

    fig, axes = plt.subplots(2, 3, figsize=(18, 9.6))
    dI, ds = (I[1] - I[0]) / 2, (sig[1] - sig[0]) / 2
    extent = (I[0] - dI, I[-1] + dI, sig[0] - ds, sig[-1] + ds)
    Ic = threshold_current_nA(p)

    def show(ax, data, title, label, cmap):
        cm = plt.get_cmap(cmap).copy()
        cm.set_bad("0.8")
        im = ax.imshow(np.ma.masked_invalid(data.T), origin="lower", aspect="auto", extent=extent, cmap=cm,
                       interpolation="nearest")
        ax.axvline(Ic, color="w", ls="--", lw=1)
        ax.grid(False)
        ax.set(xlabel="injected current I (nA)", ylabel="noise sigma (mV/sqrt(ms))", title=title)
        fig.colorbar(im, ax=ax, label=label)

    show(axes[0, 0], rate_m, f"Mean firing rate over {trials} trials", "rate (Hz)", "viridis")
    show(axes[0, 1], cv_m, f"Mean ISI CV (grey: median trial < {MIN_SPIKES_FOR_CV} spikes)", "CV", "magma")
    show(axes[1, 0], rate_sd, "Trial-to-trial SD of the rate", "SD of rate (Hz)", "viridis")
    show(axes[1, 1], cv_sd, "Trial-to-trial SD of the CV", "SD of CV", "magma")
    axes[0, 0].text(Ic + 0.01, sig[-1] - 0.1, "I_c = 0.36 nA", color="w", fontsize=8, va="top")

    picks = sorted(set(int(round(x)) for x in np.linspace(0, len(sig) - 1, 5)))
    ax = axes[0, 2]
    ax.plot(I, rate_hz(p, I), "k--", lw=1, label="closed form, no noise")
    for k, j in enumerate(picks):
        ax.plot(I, rate_m[:, j], color=COLORS[k], lw=1.4, label=f"sigma = {sig[j]:.3g} mV/sqrt(ms)")
        ax.fill_between(I, rate_m[:, j] - rate_sd[:, j], rate_m[:, j] + rate_sd[:, j], color=COLORS[k],
                        alpha=0.2, lw=0)
    ax.set(xlabel="injected current I (nA)", ylabel="firing rate f (Hz)",
           title="f-I curves at five noise levels (mean +- SD over trials)")
    ax.legend(loc="upper left", fontsize=8)
    ax = axes[1, 2]
    for k, j in enumerate(picks):
        if sig[j] == 0:
            continue
        ok = enough[:, j]
        ax.plot(rate_m[ok, j], cv_m[ok, j], "o-", color=COLORS[k], ms=3, lw=1.1,
                label=f"sigma = {sig[j]:.3g} mV/sqrt(ms)")
    ax.set(xlabel="mean firing rate (Hz)", ylabel="mean ISI CV", ylim=(0, None),
           title="CV against rate at the same noise levels")
    ax.legend(loc="upper right", fontsize=8)

    j0 = int(np.argmin(np.abs(sig - 0)))
    fires0 = np.isfinite(isi_ms(p, I))
    dev = np.max(np.abs(rate_m[fires0, j0] - rate_hz(p, I[fires0])))
    check(np.all(rate_m[~fires0, j0] == 0) and dev < 3,
          f"sigma = 0 column: silent below I_c, largest |rate - closed form| above it = {dev:.2f} Hz "
          f"(counting over {s.spec['duration_ms'] / 1000:g} s)")
    check(np.all(rate_sd[:, j0] == 0), "sigma = 0 column: trials identical (SD 0)")
    r = s.run
    fig.suptitle(f"Batch showcase: {n_inst:,} LIF neurons ({len(I)} currents x {len(sig)} noise levels x {trials} "
                 f"trials), {s.spec['duration_ms'] / 1000:g} s each, in {r['wall_s']:.1f} s on {r['backend']}",
                 fontsize=12)
    fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    footnote(fig, [s])
    save(fig, figdir, "lif_sweep_maps.png")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", required=True, help="directory holding one NeuroBatch output per study")
    ap.add_argument("--figures", help="where to write the PNGs (default: RESULTS/figures/lif; "
                    "experiments/lif/figures/ holds the committed gallery: write there only to update it)")
    ap.add_argument("--only", nargs="*", help="figure names to draw (traces dt fI noise sweep); default all")
    a = ap.parse_args(argv)
    if a.figures is None:
        a.figures = os.path.join(a.results, "figures", "lif")
    if not os.path.isdir(a.results):
        ap.error(f"--results: '{a.results}' is not a directory")
    os.makedirs(a.figures, exist_ok=True)
    plt.rcParams.update({"axes.grid": True, "grid.alpha": 0.3, "font.size": 9})
    figures = {"traces": fig_traces, "dt": fig_dt, "fI": fig_fI, "noise": fig_noise, "sweep": fig_sweep}
    for name, fn in figures.items():
        if a.only and name not in a.only:
            continue
        fn(a.results, a.figures)
    print(f"plot.py: {CHECKS['ok'] + CHECKS['MISMATCH']} checks against docs/models/lif.md, {CHECKS['MISMATCH']} mismatch(es)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
