#!/usr/bin/env python3
"""Figures of the spiking E/I network studies (docs/models/network.md: COBA, Vogels & Abbott 2005, Brette et al. 2007)
from NeuroBatch results.

usage: plot.py --results DIR [--figures FIGDIR]

DIR holds, as experiments/network/run.sh names them (one neurobatch output directory each):
    network_coba/                           N 4000, 1 s, kick 50 ms at 100 Hz and no kick, 4 networks each; raster of
                                            every cell, traces of cell 0
    network_survival_map/                   32 x 32 (w_e, w_i) x 20 networks, N 1000, p 0.08, 1 s (run.sh --map-ms: 10 s)
    network_survival_kick/                  11 kick rates x 20 networks, N 4000, 1 s
    network_lifetime_n1000/ _n2000/ _n4000/ 10 s lifetimes, 20 networks per point, in-degree 80 at each N
    network_scaling_fixed_p_N<N>/           one network per N with p 0.02, w x 4000/N
    network_scaling_fixed_K_N<N>/           one network per N with p 0.02 x 4000/N (in-degree 80), w unchanged
->  network_coba.png, network_survival_map.png (network_survival_map_10s.png for --map-ms 10000), network_survival.png,
    network_scaling.png (see README.md).

Theory used (double):
  shot-noise conductances (Campbell): a population of K inputs firing at r through jumps w decaying with tau gives
      <g> = K r w tau,   SD(g) / <g> = 1 / sqrt(2 K r tau);
  the trace samples g after each step's decay, so the sampled mean is K r w dt d / (1 - d), d = exp(-dt / tau)
  (= K r w (tau - dt/2) to first order);
  the free membrane potential (no threshold) in the effective-time-constant approximation:
      V0 = (G_L E_L + <g_e> E_e + <g_i> E_i) / (G_L + <g_e> + <g_i>),   tau_eff = C / (G_L + <g_e> + <g_i>),
      Var V = sum over E, I of K r (w (E_syn - V0) / C)^2 tau_s^2 tau_eff^2 / (2 (tau_s + tau_eff)).
  For COBA V0 stays below -69.2 mV at any rate (the limit of r -> infinity): the sustained state is driven by the
  fluctuations alone. With p fixed and w x 4000/N the fluctuations shrink as sqrt(4000 / N).

Observables recomputed from the raster of every cell (network_coba): the rates, the per-cell ISI CVs (cells with
>= 3 spikes; sample SD, ddof 1) and their means (cv_E, cv_I), the population rates per bin, the synchrony index
var_t(A) / mean_i var_t(n_i) (A the population count per cell in a bin, n_i one cell's count; 1/N for independent
cells).

The script prints the measured numbers and the [ok]/[MISMATCH] checks against docs/models/network.md, the theory and the
recomputed observables, the run times, and a count at the end. Needs numpy and matplotlib; renders with Agg.
"""
import argparse
import glob
import math
import os
import re
import sys
import warnings

import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import LogNorm  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
import nbplot  # noqa: E402
from nbplot import CHECKS, check, footnote  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LATE_MS = 100.0                 # "after the kick": statistics from 100 ms on (the kick ends at 50 ms)
MODELS_RATE_HZ = (10.0, 20.0)   # docs/models/network.md: "roughly 10-20 Hz in both populations" after the kick
KICK_COLOR = "#fde0c5"
E_COLOR, I_COLOR = "#b2182b", "#2166ac"


class Net(nbplot.Study):
    """A network results directory."""

    def p(self, name, point=0):
        return float(self.param(name, point))

    def N(self):
        return int(self.spec["params"]["N"])

    def N_E(self):
        return int(round(self.N() * self.p("E_fraction")))

    def T_ms(self):
        return float(self.spec["duration_ms"])

    def dt(self):
        return float(self.spec["dt_ms"])

    def bin_ms(self):
        return self.p("bin_ms")

    def pop(self):
        """Population rates (axes..., trials, bins, 2) in Hz: [..., 0] E, [..., 1] I."""
        x = self.npy("pop_rate_Hz")
        return x.reshape(x.shape[:-1] + (-1, 2))

    def net_seconds(self):
        return self.spec["instances"] * self.T_ms() / 1000.0

    def describe(self):
        r, s = self.run, self.spec
        return (f"{s['name']}: {r['backend']} ({r.get('device', '')}), {s['instances']} network(s) of N {self.N()}, "
                f"{s['duration_ms'] / 1000:g} s at dt {s['dt_ms']:g} ms; wall {r['wall_s']:.2f} s")


def load(results, name):
    s = nbplot.load(results, name, Net)
    if s is None:
        print(f"plot.py: {os.path.join(results, name)} missing")
    return s


