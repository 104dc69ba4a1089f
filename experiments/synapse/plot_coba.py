#!/usr/bin/env python3
"""The E x I batch showcase of the conductance-driven LIF neuron (model lif_cond) from NeuroBatch results.

usage: plot_coba.py --results DIR [--figures FIGDIR]

DIR holds the two NeuroBatch output directories scripts/demo writes for experiments/synapse/coba_ei*.json:
    synapse_coba_ei/        AMPA + GABA_A inputs            (coba_ei.json)
    synapse_coba_ei_nmda/   the same plus NMDA, Mg block on (coba_ei_nmda.json; same seed: the same input trains)
-> synapse_coba_maps.png: per condition, maps over (r_E, r_I) of the mean rate, the ISI CV and the mean V, with
the contour where the mean input reaches threshold and the balanced (fluctuation-driven) region marked, and the
rate against r_E at five r_I values. A condition whose directory is missing is left out with a warning.

Mean input at threshold. With every conductance frozen at its mean the membrane settles at
    V_inf = (G_L V_L + g_A E_AMPA + g_N B(V) E_NMDA + g_G E_GABA + I) / (G_L + g_A + g_N B(V) + g_G).
g_A and g_G are the measured g_AMPA_mean_nS and g_GABA_mean_nS (trial means). g_NMDA_mean_nS is measured *after*
the Mg block (the mean of g_N(t) B(V(t))), so the unblocked mean is estimated as g_NMDA_mean_nS / B(V_mean) and the
block is then applied at V = V_th: a fixed point of the frozen-conductance membrane sits exactly at threshold when
V_inf(B(V_th)) = V_th, and the drift at threshold is negative (the mean input alone cannot make the neuron fire)
exactly when V_inf(B(V_th)) < V_th. Without NMDA (B = 1, g_N = 0) this is the plain V_inf < V_th.
The balanced, noise-driven region is where V_inf < V_th and yet the neuron fires: mean rate > 1 Hz and ISI CV > 0.5.

The ISI CV is pooled over trials: the ISIs of all trials of a point taken together (from each trial's spike count,
isi_mean_ms and isi_sd_ms), which stays usable at the low rates of the balanced region where a 1 s trial holds only
a few spikes; it is masked (grey) where the point has fewer than MIN_ISIS intervals in all.

Besides the PNG the script prints sanity checks tagged [ok] or [MISMATCH] and a count at the end: rates grow with
r_E and fall with r_I, silence at r_E = 0, and the mean AMPA and GABA_A conductances against the exact mean of
the discrete-time gate process, g K p q / (1 - d (1 - p q)) (p = r dt, d = exp(-dt/tau), q = 1 - exp(-alpha);
kernels/synapse/synapse.hpp; the continuous-time r tau q / (1 + r tau q) is printed beside it).

Needs only numpy and matplotlib (Debian: python3-numpy, python3-matplotlib); renders with the Agg backend.
"""
import argparse
import math
import os
import sys
import warnings

import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import colors  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
import nbplot  # noqa: E402
from nbplot import CHECKS, check, footnote  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CONDITIONS = (("synapse_coba_ei", "without NMDA (AMPA + GABA_A)"),
              ("synapse_coba_ei_nmda", "with NMDA (AMPA + NMDA + GABA_A, Mg block on)"))
MIN_ISIS = 20           # the pooled CV is drawn where a point has at least this many ISIs over all its trials
BALANCED_RATE_HZ = 1.0  # balanced region: V_inf < V_th, mean rate above this ...
BALANCED_CV = 0.5       # ... and pooled ISI CV above this
Z_MAX = 4.0             # statistical allowance for the conductance checks, in standard errors
MONOTONE_Z = 3.0        # a step along an axis "breaks monotonicity" if the rate moves the wrong way by > 3 SE
R_I_PICKS = (0.0, 25.0, 50.0, 75.0, 100.0)  # r_I values (nearest grid values) of the rate-against-r_E panels
CURVE_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"]


# ---- Results ------------------------------------------------------------------------------------------------

class Study(nbplot.Study):
    """A lif_cond study: nbplot.Study with p (the spec's params), float axes and its own footnote line."""

    def __init__(self, path):
        super().__init__(path)
        self.p = self.spec["params"]

    def axis(self, name):
        return np.array(self.axis_values(name), dtype=float)

    def describe(self):
        r, s = self.run, self.spec
        return (f"{os.path.basename(self.path)}: {r['backend']} ({r.get('device', '')}), {s['trials']} trial(s) x "
                f"{s['instances'] // s['trials']} point(s), {s['duration_ms'] / 1000:g} s at dt {s['dt_ms']:g} ms, "
                f"transient {self.p.get('transient_ms', 0):g} ms, {r['neuron_steps']:.3g} neuron-steps "
                f"({r['neuron_steps_per_s']:.3g}/s); wall {r['wall_s']:.1f} s")


def load(results, name):
    return nbplot.load(results, name, Study)


def save(fig, figdir, name):
    nbplot.save(fig, figdir, name, "plot_coba.py")


def trial_stats(x):
    """(..., trials) -> mean, sample SD (0 for one trial), standard error of the mean."""
    n = x.shape[-1]
    m = x.mean(axis=-1)
    sd = x.std(axis=-1, ddof=1) if n > 1 else np.zeros_like(m)
    return m, sd, sd / math.sqrt(n)


# ---- Closed forms -----------------------------------------------------------------------------------------------

def fixed_point_probability(x):
    """r dt as the kernels' 32-bit Poisson threshold (host/lif_cond_model.cpp), back as a probability."""
    return min(4294967295.0, math.floor(x * 4294967296.0 + 0.5)) / 4294967296.0


def gate_mean_discrete(r_Hz, tau_ms, alpha, dt_ms):
    """Exact stationary mean of one gate, sampled after each step (the value the membrane uses for the next
    step): p q / (1 - d (1 - p q)), with the kernels' float32 d = exp(-dt/tau) and keep = exp(-alpha)."""
    d = float(np.float32(math.exp(-dt_ms / tau_ms)))
    q = 1.0 - float(np.float32(math.exp(-alpha)))
    p = fixed_point_probability(r_Hz * dt_ms * 1e-3)
    return p * q / (1.0 - d * (1.0 - p * q))


def gate_mean_continuous(r_Hz, tau_ms, alpha):
    x = r_Hz * tau_ms * 1e-3 * (1.0 - math.exp(-alpha))
    return x / (1.0 + x)


def mg_block(V_mV, p):
    """B(V) = 1 / (1 + [Mg] exp(-0.062 V) / 3.57) with the block on, 1 with it off (kernels/lif_cond)."""
    if p.get("mg_block", "off") != "on":
        return np.ones_like(np.asarray(V_mV, dtype=float))
    return 1.0 / (1.0 + p["Mg_mM"] / 3.57 * np.exp(-0.062 * np.asarray(V_mV, dtype=float)))


def v_inf(p, g_A, g_N_eff, g_G):
    """Membrane potential with the conductances frozen (nS, mV; I in nA -> pA = nS mV)."""
    drive = (p["G_L_nS"] * p["V_L_mV"] + g_A * p["E_AMPA_mV"] + g_N_eff * p["E_NMDA_mV"] + g_G * p["E_GABA_mV"]
             + 1000.0 * p["I_nA"])
    return drive / (p["G_L_nS"] + g_A + g_N_eff + g_G)


# ---- One condition: everything the figure and the checks need ----------------------------------------------