def wilson(k, n, z=1.96):
    """95 % Wilson interval of a binomial proportion k / n."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    ph = k / n
    den = 1 + z * z / n
    c = (ph + z * z / (2 * n)) / den
    h = z * np.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / den
    return c - h, c + h


# ---- Theory ---------------------------------------------------------------------------------------------------------

def free_membrane(prm, K_E, K_I, r_E, r_I, dt=None):
    """(<g_e>, <g_i>, V0, SD V, tau_eff) of the free membrane with Poisson inputs (rates in Hz, time in ms).
    dt given: the means as the trace samples them (after the step's decay)."""
    def mean_g(K, r, w, tau):
        if dt is None:
            return K * r * 1e-3 * w * tau
        d = math.exp(-dt / tau)
        return K * r * 1e-3 * w * dt * d / (1 - d)
    ge = mean_g(K_E, r_E, prm["w_e_nS"], prm["tau_e_ms"])
    gi = mean_g(K_I, r_I, prm["w_i_nS"], prm["tau_i_ms"])
    G = prm["G_L_nS"] + ge + gi
    V0 = (prm["G_L_nS"] * prm["E_L_mV"] + ge * prm["E_e_mV"] + gi * prm["E_i_mV"]) / G
    te = prm["C_pF"] / G
    var = 0.0
    for K, r, w, E, ts in ((K_E, r_E, prm["w_e_nS"], prm["E_e_mV"], prm["tau_e_ms"]),
                           (K_I, r_I, prm["w_i_nS"], prm["E_i_mV"], prm["tau_i_ms"])):
        a = w * (E - V0) / prm["C_pF"]
        var += K * r * 1e-3 * a * a * ts * ts * te * te / (2 * (ts + te))
    return ge, gi, V0, math.sqrt(var), te


def V0_limit(prm, K_E, K_I):
    """V0 as both rates go to infinity together (r_E = r_I): the highest mean membrane potential the recurrent input
    can produce."""
    a = K_E * prm["w_e_nS"] * prm["tau_e_ms"]
    b = K_I * prm["w_i_nS"] * prm["tau_i_ms"]
    return (a * prm["E_e_mV"] + b * prm["E_i_mV"]) / (a + b)


# ---- Raster analysis ------------------------------------------------------------------------------------------------

def raster_cells(raster, dt):
    """(cells int, steps int) of one network's raster row (2 * capacity,), NaN padding dropped. The step is the
    spike's stamp n + 1 (time = stamp dt)."""
    r = raster.reshape(-1, 2)
    ok = np.isfinite(r[:, 0])
    return r[ok, 0].astype(np.int64), np.rint(r[ok, 1] / dt).astype(np.int64)


def per_cell(cells, steps, N):
    """Per-cell spike counts and ISI CVs (NaN below 3 spikes), ISIs in whole steps."""
    order = np.lexsort((steps, cells))
    c, s = cells[order], steps[order]
    counts = np.bincount(c, minlength=N)
    cv = np.full(N, np.nan)
    starts = np.concatenate(([0], np.cumsum(counts)))
    for j in np.nonzero(counts >= 3)[0]:
        isi = np.diff(s[starts[j]:starts[j + 1]]).astype(float)
        cv[j] = isi.std(ddof=1) / isi.mean()
    return counts, cv


def synchrony_from_raster(cells, steps, N, n_steps, bin_steps):
    """The simulator's synchrony index recomputed: var over bins of the population count per cell over the mean
    single-cell variance of the binned count (bins of bin_steps; the step of a spike stamped s is s - 1)."""
    bins = (n_steps + bin_steps - 1) // bin_steps
    b = (steps - 1) // bin_steps
    pop = np.bincount(b, minlength=bins).astype(float) / N
    H = np.zeros((N, bins))
    np.add.at(H, (cells, b), 1.0)
    single = (H * H).mean(axis=1) - H.mean(axis=1) ** 2
    return pop.var() / single.mean(), np.bincount(b, weights=(cells >= 0), minlength=bins)


# ---- Figure 1: COBA -------------------------------------------------------------------------------------------------

def figure_coba(a, st):
    print("network_coba.png")
    prm = st.params_at(0)
    N, N_E, dt, T = st.N(), st.N_E(), st.dt(), st.T_ms()
    N_I = N - N_E
    kick = st.axis("kick_ms")
    k_on = int(np.argmax(kick > 0))
    k_off = int(np.argmin(kick > 0))
    trials = int(st.spec["trials"])
    obs = {k: st.npy(k) for k in ("rate_E_Hz", "rate_I_Hz", "cv_E", "cv_I", "synchrony", "sustained", "spikes_total",
                                  "synapses_out", "last_spike_ms")}
    R = st.npy("raster")
    cap = R.shape[-1] // 2
    pop = st.pop()
    bin_steps = int(round(st.bin_ms() / dt))
    n_steps = int(st.spec["n_steps"])
    p = st.p("p")

    # observables recomputed from the full raster
    worst = {"rate": 0.0, "cv": 0.0, "sync": 0.0, "pop": 0.0}
    all_cv, all_counts, n_spikes, sync_late = [], [], [], []
    for t in range(trials):
        cells, steps = raster_cells(R[k_on, t], dt)
        n_spikes.append(len(cells))
        counts, cv = per_cell(cells, steps, N)
        all_counts.append(counts)
        all_cv.append(cv)
        rE = counts[:N_E].sum() / (N_E * T / 1000)
        rI = counts[N_E:].sum() / (N_I * T / 1000)
        worst["rate"] = max(worst["rate"], abs(rE - obs["rate_E_Hz"][k_on, t]) / rE,
                            abs(rI - obs["rate_I_Hz"][k_on, t]) / rI)
        for sl, name in ((slice(0, N_E), "cv_E"), (slice(N_E, N), "cv_I")):
            m = np.nanmean(cv[sl])
            worst["cv"] = max(worst["cv"], abs(m - obs[name][k_on, t]) / m)
        sync, _ = synchrony_from_raster(cells, steps, N, n_steps, bin_steps)
        worst["sync"] = max(worst["sync"], abs(sync - obs["synchrony"][k_on, t]) / sync)
        late = steps > LATE_MS / dt
        sync_late.append(synchrony_from_raster(cells[late], steps[late] - int(round(LATE_MS / dt)), N,
                                               n_steps - int(round(LATE_MS / dt)), bin_steps)[0])
        b = (steps - 1) // bin_steps
        bins = pop.shape[-2]
        cE = np.bincount(b[cells < N_E], minlength=bins)
        cI = np.bincount(b[cells >= N_E], minlength=bins)
        widths = np.minimum(bin_steps, n_steps - np.arange(bins) * bin_steps) * dt / 1000
        hz = np.stack([cE / (N_E * widths), cI / (N_I * widths)], axis=-1)
        worst["pop"] = max(worst["pop"], np.max(np.abs(hz - pop[k_on, t]) / np.maximum(hz, 1e-9)))
    all_cv = np.array(all_cv)
    all_counts = np.array(all_counts)

    rE, rI = obs["rate_E_Hz"][k_on], obs["rate_I_Hz"][k_on]
    cvE, cvI, sy = obs["cv_E"][k_on], obs["cv_I"][k_on], obs["synchrony"][k_on]
    print(f"  kick {kick[k_on]:g} ms at {prm['kick_rate_Hz']:g} Hz, {trials} networks (own connectivity each): rate E "
          f"{', '.join(f'{x:.2f}' for x in rE)} Hz, I {', '.join(f'{x:.2f}' for x in rI)} Hz; CV E "
          f"{', '.join(f'{x:.3f}' for x in cvE)}, I {', '.join(f'{x:.3f}' for x in cvI)}; synchrony "
          f"{', '.join(f'{x:.4f}' for x in sy)} (x N: {', '.join(f'{x * N:.1f}' for x in sy)}; 1/N = {1 / N:.5f} for "
          f"independent cells)")
    post = pop[k_on, :, int(round(LATE_MS / st.bin_ms())):]   # after 100 ms
    sync_late = np.array(sync_late)
    print(f"  synchrony from {LATE_MS:g} ms on (recomputed from the raster): {', '.join(f'{x:.4f}' for x in sync_late)} "
          f"(x N: {', '.join(f'{x * N:.1f}' for x in sync_late)}): the kick's transient adds "
          f"{100 * np.mean(sy / sync_late - 1):.0f} % to the whole-run observable")
    print(f"  rates from 100 ms on (population bins): E {post[..., 0].mean():.2f} Hz, I {post[..., 1].mean():.2f} Hz "
          f"(the whole-run observables include the kick)")
    check(np.all(obs["sustained"][k_on] == 1) and np.all(obs["last_spike_ms"][k_on] > T - st.bin_ms()),
          f"with the kick every network is still active at {T:g} ms (sustained = 1, last spike within the last bin)")
    lo, hi = MODELS_RATE_HZ
    check(np.all((rE > lo) & (rE < hi) & (rI > lo) & (rI < hi)),
          f"rates in docs/models/network.md's 10-20 Hz: E {rE.min():.2f} .. {rE.max():.2f} Hz, I {rI.min():.2f} .. {rI.max():.2f} Hz")
    check(np.all((cvE > 1) & (cvI > 1) & (cvE < 2) & (cvI < 2)),
          f"irregular firing: mean ISI CV E {cvE.mean():.3f}, I {cvI.mean():.3f} (in (1, 2): more irregular than "
          f"Poisson)")
    check(np.all(sy < 0.02),
          f"asynchronous: synchrony index {sy.min():.4f} .. {sy.max():.4f} (< 0.02; fully synchronous would be 1, "
          f"independent cells 1/N = {1 / N:.5f})")
    check(np.all(obs["spikes_total"][k_off] == 0) and np.all(obs["sustained"][k_off] == 0),
          f"without the kick not one spike in {trials} networks (V starts uniform in [V_reset, V_th) and relaxes to "
          f"E_L = {prm['E_L_mV']:g} mV with no input)")
    syn = obs["synapses_out"].ravel()
    mean_syn, sd_syn = p * N * (N - 1), math.sqrt(p * (1 - p) * N * (N - 1))
    check(np.all(np.abs(syn - mean_syn) < 4 * sd_syn),
          f"synapses per network {syn.min():.0f} .. {syn.max():.0f}: binomial p N (N - 1) = {mean_syn:.0f} +- "
          f"{sd_syn:.0f} (within 4 SD)")
    check(max(n_spikes) < cap,
          f"raster of all {N} cells complete: at most {max(n_spikes)} spikes per network (capacity {cap})")
    T_float = n_steps * float(np.float32(dt))   # the simulator's duration: n_steps times dt stored as a float
    check(worst["rate"] < 1e-7 and worst["cv"] < 1e-9,
          f"rate_E/I_Hz and cv_E/I recomputed from the raster (per-cell ISIs in whole steps, cells with >= 3 spikes): "
          f"max relative difference {worst['rate']:.1e} (rates; the simulator divides by n_steps x float(dt) = "
          f"{T_float:.7f} ms, {T_float / T - 1:.1e} long), {worst['cv']:.1e} (CV means)")
    check(worst["pop"] < 1e-6 and worst["sync"] < 1e-9,
          f"pop_rate_Hz and synchrony recomputed from the raster: max relative difference {worst['pop']:.1e} "
          f"(population rates, float32), {worst['sync']:.1e} (synchrony)")

    # conductances and membrane potential of cell 0 (an E cell) after the kick: Campbell's means and the
    # effective-time-constant theory at each network's measured rates and COBA's mean in-degrees
    tt = st.npy("trace_t_ms")
    ids = st.npy("trace_instances")
    V, ge, gi = st.npy("trace_V_mV"), st.npy("trace_g_e_nS"), st.npy("trace_g_i_nS")
    K_E, K_I = p * N_E, p * N_I
    late = tt > 100
    meas_ge, meas_gi, th_ge, th_gi, meas_V, meas_sd, th = [], [], [], [], [], [], None
    for row, inst in enumerate(ids):
        pt, t = divmod(int(inst), trials)
        if pt != k_on:
            continue
        rEp, rIp = post[t, :, 0].mean(), post[t, :, 1].mean()
        g_e_th, g_i_th, V0, sdV, te = free_membrane(prm, K_E, K_I, rEp, rIp, dt=dt)
        meas_ge.append(ge[row, late].mean())
        meas_gi.append(gi[row, late].mean())
        th_ge.append(g_e_th)
        th_gi.append(g_i_th)
        # V away from spikes: drop the refractory stretches (V held at V_reset) and the step of a spike
        v = V[row, late]
        meas_V.append(v[v != prm["V_reset_mV"]].mean())
        meas_sd.append(v[v != prm["V_reset_mV"]].std())
        th = (V0, sdV, te)
    ratio_e = np.mean(meas_ge) / np.mean(th_ge)
    ratio_i = np.mean(meas_gi) / np.mean(th_gi)
    print(f"  cell 0 (E) after 100 ms, mean over {len(meas_ge)} networks: <g_e> {np.mean(meas_ge):.2f} nS (Campbell "
          f"with the mean in-degree {K_E:g} and the measured E rate: {np.mean(th_ge):.2f}), <g_i> {np.mean(meas_gi):.2f} "
          f"nS ({np.mean(th_gi):.2f}); V (not refractory) mean {np.mean(meas_V):.2f} mV, SD {np.mean(meas_sd):.2f} mV; "
          f"free-membrane theory V0 {th[0]:.2f} mV, SD {th[1]:.2f} mV, tau_eff {th[2]:.2f} ms; highest V0 the recurrent "
          f"input can give (rates -> infinity): {V0_limit(prm, K_E, K_I):.2f} mV, threshold {prm['V_th_mV']:g} mV")
    check(0.75 < ratio_e < 1.25 and 0.75 < ratio_i < 1.25,
          f"cell 0's mean conductances after the kick / Campbell's K r w tau at the measured rates (mean in-degree; "
          f"cell 0's own in-degree is binomial, +-12 % (E), +-25 % (I)): g_e {ratio_e:.3f}, g_i {ratio_i:.3f} "
          f"(within 25 %)")
    check(V0_limit(prm, K_E, K_I) < prm["V_th_mV"],
          f"fluctuation-driven: the mean free membrane potential stays below threshold at any rate "
          f"({V0_limit(prm, K_E, K_I):.2f} mV < {prm['V_th_mV']:g} mV); at the measured rates V0 = {th[0]:.2f} mV, "
          f"{(prm['V_th_mV'] - th[0]) / th[1]:.1f} theory SDs below threshold")

    # ---- figure
    fig, axes = plt.subplots(2, 3, figsize=(17.5, 10.5))
    ax = axes[0, 0]
    cells, steps = raster_cells(R[k_on, 0], dt)
    nE_show, nI_show = 160, 40
    selE = cells < nE_show
    selI = (cells >= N_E) & (cells < N_E + nI_show)
    ax.axvspan(0, kick[k_on], color=KICK_COLOR, lw=0)
    ax.scatter(steps[selE] * dt, cells[selE], s=1.2, color=E_COLOR, lw=0)
    ax.scatter(steps[selI] * dt, cells[selI] - N_E + nE_show, s=1.2, color=I_COLOR, lw=0)
    ax.set_xlim(0, T)
    ax.set_ylim(-1, nE_show + nI_show)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(f"cell (E 0..{nE_show - 1}, I {N_E}..{N_E + nI_show - 1} drawn above)")
    ax.set_title(f"(a) raster of {nE_show} E + {nI_show} I cells, network 0\n(shaded: the {kick[k_on]:g} ms kick at "
                 f"{prm['kick_rate_Hz']:g} Hz)")

    ax = axes[0, 1]
    tb = (np.arange(pop.shape[-2]) + 0.5) * st.bin_ms()
    ax.axvspan(0, kick[k_on], color=KICK_COLOR, lw=0)
    for t in range(trials):
        ax.plot(tb, pop[k_on, t, :, 0], color=E_COLOR, lw=1.6 if t == 0 else 0.5, alpha=1 if t == 0 else 0.6)
        ax.plot(tb, pop[k_on, t, :, 1], color=I_COLOR, lw=1.6 if t == 0 else 0.5, alpha=1 if t == 0 else 0.6)
    ax.plot(tb, pop[k_off, :, :, 0].max(axis=0), color="k", ls="--", lw=1.2)
    ax.plot([], [], color=E_COLOR, label=f"E: {rE.mean():.2f} Hz over the run (observable, mean of {trials})")
    ax.plot([], [], color=I_COLOR, label=f"I: {rI.mean():.2f} Hz")
    ax.plot([], [], color="k", ls="--", label=f"no kick: 0 spikes in all {trials} networks")
    ax.set_ylim(bottom=0)
    ax.set_xlim(0, T)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel(f"population rate (Hz, {st.bin_ms():g} ms bins)")
    ax.set_title(f"(b) population rates: network 0 (thick) and {trials - 1} more (thin)\nsynchrony {sy.mean():.4f} "
                 f"(whole run), {sync_late.mean():.4f} (after {LATE_MS:g} ms); 1/N = {1 / N:.5f}")
    ax.legend(fontsize=8, loc="upper right")

    ax = axes[0, 2]
    cvs_E = all_cv[:, :N_E].ravel()
    cvs_I = all_cv[:, N_E:].ravel()
    bins = np.linspace(0, 4, 61)
    ax.hist(cvs_E[np.isfinite(cvs_E)], bins=bins, density=True, color=E_COLOR, alpha=0.55,
            label=f"E: {np.isfinite(cvs_E).sum()} cells with >= 3 spikes, mean {np.nanmean(cvs_E):.3f}")
    ax.hist(cvs_I[np.isfinite(cvs_I)], bins=bins, density=True, color=I_COLOR, alpha=0.55,
            label=f"I: {np.isfinite(cvs_I).sum()} cells, mean {np.nanmean(cvs_I):.3f}")
    ax.axvline(cvE.mean(), color=E_COLOR, ls="--", lw=1)
    ax.axvline(cvI.mean(), color=I_COLOR, ls="--", lw=1)
    ax.axvline(1.0, color="k", ls=":", lw=1, label="Poisson (CV 1)")
    ax.set_xlabel("ISI CV of a cell (1 s, first 50 ms with the kick included)")
    ax.set_ylabel("density")
    ax.set_title(f"(c) per-cell ISI CV from the raster, {trials} networks\n(dashed: the cv_E, cv_I observables)")
    ax.legend(fontsize=8)

    ax = axes[1, 0]
    rates_c = all_counts / (T / 1000)
    rb = np.arange(0, rates_c.max() + 2, 1.0)
    ax.hist(rates_c[:, :N_E].ravel(), bins=rb, density=True, color=E_COLOR, alpha=0.55,
            label=f"E: median {np.median(rates_c[:, :N_E]):.0f} Hz, silent {100 * np.mean(rates_c[:, :N_E] == 0):.1f} %")
    ax.hist(rates_c[:, N_E:].ravel(), bins=rb, density=True, color=I_COLOR, alpha=0.55,
            label=f"I: median {np.median(rates_c[:, N_E:]):.0f} Hz, silent {100 * np.mean(rates_c[:, N_E:] == 0):.1f} %")
    ax.set_xlabel("spikes of a cell in 1 s (Hz)")
    ax.set_ylabel("density")
    ax.set_xlim(0, min(rb[-1], 80))
    ax.set_title(f"(d) per-cell rates, {trials} networks x {N} cells:\nbroad and skewed")
    ax.legend(fontsize=8)

    ax = axes[1, 1]
    rows = {int(i) // trials: r for r, i in enumerate(ids) if int(i) % trials == 0}
    ax.axvspan(0, kick[k_on], color=KICK_COLOR, lw=0)
    ax.plot(tt, V[rows[k_on]], color="k", lw=0.6, label="with the kick (network 0)")
    ax.plot(tt, V[rows[k_off]], color="#1b9e77", lw=1.4, label="no kick: relaxes to E_L, never fires")
    ax.axhline(prm["V_th_mV"], color="0.4", ls=":", lw=1)
    ax.axhline(th[0], color="#d95f02", ls="--", lw=1, label=f"free-membrane V0 {th[0]:.1f} mV (theory)")
    ax.set_xlim(0, 400)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("V of cell 0 (mV)")
    ax.set_ylim(-80, -45)
    ax.set_title(f"(e) V of cell 0 (E), network 0 with and without the kick (threshold dotted)\nafter {LATE_MS:g} ms: "
                 f"mean {np.mean(meas_V):.1f} mV, SD {np.mean(meas_sd):.1f} mV; free-membrane theory {th[0]:.1f}, "
                 f"{th[1]:.1f}")
    ax.legend(fontsize=8, loc="lower right")

    ax = axes[1, 2]
    r0 = rows[k_on]
    ax.axvspan(0, kick[k_on], color=KICK_COLOR, lw=0)
    ax.plot(tt, ge[r0], color=E_COLOR, lw=0.6, label=f"g_e: mean {meas_ge[0]:.1f} nS after 100 ms")
    ax.plot(tt, gi[r0], color=I_COLOR, lw=0.6, label=f"g_i: mean {meas_gi[0]:.1f} nS")
    ax.axhline(th_ge[0], color=E_COLOR, ls="--", lw=1.2, label=f"Campbell K_E r_E w_e tau_e = {th_ge[0]:.1f} nS")
    ax.axhline(th_gi[0], color=I_COLOR, ls="--", lw=1.2, label=f"Campbell K_I r_I w_i tau_i = {th_gi[0]:.1f} nS")
    ax.axhline(prm["G_L_nS"], color="0.3", ls=":", lw=1, label=f"G_L = {prm['G_L_nS']:g} nS")
    ax.set_xlim(0, 400)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("conductance of cell 0 (nS)")
    ax.set_title("(f) conductances of cell 0, network 0:\nthe high-conductance state (g_i >> G_L)")
    ax.legend(fontsize=8, loc="upper right")
    fig.suptitle(f"COBA (docs/models/network.md): N {N} ({N_E} E, {N_I} I), p {p:g}, w_e {prm['w_e_nS']:g} nS, w_i "
                 f"{prm['w_i_nS']:g} nS, delay {prm['delay_ms']:g} ms, dt {dt:g} ms", fontsize=11)
    footnote(fig, [st])
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    nbplot.save(fig, a.figures, "network_coba.png", "plot.py")
    return {"rE": rE, "rI": rI, "cvE": cvE, "cvI": cvI, "sync": sy}


# ---- Figure 2: the (w_e, w_i) survival map --------------------------------------------------------------------------

def map_figure_name(T_ms):
    # The CPU default (1 s) keeps the plain name; other durations (the GPU's 10 s) are named by theirs.
    return "network_survival_map.png" if T_ms == 1000 else f"network_survival_map_{T_ms / 1000:g}s.png"


def figure_map(a, st):
    print(map_figure_name(st.T_ms()))
    prm = st.params_at(0)
    we, wi = st.axis("w_e_nS"), st.axis("w_i_nS")
    order = [ax["params"][0] for ax in st.spec["axes"]]
    assert order == ["w_e_nS", "w_i_nS"], order
    N, T, dt = st.N(), st.T_ms(), st.dt()
    trials = int(st.spec["trials"])
    sus = st.npy("sustained").astype(float)            # (we, wi, trials)
    last = st.npy("last_spike_ms")
    sync = st.npy("synchrony")
    cvE = st.npy("cv_E")
    pop = st.pop()                                     # (we, wi, trials, bins, 2)
    nb = pop.shape[-2]
    tail = int(round(100 / st.bin_ms()))
    rate_end = pop[..., nb - tail:, 0].mean(axis=-1)   # E rate over the last 100 ms
    S = sus.mean(axis=-1)
    with np.errstate(invalid="ignore"):
        r_surv = np.where(sus > 0, rate_end, np.nan)
        rate_map = np.nanmean(r_surv, axis=-1) if np.any(sus > 0) else np.full(S.shape, np.nan)
        died = np.where(sus == 0, np.nan_to_num(last, nan=0.0), np.nan)
        death_map = np.nanmedian(died, axis=-1)
        cv_map = np.nanmedian(np.where(sus > 0, cvE, np.nan), axis=-1)
        sync_map = np.nanmedian(sync, axis=-1)
    peak = pop[..., 0].max(axis=-1)                    # (we, wi, trials): highest 10 ms E rate of the run
    i4 = int(np.argmin(np.abs(we - 4.0)))
    j51 = int(np.argmin(np.abs(wi - 51.0)))
    # regimes per network: runaway (active at the end above 100 Hz), sustained (active, <= 100 Hz), died
    runaway = (sus > 0) & (rate_end > 100)
    ai = (sus > 0) & (rate_end <= 100)
    print(f"  {len(we)} x {len(wi)} points x {trials} networks = {sus.size} networks of N {N}, p {st.p('p'):g}, "
          f"{T:g} ms: active at the end {100 * sus.mean():.1f} % (runaway > 100 Hz: {100 * runaway.mean():.1f} %, "
          f"<= 100 Hz: {100 * ai.mean():.1f} %), died {100 * (1 - sus.mean()):.1f} %")
    print(f"  nearest grid point to COBA (4, 51): w_e {we[i4]:g}, w_i {wi[j51]:g}: survival {S[i4, j51]:.2f}; the "
          f"neighbours w_i {wi[j51 - 1]:g} .. {wi[j51 + 1]:g}: {S[i4, j51 - 1]:.2f} .. {S[i4, j51 + 1]:.2f}")
    for row in (i4, int(np.argmin(np.abs(we - 6))), int(np.argmin(np.abs(we - 8))), len(we) - 1):
        print(f"  w_e {we[row]:4.1f}: survival along w_i = 0, 10, 20, ... {' '.join(f'{x:.2f}' for x in S[row, ::2])}")
    # where does the AI region start: the lowest w_e with survival >= 0.5 at some w_i >= 40
    high = wi >= 40
    rows = [k for k in range(len(we)) if np.any(S[k, high] >= 0.5)]
    if rows:
        print(f"  lowest w_e with survival >= 0.5 at some w_i >= 40 nS: {we[rows[0]]:g} nS")
    # burst strip: dead networks with a large synchronous peak
    burst = (sus == 0) & (peak > 100)
    print(f"  networks that died after a population burst (peak 10 ms E rate > 100 Hz): {burst.sum()} "
          f"({100 * burst.mean():.1f} %); their median synchrony {np.nanmedian(sync[burst]) if burst.any() else np.nan:.2f}"
          f", median last spike {np.nanmedian(last[burst]) if burst.any() else np.nan:.0f} ms")
    # refractory limit: after a spike at step n the cell is held for t_ref / dt steps, so spikes are >= t_ref/dt + 1
    # steps apart: at most ceil(M / (t_ref/dt + 1)) spikes in M steps
    gap = int(round(prm["t_ref_ms"] / dt)) + 1
    bin_steps = int(round(st.bin_ms() / dt))
    n_steps = int(st.spec["n_steps"])
    bin_max = math.ceil(bin_steps / gap) / (st.bin_ms() / 1000)
    run_max = math.ceil(n_steps / gap) / (T / 1000)
    rE_run = st.npy("rate_E_Hz")
    check(np.all(sus[:, 0] == 1) and np.all(rate_end[:, 0] > 100) and np.all(pop[..., 0] <= bin_max + 1e-3)
          and np.all(rE_run <= run_max + 1e-9),
          f"w_i = 0: every network runs away and stays active ({rate_end[:, 0].min():.0f} .. {rate_end[:, 0].max():.0f} "
          f"Hz over the last 100 ms); the refractory limit (spikes >= {gap} steps apart) holds: bins <= {bin_max:g} Hz "
          f"(max {pop[..., 0].max():.1f}), whole runs <= {run_max:.2f} Hz (max rate_E_Hz {np.max(rE_run):.2f})")
    # Runs longer than 1 s (the GPU default, 10 s) also give survival at 1 s: a network is active at time t if it is
    # active at the end or its last spike falls in the bin before t (the same test as `sustained` at the end).
    long_run = T > 1000 + st.bin_ms()

    def alive_at(t_ms):
        return (sus > 0) | (np.nan_to_num(last, nan=-np.inf) > t_ms - st.bin_ms())

    S_1s = alive_at(1000.0).mean(axis=-1) if long_run else S
    strong = (we >= 7)[:, None] & (wi >= 90)[None, :]
    if long_run:
        print(f"  active at 1 s: {100 * alive_at(1000.0).mean():.1f} % of the networks; at {T / 1000:g} s: "
              f"{100 * sus.mean():.1f} %; COBA's grid point: {S_1s[i4, j51]:.2f} at 1 s, {S[i4, j51]:.2f} at "
              f"{T / 1000:g} s")
        check(np.all(S <= S_1s),
              f"survival never rises between 1 s and {T / 1000:g} s (no network comes back without input)")
        check(0.5 < S[strong].mean() < S_1s[strong].mean(),
              f"strong, inhibition-dominated corner at {T / 1000:g} s: survival {S[strong].mean():.2f}, below the "
              f"{S_1s[strong].mean():.2f} at 1 s (finite-size deaths of the metastable state) but above 0.5")
    weak = we <= 2.5
    check(np.all(S[weak][:, wi >= 10] == 0),
          f"weak excitation (w_e <= 2.5 nS) with inhibition (w_i >= 10 nS): no network survives {T:g} ms")
    check(S_1s[strong].mean() > 0.85,
          f"strong, inhibition-dominated corner (w_e >= 7, w_i >= 90 nS): survival at {min(T, 1000) / 1000:g} s "
          f"{S_1s[strong].mean():.2f} (> 0.85), E rate {np.nanmean(rate_map[strong]):.1f} Hz, synchrony "
          f"{np.nanmedian(sync_map[strong]):.3f}")
    # non-monotonic survival along w_i at high w_e: runaway at small w_i, a dip, then recovery
    dips = []
    for k in range(len(we)):
        s = S[k]
        first_low = np.argmax(s < 0.5) if np.any(s < 0.5) else None
        if first_low is not None and first_low > 0 and np.any(s[first_low:] >= 0.8):
            dips.append(k)
    if dips:
        print(f"  survival along w_i dips below 0.5 between the runaway and the sustained region for w_e >= "
              f"{we[dips[0]]:g} nS ({len(dips)} rows)")

    fig, axes = plt.subplots(2, 4 if long_run else 3, figsize=(23 if long_run else 17.5, 10.5))
    ext = (wi[0] - (wi[1] - wi[0]) / 2, wi[-1] + (wi[1] - wi[0]) / 2, we[0] - (we[1] - we[0]) / 2,
           we[-1] + (we[1] - we[0]) / 2)

    def show(ax, Z, title, label, **kw):
        im = ax.imshow(Z, origin="lower", extent=ext, aspect="auto", interpolation="nearest", **kw)
        fig.colorbar(im, ax=ax, label=label)
        ax.plot(51, 4, marker="*", color="w", mec="k", ms=13, label="COBA (4, 51)")
        ax.set_xlabel("w_i (nS)")
        ax.set_ylabel("w_e (nS)")
        ax.set_title(title)
        return im

    show(axes[0, 0], S, f"(a) fraction of the {trials} networks active at {T / 1000:g} s (spike in the last bin)",
         "survival fraction", cmap="viridis", vmin=0, vmax=1)
    axes[0, 0].contour(wi, we, S, levels=[0.5], colors="w", linewidths=1)
    axes[0, 0].contour(wi, we, runaway.mean(axis=-1), levels=[0.5], colors="r", linewidths=1, linestyles="--")
    axes[0, 0].plot([], [], "w-", label="survival 0.5")
    axes[0, 0].plot([], [], "r--", label="runaway (> 100 Hz at the end) 0.5")
    axes[0, 0].legend(fontsize=8, loc="lower right")
    show(axes[0, 1], death_map, "(b) networks that died: median time of the last spike", "ms", cmap="magma",
         vmin=0, vmax=T)
    show(axes[0, 2], rate_map, "(c) survivors: E rate over the last 100 ms (mean)", "Hz", cmap="plasma",
         norm=LogNorm(vmin=1, vmax=200))
    show(axes[1, 0], cv_map, "(d) survivors: ISI CV of the E cells (median; whole run)", "cv_E", cmap="coolwarm",
         vmin=0, vmax=2)
    show(axes[1, 1], sync_map, "(e) synchrony index (median over all networks, whole run)", "synchrony",
         cmap="cividis", norm=LogNorm(vmin=3e-3, vmax=1))
    ax = axes[1, 2]
    tb = (np.arange(nb) + 0.5) * st.bin_ms()
    examples = [("AI: w_e 8.2, w_i 100", 8.2, 100, "#1b9e77"), ("runaway: w_e 4, w_i 0", 4.0, 0, "#d95f02"),
                ("burst, then silence: w_e 8.2, w_i 40", 8.2, 40, "#7570b3"), ("COBA point: w_e 4, w_i 50", 4.0, 50, "k"),
                ("too weak: w_e 2.2, w_i 50", 2.2, 50, "#e7298a")]
    ax.axvspan(0, prm["kick_ms"], color=KICK_COLOR, lw=0)
    for lab, x, y, col in examples:
        k, j = int(np.argmin(np.abs(we - x))), int(np.argmin(np.abs(wi - y)))
        for t in range(min(3, pop.shape[2])):  # fewer with --map-trials below 3
            ax.plot(tb, np.maximum(pop[k, j, t, :, 0], 0.3), color=col, lw=1.3 if t == 0 else 0.5,
                    label=f"{lab} (survival {S[k, j]:.2f})" if t == 0 else None)
    ax.set_yscale("log")
    ax.set_ylim(0.3, 300)
    ax.set_xlim(0, T)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("E population rate (Hz, 10 ms bins; 0 drawn at 0.3)")
    ax.set_title("(f) three networks at each of five grid points")
    ax.legend(fontsize=7.5, loc="upper right")
    if long_run:
        show(axes[0, 3], S_1s, f"(g) fraction of the {trials} networks active at 1 s", "survival fraction",
             cmap="viridis", vmin=0, vmax=1)
        axes[0, 3].contour(wi, we, S_1s, levels=[0.5], colors="w", linewidths=1)
        ax = axes[1, 3]
        t_grid = np.linspace(0, T, 201)
        for lab, x, y, col in examples:
            k, j = int(np.argmin(np.abs(we - x))), int(np.argmin(np.abs(wi - y)))
            frac = [alive_at(t)[k, j].mean() for t in t_grid]
            ax.plot(t_grid / 1000, frac, color=col, label=lab)
        ax.axvline(1.0, color="0.6", lw=0.8, ls=":")
        ax.set_xscale("symlog", linthresh=0.1)
        ax.set_xlim(0, T / 1000)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("time (s)")
        ax.set_ylabel("fraction of networks still active")
        ax.set_title("(h) survival against time at the five grid points")
        ax.legend(fontsize=7.5, loc="lower left")
    fig.suptitle(f"Survival map: N {N}, p {st.p('p'):g} (COBA's in-degree {st.p('p') * st.N_E():g} E + "
                 f"{st.p('p') * (N - st.N_E()):g} I, so Brette et al.'s factor (4000/N)(0.02/p) = 1: COBA's weights), "
                 f"kick {prm['kick_ms']:g} ms at {prm['kick_rate_Hz']:g} Hz, {T:g} ms, {trials} networks per point, "
                 f"each with its own connectivity", fontsize=10.5)
    footnote(fig, [st])
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    nbplot.save(fig, a.figures, map_figure_name(T), "plot.py")


# ---- Figure 3: kick strength and lifetimes --------------------------------------------------------------------------

def figure_survival(a, kick, lifetimes):
    print("network_survival.png")
    fig, axes = plt.subplots(2, 2, figsize=(15, 10.5))
    used = []
    if kick is not None:
        used.append(kick)
        prm = kick.params_at(0)
        rates = kick.axis("kick_rate_Hz")
        trials = int(kick.spec["trials"])
        N, N_E = kick.N(), kick.N_E()
        sus = kick.npy("sustained").astype(int)
        last = kick.npy("last_spike_ms")
        tot = kick.npy("spikes_total")
        pop = kick.pop()
        bs = kick.bin_ms() / 1000
        nk = int(round(prm["kick_ms"] / kick.bin_ms()))
        evoked = (pop[..., :nk, 0].sum(axis=-1) * N_E + pop[..., :nk, 1].sum(axis=-1) * (N - N_E)) * bs
        k = sus.sum(axis=-1)
        lo, hi = wilson(k, trials)
        print(f"  N {N}, kick {prm['kick_ms']:g} ms of w {prm['kick_w_nS']:g} nS, {trials} networks per rate: "
              f"survival at {kick.T_ms():g} ms")
        for r, kk, ev in zip(rates, k, evoked):
            print(f"    kick {r:5g} Hz ({N * r * prm['kick_ms'] / 1000:7.0f} kick events): {kk:2d}/{trials} active; "
                  f"spikes in the kick window median {np.median(ev):.0f} (survivors "
                  f"{np.median(ev[sus[list(rates).index(r)] == 1]) if kk else float('nan'):.0f})")
        dead = (sus == 0) & (tot > 0)
        max_death = np.nanmax(np.where(dead, last, np.nan)) if dead.any() else float("nan")
        check(np.all(tot[rates == 0] == 0), "no kick (0 Hz): not one spike")
        top = rates == rates.max()
        low = (rates > 0) & (rates <= 3)
        check(np.all(k[top] == trials) and np.all(k[low] <= 0.25 * trials),
              f"ignition: at COBA's kick ({rates.max():g} Hz) all {trials} networks survive; at 1-3 Hz at most 25 % "
              f"({', '.join(f'{x}/{trials}' for x in k[low])})")
        ignited_dead = dead & (evoked > 300)
        print(f"  networks that died: {int(dead.sum())} with spikes; {int(ignited_dead.sum())} of them after more "
              f"than 300 spikes in the kick window (ignited, then collapsed), at kick rates "
              f"{sorted(set(float(x) for x in np.repeat(rates, trials).reshape(sus.shape)[ignited_dead]))} Hz")
        check(bool(dead.any()) and max_death < 200,
              f"all-or-none: every network that died did so by {max_death:.1f} ms (< 200 ms, the kick ends at "
              f"{prm['kick_ms']:g} ms); none that outlived that died before {kick.T_ms():g} ms")
        ax = axes[0, 0]
        x = np.where(rates == 0, 0.3, rates)
        ax.errorbar(x, k / trials, yerr=[k / trials - lo, hi - k / trials], fmt="o-", color="k", capsize=3,
                    label=f"fraction active at {kick.T_ms():g} ms (95 % Wilson)")
        ax.set_xscale("log")
        ax.set_xticks(x)
        ax.set_xticklabels([f"{r:g}" for r in rates], fontsize=8)
        ax.set_xlabel(f"kick rate per cell (Hz; {prm['kick_ms']:g} ms, {prm['kick_w_nS']:g} nS; 0 drawn at 0.3)")
        ax.set_ylabel("survival fraction")
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(f"(a) survival against the kick, N {N} COBA, {trials} networks per rate")
        ax2 = ax.twiny()
        ax2.set_xscale("log")
        ax2.set_xlim(ax.get_xlim())
        ax2.set_xticks(x[1::2])
        ax2.set_xticklabels([f"{N * r * prm['kick_ms'] / 1000:.0f}" for r in rates[1::2]], fontsize=8)
        ax2.set_xlabel("kick events in the network (N rate kick_ms)", fontsize=8)
        ax.legend(fontsize=8, loc="center right")
        ax = axes[0, 1]
        for i, r in enumerate(rates):
            xr = np.full(trials, x[i]) * np.exp(np.linspace(-0.08, 0.08, trials))
            ax.scatter(xr[sus[i] == 1], np.maximum(evoked[i][sus[i] == 1], 0.5), s=14, color="#1b9e77")
            ax.scatter(xr[sus[i] == 0], np.maximum(evoked[i][sus[i] == 0], 0.5), s=14, color="#d95f02", marker="x")
        ax.scatter([], [], color="#1b9e77", label="active at the end")
        ax.scatter([], [], color="#d95f02", marker="x", label="died")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(x)
        ax.set_xticklabels([f"{r:g}" for r in rates], fontsize=8)
        ax.set_xlabel("kick rate per cell (Hz)")
        ax.set_ylabel(f"spikes of the network in the first {prm['kick_ms']:g} ms (0 drawn at 0.5)")
        ax.set_title("(b) each network: spikes during the kick, and its fate")
        ax.legend(fontsize=8)
        ax = axes[1, 0]
        # the kick rate with the most networks that ignited (> 300 spikes in the kick window) and died anyway
        marginal = int(np.argmax(ignited_dead.sum(axis=-1)))
        tb = (np.arange(pop.shape[-2]) + 0.5) * kick.bin_ms()
        ax.axvspan(0, prm["kick_ms"], color=KICK_COLOR, lw=0)
        for t in range(trials):
            ax.plot(tb, np.maximum(pop[marginal, t, :, 0], 0.3), color="#1b9e77" if sus[marginal, t] else "#d95f02",
                    lw=0.8)
        ax.plot([], [], color="#1b9e77", label=f"active at {kick.T_ms():g} ms ({k[marginal]})")
        ax.plot([], [], color="#d95f02", label=f"died ({trials - k[marginal]})")
        ax.set_yscale("log")
        ax.set_ylim(0.3, 200)
        ax.set_xlim(0, 200)
        ax.set_xlabel("time (ms)")
        ax.set_ylabel("E population rate (Hz; 0 drawn at 0.3)")
        ax.set_title(f"(c) all {trials} networks at {rates[marginal]:g} Hz: the first synchronous wave (cells that start "
                     f"near\nthreshold) recruits inhibition; some never recover before the kick ends")
        ax.legend(fontsize=8)
    ax = axes[1, 1]
    cols = plt.cm.viridis(np.linspace(0, 0.85, 5))
    for st in lifetimes:
        if st is None:
            continue
        used.append(st)
        last = np.nan_to_num(st.npy("last_spike_ms"), nan=0.0)
        sus = st.npy("sustained")
        T = st.T_ms()
        t = np.geomspace(40, T, 400)
        pts = st.spec["instances"] // st.spec["trials"]
        last = last.reshape(pts, -1)
        sus = sus.reshape(pts, -1)
        for i in range(pts):
            prm = st.params_at(i)
            Sf = [(last[i] >= x).mean() for x in t]
            label = (f"N {st.N()}, p {st.p('p'):g}, w_e {prm['w_e_nS']:g}, w_i {prm['w_i_nS']:g}: "
                     f"{(last[i] >= 1000).mean():.2f} at 1 s, {sus[i].mean():.2f} at {T / 1000:g} s")
            if st.N() == 1000:
                ax.step(t, Sf, where="post", color=cols[i], lw=1.4, label=label)
            else:
                ax.step(t, Sf, where="post", color="k" if st.N() == 4000 else "0.5", lw=2.2, label=label)
            print(f"  lifetimes: {label}; median last spike {np.median(last[i]):.0f} ms")
    ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("time t (ms)")
    ax.set_ylabel("fraction of networks still active at t (last spike >= t)")
    ax.set_title("(d) lifetimes over 10 s, 20 networks each, in-degree 64 E + 16 I at every N")
    ax.legend(fontsize=7, loc="lower left")
    st = {s.N(): s for s in lifetimes if s is not None and s.spec["instances"] == s.spec["trials"]}
    n1000 = lifetimes[0]
    if n1000 is not None and 2000 in st and 4000 in st:
        s1 = n1000.npy("sustained").reshape(n1000.spec["instances"] // n1000.spec["trials"], -1)[0].mean()
        s2, s4 = st[2000].npy("sustained").mean(), st[4000].npy("sustained").mean()
        check(s1 <= s2 <= s4 and s4 > s1,
              f"at COBA's weights and in-degree the fraction active after {n1000.T_ms() / 1000:g} s grows with N: "
              f"{s1:.2f} (N 1000), {s2:.2f} (N 2000), {s4:.2f} (N 4000): finite-size death of the fluctuation-driven "
              f"state")
    fig.suptitle("Survival against the kick (N 4000 COBA) and the lifetime of the self-sustained state", fontsize=11)
    footnote(fig, used)
    fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    nbplot.save(fig, a.figures, "network_survival.png", "plot.py")


# ---- Figure 4: scaling ----------------------------------------------------------------------------------------------

def scaling_series(results, tag):
    runs = []
    for path in glob.glob(os.path.join(results, f"network_scaling_{tag}_N*")):
        m = re.search(r"_N(\d+)$", path)
        if m and os.path.isfile(os.path.join(path, "summary.json")):
            runs.append(Net(path))
    return sorted(runs, key=lambda s: s.N())


def figure_scaling(a, fixed_p, fixed_K):
    print("network_scaling.png")
    fig, axes = plt.subplots(2, 3, figsize=(17.5, 10))
    series = (("fixed_p", fixed_p, "p 0.02, w x 4000/N (in-degree 0.02 N)", "#d95f02", "o"),
              ("fixed_K", fixed_K, "p 0.02 x 4000/N, w unchanged (in-degree 80)", "#1b9e77", "s"))
    table = {}
    for tag, runs, label, col, mk in series:
        if not runs:
            continue
        rows = []
        for s in runs:
            prm = s.params_at(0)
            pop = s.pop()[0]
            skip = int(round(100 / s.bin_ms()))
            post = pop[skip:] if pop.shape[0] > skip else pop[-1:]
            N, N_E = s.N(), s.N_E()
            p = s.p("p")
            syn = float(s.npy("synapses_out").ravel()[0])
            mean_syn, sd_syn = p * N * (N - 1), math.sqrt(p * (1 - p) * N * (N - 1))
            # synchrony after 100 ms: the numerator from the population bins, the observable's denominator (the mean
            # single-cell variance over the whole run) reused
            A = (pop[:, 0] * N_E + pop[:, 1] * (N - N_E)) * s.bin_ms() / 1000 / N
            chi = float(s.npy("synchrony").ravel()[0])
            chi_late = A[skip:].var() / (A.var() / chi) if (chi > 0 and A.var() > 0 and pop.shape[0] > skip) else np.nan
            rows.append(dict(N=N, T=s.T_ms(), p=p, w_e=prm["w_e_nS"], w_i=prm["w_i_nS"], sync_late=chi_late,
                             rE=post[:, 0].mean(), rI=post[:, 1].mean(), rE_all=float(s.npy("rate_E_Hz").ravel()[0]),
                             cvE=float(s.npy("cv_E").ravel()[0]), cvI=float(s.npy("cv_I").ravel()[0]),
                             sync=float(s.npy("synchrony").ravel()[0]), sus=int(s.npy("sustained").ravel()[0]),
                             last=float(s.npy("last_spike_ms").ravel()[0]), wall=s.run["wall_s"],
                             per_s=s.run["wall_s"] / (s.T_ms() / 1000), syn=syn,
                             syn_ok=abs(syn - mean_syn) < 4 * sd_syn, pop=pop, bin=s.bin_ms(), prm=prm, st=s))
        table[tag] = rows
        print(f"  {tag} ({label}):")
        for r in rows:
            print(f"    N {r['N']:>6}  p {r['p']:<8g} w_e {r['w_e']:<7g} w_i {r['w_i']:<7g} {r['T'] / 1000:g} s: "
                  f"{'active' if r['sus'] else 'died  '} (last spike {r['last']:7.1f} ms)  rate after 100 ms E "
                  f"{r['rE']:6.2f} I {r['rI']:6.2f} Hz  CV E {r['cvE']:.3f} I {r['cvI']:.3f}  synchrony "
                  f"{r['sync']:.5f} (after 100 ms {r['sync_late']:.5f}, x N {r['sync_late'] * r['N']:.1f})  synapses {r['syn']:.3e}  wall {r['wall']:6.2f} s = {r['per_s']:7.2f} s per "
                  f"network-second")
        check(all(r["syn_ok"] for r in rows),
              f"{tag}: synapse counts within 4 SD of p N (N - 1) at every N")
        Ns = np.array([r["N"] for r in rows])
        ax = axes[0, 0]
        ax.plot(Ns, [max(r["rE"], 0.05) for r in rows], mk + "-", color=col, label=f"E, {label}")
        ax.plot(Ns, [max(r["rI"], 0.05) for r in rows], mk + "--", color=col, mfc="none", label="I")
        ax = axes[0, 1]
        ok = np.array([r["sus"] == 1 for r in rows])
        ax.plot(Ns[ok], np.array([r["cvE"] for r in rows])[ok], mk + "-", color=col, label=f"E, {label}")
        ax.plot(Ns[ok], np.array([r["cvI"] for r in rows])[ok], mk + "--", color=col, mfc="none", label="I")
        ax = axes[0, 2]
        ax.plot(Ns[ok], np.array([r["sync_late"] for r in rows])[ok], mk + "-", color=col,
                label=f"{label}: after 100 ms")
        ax.plot(Ns[ok], np.array([r["sync"] for r in rows])[ok], mk + ":", color=col, mfc="none",
                label="whole run (the observable: the kick's transient included)")
        ax = axes[1, 0]
        ax.plot(Ns, [r["per_s"] for r in rows], mk + "-", color=col, label=label)
        for r in rows:
            if r["T"] < 1000:
                ax.annotate(f"{r['T']:g} ms", (r["N"], r["per_s"]), fontsize=7, textcoords="offset points",
                            xytext=(4, -10))
        if tag == "fixed_p":
            ax = axes[1, 1]
            cm = plt.cm.copper(np.linspace(0, 0.85, len(rows)))
            for r, c in zip(rows, cm):
                tb = (np.arange(r["pop"].shape[0]) + 0.5) * r["bin"]
                ax.plot(tb, np.maximum(r["pop"][:, 0], 0.05), color=c, lw=1.2,
                        label=f"N {r['N']}: {'active' if r['sus'] else 'died at %.0f ms' % r['last']}")
    # theory panel: SD of the free membrane potential at 13 Hz in both populations, against N
    ax = axes[1, 2]
    Ngrid = np.geomspace(1000, 1e5, 60)
    base = dict(C_pF=200.0, G_L_nS=10.0, E_L_mV=-60.0, E_e_mV=0.0, E_i_mV=-80.0, tau_e_ms=5.0, tau_i_ms=10.0)
    r0 = 13.0
    for tag, label, col in (("fixed_p", "p 0.02, w x 4000/N", "#d95f02"), ("fixed_K", "in-degree 80", "#1b9e77")):
        sd, v0 = [], []
        for N in Ngrid:
            f = 4000.0 / N
            prm = dict(base, w_e_nS=4 * f if tag == "fixed_p" else 4.0, w_i_nS=51 * f if tag == "fixed_p" else 51.0)
            p = 0.02 if tag == "fixed_p" else 0.02 * f
            _, _, V0, s, _ = free_membrane(prm, p * 0.8 * N, p * 0.2 * N, r0, r0)
            sd.append(s)
            v0.append(V0)
        ax.plot(Ngrid, (-50.0 - np.array(v0)) / np.array(sd), color=col, lw=2, label=f"{label}")
    ax.set_xscale("log")
    ax.set_xlabel("N")
    ax.set_ylabel("(V_th - V0) / SD(V)  (theory, 13 Hz in both populations)")
    ax.set_title("(f) theory: threshold distance from the mean free V in SDs of V\n(fixed p: the fluctuations shrink "
                 "as sqrt(4000/N))")
    ax.legend(fontsize=8)

    ax = axes[0, 0]
    ax.axhspan(*MODELS_RATE_HZ, color="0.9", lw=0, label="docs/models/network.md 10-20 Hz")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(0.04, 1500)
    ax.set_xlabel("N")
    ax.set_ylabel("rate after 100 ms (Hz; 0 drawn at 0.05)")
    ax.set_title("(a) population rates after the kick, one network per N")
    ax.legend(fontsize=7, loc="upper right")
    ax = axes[0, 1]
    ax.axhline(1, color="k", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("N")
    ax.set_ylabel("mean ISI CV (networks still active)")
    ax.set_title("(b) irregularity")
    ax.legend(fontsize=7.5)
    ax = axes[0, 2]
    ax.plot(Ngrid, 1 / Ngrid, "k:", lw=1, label="1/N (independent cells)")
    ax.plot(Ngrid, 15 / Ngrid, "k--", lw=0.8, label="15/N")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N")
    ax.set_ylabel("synchrony index")
    ax.set_title("(c) synchrony index (networks still active)")
    ax.legend(fontsize=7.5)
    ax = axes[1, 0]
    ax.plot(Ngrid, 0.1 * Ngrid / 4000, "k:", lw=1, label="proportional to N")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N")
    ax.set_ylabel("wall s per network-second (one network: 1 thread)")
    ax.set_title("(d) cost: run.wall_s per simulated second\n(building the connectivity included)")
    ax.legend(fontsize=7.5)
    ax = axes[1, 1]
    ax.axvspan(0, 50, color=KICK_COLOR, lw=0)
    ax.set_yscale("log")
    ax.set_ylim(0.05, 300)
    ax.set_xlim(0, 300)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("E population rate (Hz; 0 drawn at 0.05)")
    ax.set_title("(e) p 0.02, w x 4000/N: E rate over time")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7.5)
    fig.suptitle("Scaling with Brette et al.'s weight factor (4000/N)(0.02/p): N 1000 .. 100000, kick 50 ms at 100 Hz "
                 "(4 nS, not scaled)", fontsize=11)
    footnote(fig, [r["st"] for rows in table.values() for r in rows if r["N"] in (4000, 100000)])
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    nbplot.save(fig, a.figures, "network_scaling.png", "plot.py")

    if "fixed_K" in table:
        rows = table["fixed_K"]
        big = [r for r in rows if r["N"] >= 4000]
        fates = [f"N {r['N']} " + ("active" if r["sus"] else f"died at {r['last']:.0f} ms") for r in rows
                 if r["N"] < 4000]
        if fates:
            print(f"  in-degree 80 below N 4000: {', '.join(fates)} (finite size: see the lifetimes)")
        check(all(r["sus"] for r in big) and all(MODELS_RATE_HZ[0] < r["rE"] < MODELS_RATE_HZ[1] and
                                                MODELS_RATE_HZ[0] < r["rI"] < MODELS_RATE_HZ[1] for r in big),
              f"in-degree 80 (weights unchanged): active at {rows[0]['T'] / 1000:g} s at every N from 4000 to "
              f"{rows[-1]['N']}, rates after 100 ms in 10-20 Hz (E {min(r['rE'] for r in big):.2f} .. "
              f"{max(r['rE'] for r in big):.2f}, I {min(r['rI'] for r in big):.2f} .. {max(r['rI'] for r in big):.2f}), "
              f"CV E {min(r['cvE'] for r in big):.3f} .. {max(r['cvE'] for r in big):.3f}")
        lat = [r["sync_late"] * r["N"] for r in big]
        check(max(lat) / min(lat) < 3,
              f"in-degree 80: synchrony after 100 ms falls as 1/N (x N: {', '.join(f'{x:.1f}' for x in lat)}, "
              f"within a factor 3), while the whole-run observable levels off at {big[-1]['sync']:.4f}: the kick's "
              f"transient dominates it at large N")
        Ns = np.array([r["N"] for r in rows if r["N"] >= 8000], float)
        ws = np.array([r["per_s"] for r in rows if r["N"] >= 8000])
        if len(Ns) >= 2:
            slope = np.polyfit(np.log(Ns), np.log(ws), 1)[0]
            check(0.8 < slope < 1.3,
                  f"in-degree 80: wall time per network-second grows as N^{slope:.2f} for N >= 8000 (linear: the cell "
                  f"loop and the spikes both scale with N); {rows[-1]['per_s']:.2f} s at N {rows[-1]['N']}")
    if "fixed_p" in table and "fixed_K" in table:
        a4 = [r for r in table["fixed_p"] if r["N"] == 4000]
        b4 = [r for r in table["fixed_K"] if r["N"] == 4000]
        if a4 and b4:
            same = all(np.array_equal(a4[0]["st"].npy(k), b4[0]["st"].npy(k)) for k in
                       ("rate_E_Hz", "cv_E", "synchrony", "spikes_total", "synapses_out", "pop_rate_Hz"))
            check(same, "N 4000: the two series' runs (the same resolved spec, run separately) are bitwise identical")
    if "fixed_p" in table:
        rows = table["fixed_p"]
        alive = [r["N"] for r in rows if r["sus"]]
        dead = [r["N"] for r in rows if not r["sus"]]
        small = [r for r in rows if r["N"] <= 4000]
        print(f"  p 0.02, w x 4000/N: active at N = {alive}, died at N = {dead}")
        big = [r for r in rows if r["N"] >= 8000]
        lasts = ", ".join(f"{r['last']:.0f}" for r in big)
        check(all(r["sus"] for r in small) and all(not r["sus"] for r in big),
              f"p 0.02, w x 4000/N: active for N <= 4000, dead for every N >= 8000 (last spikes {lasts} ms): the mean "
              f"input is the same at every N but the fluctuations that carry the state shrink as sqrt(4000/N)")
        rates = [r["rE"] for r in small]
        check(all(x > y for x, y in zip(rates, rates[1:])),
              f"p 0.02, w x 4000/N: the sustained rate falls with N ({', '.join(f'{x:.1f}' for x in rates)} Hz at N "
              f"{', '.join(str(r['N']) for r in small)}): larger and fewer synapses mean larger fluctuations at small N")
    return table


# ---- Main -----------------------------------------------------------------------------------------------------------

STUDIES = ("network_coba", "network_survival_map", "network_survival_kick", "network_lifetime_n1000",
           "network_lifetime_n2000", "network_lifetime_n4000")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", required=True, help="directory holding the network_* neurobatch outputs")
    ap.add_argument("--figures", help="where to write the PNGs (default: RESULTS/figures/network; "
                    "experiments/network/figures/ holds the committed gallery: write there only to update it)")
    a = ap.parse_args(argv)
    if a.figures is None:
        a.figures = os.path.join(a.results, "figures", "network")
    warnings.filterwarnings("ignore", message="(Mean of empty slice|All-NaN slice encountered)")
    if not os.path.isdir(a.results):
        ap.error(f"--results: '{a.results}' is not a directory")
    os.makedirs(a.figures, exist_ok=True)
    plt.rcParams.update({"axes.grid": True, "grid.alpha": 0.3, "font.size": 9})
    st = {name: load(a.results, name) for name in STUDIES}
    if st["network_coba"]:
        figure_coba(a, st["network_coba"])
    if st["network_survival_map"]:
        figure_map(a, st["network_survival_map"])
    lifetimes = [st["network_lifetime_n1000"], st["network_lifetime_n2000"], st["network_lifetime_n4000"]]
    if st["network_survival_kick"] or any(lifetimes):
        figure_survival(a, st["network_survival_kick"], lifetimes)
    fixed_p, fixed_K = scaling_series(a.results, "fixed_p"), scaling_series(a.results, "fixed_K")
    if fixed_p or fixed_K:
        figure_scaling(a, fixed_p, fixed_K)
    print("run times (summary.json run.wall_s):")
    runs = [s for s in st.values() if s is not None] + fixed_p + fixed_K
    total = 0.0
    for s in runs:
        r, sp = s.run, s.spec
        total += r["wall_s"]
        print(f"  {sp['name']:<34} {sp['instances']:>6} networks x {s.T_ms() / 1000:>4g} s x N {s.N():>6}: "
              f"{r['wall_s']:7.2f} s on {r['backend']} ({r.get('device', '')}), {s.net_seconds() / r['wall_s']:8.2f} "
              f"network-s/s")
    print(f"  all runs: {total:.1f} s")
    print(f"plot.py: {CHECKS['ok'] + CHECKS['MISMATCH']} checks against docs/models/network.md, the theory and the recomputed "
          f"observables, {CHECKS['MISMATCH']} mismatch(es)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