class Condition:
    def __init__(self, study, label):
        s = self.s = study
        self.label = label
        p = self.p = s.p
        self.rE, self.rI = s.axis("r_E_Hz"), s.axis("r_I_Hz")
        self.trials = int(s.spec["trials"])
        count = self.count = s.npy("spike_count").astype(float)  # (r_E, r_I, trials)
        self.rate = s.npy("rate_Hz")
        self.rate_m, self.rate_sd, self.rate_se = trial_stats(self.rate)
        self.V_m = s.npy("V_mean_mV").mean(axis=-1)
        self.gA = s.npy("g_AMPA_mean_nS")
        self.gN = s.npy("g_NMDA_mean_nS")
        self.gG = s.npy("g_GABA_mean_nS")
        gA_m, gN_m, gG_m = self.gA.mean(axis=-1), self.gN.mean(axis=-1), self.gG.mean(axis=-1)
        # unblock the measured NMDA mean at the mean V, block it again at threshold
        V_th = p["V_th_mV"]
        self.gN_unblocked = gN_m / mg_block(self.V_m, p)
        self.V_inf = v_inf(p, gA_m, self.gN_unblocked * mg_block(V_th, p), gG_m)
        self.below = self.V_inf < V_th
        # ISI CV pooled over trials: every trial with >= 2 spikes contributes k = n - 1 intervals
        k = np.maximum(count - 1.0, 0.0)
        m = np.nan_to_num(s.npy("isi_mean_ms"))
        sd = np.nan_to_num(s.npy("isi_sd_ms"))
        K = k.sum(axis=-1)
        S1 = (k * m).sum(axis=-1)
        S2 = (np.maximum(k - 1.0, 0.0) * sd ** 2 + k * m ** 2).sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            M = S1 / K
            var = (S2 - K * M ** 2) / (K - 1.0)
            self.cv = np.where(K >= MIN_ISIS, np.sqrt(np.maximum(var, 0.0)) / M, np.nan)
        self.n_isis = K
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            self.cv_trial_mean = np.nanmean(s.npy("isi_cv"), axis=-1)
        self.balanced = self.below & (self.rate_m > BALANCED_RATE_HZ) & (np.nan_to_num(self.cv) > BALANCED_CV)

    def threshold_rE(self, j):
        """r_E where V_inf crosses V_th along the r_I column j (linear interpolation; NaN if it does not)."""
        f = self.V_inf[:, j] - self.p["V_th_mV"]
        idx = np.nonzero((f[:-1] < 0) & (f[1:] >= 0))[0]
        if len(idx) == 0:
            return float("nan")
        i = idx[0]
        return float(self.rE[i] + (self.rE[i + 1] - self.rE[i]) * -f[i] / (f[i + 1] - f[i]))


def monotone_check(c, axis, increasing, what):
    """Adjacent grid steps along `axis` where the mean rate moves the wrong way by more than MONOTONE_Z SE."""
    m, se = c.rate_m, c.rate_se
    d = np.diff(m, axis=axis) * (1 if increasing else -1)
    se_d = np.sqrt(se[:-1, :] ** 2 + se[1:, :] ** 2) if axis == 0 else np.sqrt(se[:, :-1] ** 2 + se[:, 1:] ** 2)
    firing = (np.maximum(m[:-1, :], m[1:, :]) if axis == 0 else np.maximum(m[:, :-1], m[:, 1:])) > 0
    steps = int(firing.sum())
    strict = int(((d >= 0) & firing).sum())
    broken = int(((d < -MONOTONE_Z * np.maximum(se_d, 1e-12)) & firing).sum())
    check(broken <= max(1, steps // 100),
          f"rate {what}: {strict} of {steps} grid steps with firing on either side move the right way in the trial "
          f"mean ({100.0 * strict / max(steps, 1):.1f} %), {broken} the wrong way by more than {MONOTONE_Z:g} SE")


def conductance_check(c, name, obs, rate_axis, rates, tau_key, alpha_key, g_key, K_key):
    """Mean conductance of one receptor against g K <s>_discrete at every rate of its axis, pooling the trials of
    the other axis (the gates of a receptor do not depend on the other population's rate)."""
    p, dt = c.p, c.s.spec["dt_ms"]
    x = np.moveaxis(obs, rate_axis, 0).reshape(len(rates), -1)  # (rate, other axis x trials)
    m = x.mean(axis=1)
    se = x.std(axis=1, ddof=1) / math.sqrt(x.shape[1])
    gK = p[g_key] * p[K_key]
    ref = np.array([gK * gate_mean_discrete(r, p[tau_key], p[alpha_key], dt) for r in rates])
    cont = np.array([gK * gate_mean_continuous(r, p[tau_key], p[alpha_key]) for r in rates])
    pos = rates > 0
    z = (m[pos] - ref[pos]) / np.maximum(se[pos], 1e-12)
    zero_ok = np.all(x[~pos] == 0)
    i = len(rates) - 1
    check(np.max(np.abs(z)) <= Z_MAX and zero_ok,
          f"{name} mean conductance at all {int(pos.sum())} rates > 0 within {Z_MAX:g} SE of g K p q/(1 - d(1 - p q)) "
          f"(largest |z| {np.max(np.abs(z)):.1f}, mean z^2 {np.mean(z ** 2):.2f}), exactly 0 at rate 0; e.g. at "
          f"{rates[i]:.4g} Hz: {m[i]:.3f} +- {se[i]:.3f} nS against {ref[i]:.3f} (continuous-time r tau q/(1 + r tau "
          f"q): {cont[i]:.3f}, {100 * (ref[i] / cont[i] - 1):+.1f} %)")


def checks(c):
    p = c.p
    print(f"  {c.label}: {c.rate.size:,} neurons ({len(c.rE)} r_E x {len(c.rI)} r_I x {c.trials} trials)")
    # silence without excitation
    i0 = int(np.argmin(np.abs(c.rE)))
    check(c.rE[i0] == 0 and np.all(c.count[i0] == 0) and np.all(np.abs(c.V_m[i0] - p["V_L_mV"]) < 1e-3),
          f"r_E = 0: no spike in any of the {c.count[i0].size} neurons, V_mean = V_L = {p['V_L_mV']:g} mV "
          f"(largest deviation {np.max(np.abs(c.V_m[i0] - p['V_L_mV'])):.1e} mV; E_GABA = {p['E_GABA_mV']:g} mV)")
    monotone_check(c, 0, True, "increases with r_E")
    monotone_check(c, 1, False, "decreases with r_I")
    conductance_check(c, "AMPA", c.gA, 0, c.rE, "tau_AMPA_ms", "alpha_AMPA", "g_AMPA_nS", "K_E")
    conductance_check(c, "GABA_A", c.gG, 1, c.rI, "tau_GABA_ms", "alpha_GABA", "g_GABA_nS", "K_I")
    if p["g_NMDA_nS"] == 0:
        check(np.all(c.gN == 0), "g_NMDA_nS = 0: the NMDA conductance is exactly 0 everywhere")
    else:
        # the unblocked NMDA estimate against the closed form (the block is undone at the mean V, so this tests
        # the conversion used for the threshold contour; V fluctuates, so <B(V)> differs a little from B(<V>))
        dt = c.s.spec["dt_ms"]
        ref = np.array([p["g_NMDA_nS"] * p["K_E"] * gate_mean_discrete(r, p["tau_NMDA_ms"], p["alpha_NMDA"], dt)
                        for r in c.rE])[:, None]
        pos = c.rE > 0
        ratio = c.gN_unblocked[pos] / ref[pos]
        near = np.abs(c.V_inf[pos] - p["V_th_mV"]) < 3.0
        check(np.all(np.abs(ratio[near] - 1) < 0.1),
              f"NMDA: measured (blocked) mean / B(V_mean) against the unblocked g K p q/(1 - d(1 - p q)): ratio "
              f"{np.median(ratio):.3f} median, {ratio[near].min():.3f} .. {ratio[near].max():.3f} within 3 mV of "
              f"the threshold contour (Jensen: <B(V)> > B(<V>); the gates start at 0 and NMDA's 100 ms rise "
              f"is not entirely over after the transient)")
    # regimes
    above = ~c.below
    fires = c.rate_m > BALANCED_RATE_HZ
    check(np.all(fires[above & (c.rE[:, None] > 0)]),
          f"every point with the mean input above threshold fires (> {BALANCED_RATE_HZ:g} Hz): "
          f"{int(above.sum())} of {above.size} points")
    n_bal = int(c.balanced.sum())
    n_fire = int(fires.sum())
    deep = above & (c.V_inf > p["V_th_mV"] + 5.0) & np.isfinite(c.cv)
    cv_bal = np.nanmedian(c.cv[c.balanced]) if n_bal else float("nan")
    cv_deep = np.nanmedian(c.cv[deep]) if deep.any() else float("nan")
    check(n_bal > 0 and cv_bal > cv_deep,
          f"balanced region: {n_bal} points ({100.0 * n_bal / max(n_fire, 1):.0f} % of the {n_fire} firing points) "
          f"fire with the mean input below threshold, median CV {cv_bal:.2f}, median rate "
          f"{np.median(c.rate_m[c.balanced]) if n_bal else float('nan'):.1f} Hz; mean-driven points (V_inf > V_th "
          f"+ 5 mV): median CV {cv_deep:.2f}")
    both = np.isfinite(c.cv) & np.isfinite(c.cv_trial_mean) & (np.median(c.count, axis=-1) >= 20)
    if both.any():
        rel = c.cv_trial_mean[both] / c.cv[both] - 1
        print(f"  [info] pooled CV against the mean of per-trial CVs where the median trial has >= 20 spikes: "
              f"median {100 * np.median(rel):+.1f} % (per-trial CVs of a few dozen ISIs are biased low)")


# ---- The figure -------------------------------------------------------------------------------------------------

def fig_maps(results, figdir):
    conds = []
    for name, label in CONDITIONS:
        s = load(results, name)
        if s is None:
            print(f"plot_coba.py: warning: {name}/ not found in {results}; its row is left out")
            continue
        conds.append(Condition(s, label))
    if not conds:
        return print("plot_coba.py: skipping synapse_coba_maps.png (no synapse_coba_ei*/)")
    print("synapse_coba_maps.png")
    for c in conds:
        checks(c)
    if len(conds) == 2:
        a, b = conds
        same_inputs = a.s.spec["seed"] == b.s.spec["seed"] and a.rate.shape == b.rate.shape
        firing = (a.rate_m > 0) | (b.rate_m > 0)
        se = np.sqrt(a.rate_se ** 2 + b.rate_se ** 2)
        higher = (b.rate_m >= a.rate_m - MONOTONE_Z * np.maximum(se, 1e-12)) & firing
        check(same_inputs and higher.sum() >= firing.sum() - max(1, firing.sum() // 100),
              f"NMDA only adds depolarising drive: with NMDA the rate is not lower (beyond {MONOTONE_Z:g} SE) at "
              f"{int(higher.sum())} of {int(firing.sum())} firing points (same seed: the same input trains); "
              f"mean-input threshold at r_I = 0 moves from r_E = {a.threshold_rE(0):.1f} to "
              f"{b.threshold_rE(0):.1f} Hz")

    rows = len(conds)
    fig = plt.figure(figsize=(22, 5.0 * rows + 1.3))
    gs = fig.add_gridspec(rows, 4, width_ratios=[1, 1, 1, 1.05], wspace=0.28, hspace=0.32)
    V_th = conds[0].p["V_th_mV"]
    rate_max = max(float(np.max(c.rate_m)) for c in conds)
    rate_norm = colors.LogNorm(vmin=0.1, vmax=100.0 * math.ceil(max(rate_max, 1.0) / 100.0))
    V_lo = min(float(np.min(c.V_m)) for c in conds)
    V_hi = max(float(np.max(c.V_m)) for c in conds)
    for row, c in enumerate(conds):
        rE, rI = c.rE, c.rI
        dE, dI = (rE[1] - rE[0]) / 2, (rI[1] - rI[0]) / 2
        extent = (rE[0] - dE, rE[-1] + dE, rI[0] - dI, rI[-1] + dI)

        def show(ax, data, title, label, cmap, norm=None, under=None, extend="neither", **kw):
            cm = plt.get_cmap(cmap).copy()
            cm.set_bad("0.8")
            if under is not None:
                cm.set_under(under)
            im = ax.imshow(np.ma.masked_invalid(data.T), origin="lower", aspect="auto", extent=extent, cmap=cm,
                           norm=norm, interpolation="nearest", **kw)
            ax.grid(False)
            if c.balanced.any():
                ax.contourf(rE, rI, c.balanced.T.astype(float), levels=[0.5, 1.5], colors="none", hatches=["//"])
                ax.contour(rE, rI, c.balanced.T.astype(float), levels=[0.5], colors="c", linewidths=1.4)
            ax.contour(rE, rI, c.V_inf.T - V_th, levels=[0.0], colors="w", linewidths=2.2)
            ax.contour(rE, rI, c.V_inf.T - V_th, levels=[0.0], colors="k", linewidths=1.0, linestyles="--")
            ax.set(xlabel="excitatory input rate r_E (Hz)", ylabel="inhibitory input rate r_I (Hz)", title=title)
            fig.colorbar(im, ax=ax, label=label, extend=extend)

        with warnings.catch_warnings():  # hatching a masked contourf can warn about an empty level
            warnings.simplefilter("ignore", UserWarning)
            show(fig.add_subplot(gs[row, 0]), c.rate_m,
                 f"{c.label}\nmean firing rate over {c.trials} trials (grey: no spike)",
                 "rate (Hz)", "magma", norm=rate_norm, under="0.15", extend="min")
            show(fig.add_subplot(gs[row, 1]), c.cv,
                 f"ISI CV, all ISIs of the {c.trials} trials pooled\n(grey: fewer than {MIN_ISIS} ISIs)",
                 "CV", "viridis", vmin=0, vmax=1.2)
            show(fig.add_subplot(gs[row, 2]), c.V_m,
                 f"mean membrane potential (t > {c.p['transient_ms']:g} ms)", "V_mean (mV)", "cividis",
                 vmin=math.floor(V_lo), vmax=math.ceil(V_hi))
        if row == 0:
            handles = [Line2D([], [], color="k", ls="--", lw=1.2, label=f"V_inf(mean g) = V_th = {V_th:g} mV"),
                       Patch(facecolor="none", edgecolor="c", hatch="////",
                             label=f"balanced: V_inf < V_th, rate > {BALANCED_RATE_HZ:g} Hz, CV > {BALANCED_CV:g}")]
            fig.legend(handles=handles, loc="upper center", ncol=2, fontsize=9, bbox_to_anchor=(0.4, 0.955 if rows == 2 else 0.875),
                       frameon=False)

        ax = fig.add_subplot(gs[row, 3])
        picks = sorted(set(int(np.argmin(np.abs(rI - v))) for v in R_I_PICKS))
        for k, j in enumerate(picks):
            col = CURVE_COLORS[k % len(CURVE_COLORS)]
            ax.plot(rE, c.rate_m[:, j], color=col, lw=1.4, label=f"r_I = {rI[j]:.1f} Hz")
            ax.fill_between(rE, c.rate_m[:, j] - c.rate_sd[:, j], c.rate_m[:, j] + c.rate_sd[:, j], color=col,
                            alpha=0.2, lw=0)
            x = c.threshold_rE(j)
            if np.isfinite(x):
                ax.plot([x], [np.interp(x, rE, c.rate_m[:, j])], "o", mfc="w", mec=col, ms=6, mew=1.5)
        ax.plot([], [], "o", mfc="w", mec="k", ms=6, mew=1.5, label="V_inf = V_th")
        ax.set(xlabel="excitatory input rate r_E (Hz)", ylabel="firing rate (Hz)", xlim=(rE[0], rE[-1]),
               ylim=(0, None), title="rate against r_E (mean +- SD over trials);\n"
                                     "circles: the mean input reaches threshold")
        ax.legend(loc="upper left", fontsize=8)

    p = conds[0].p
    nmda = next((c.p for c in conds if c.p["g_NMDA_nS"] > 0), None)
    n_inst = sum(c.rate.size for c in conds)
    wall = sum(c.s.run["wall_s"] for c in conds)
    backend = conds[0].s.run["backend"]
    fig.suptitle(f"Batch showcase: {n_inst:,} conductance-driven LIF neurons ({len(conds[0].rE)} r_E x "
                 f"{len(conds[0].rI)} r_I x {conds[0].trials} trials x {len(conds)} conditions), "
                 f"{conds[0].s.spec['duration_ms'] / 1000:g} s each, in {wall:.0f} s on {backend}\n"
                 f"K_E = {p['K_E']:g} excitatory inputs (AMPA g = {p['g_AMPA_nS']:g} nS"
                 + (f"; NMDA g = {nmda['g_NMDA_nS']:g} nS, Mg {nmda['Mg_mM']:g} mM" if nmda else "")
                 + f"), K_I = {p['K_I']:g} inhibitory (GABA_A g = {p['g_GABA_nS']:g} nS, E = {p['E_GABA_mV']:g} mV),"
                 f" each a Poisson train through its own kinetic synapse", fontsize=12, y=0.995)
    fig.subplots_adjust(left=0.04, right=0.985, top=0.86 if rows == 2 else 0.74, bottom=0.1 if rows == 2 else 0.2)
    footnote(fig, [c.s for c in conds])
    save(fig, figdir, "synapse_coba_maps.png")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", required=True, help="directory holding synapse_coba_ei/ and synapse_coba_ei_nmda/")
    ap.add_argument("--figures", help="where to write the PNG (default: RESULTS/figures/synapse; "
                    "experiments/synapse/figures/ holds the committed gallery: write there only to update it)")
    a = ap.parse_args(argv)
    if a.figures is None:
        a.figures = os.path.join(a.results, "figures", "synapse")
    if not os.path.isdir(a.results):
        ap.error(f"--results: '{a.results}' is not a directory")
    os.makedirs(a.figures, exist_ok=True)
    plt.rcParams.update({"axes.grid": True, "grid.alpha": 0.3, "font.size": 9, "hatch.linewidth": 0.6,
                         "hatch.color": "0.1"})
    fig_maps(a.results, a.figures)
    print(f"plot_coba.py: {CHECKS['ok'] + CHECKS['MISMATCH']} checks, {CHECKS['MISMATCH']} mismatch(es)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
