#!/usr/bin/env python3
"""Figures of the kinetic-synapse gallery (docs/models/synapse.md) from NeuroBatch results directories.

usage: plot.py --results DIR [--figures FIGDIR] [--only gating traces]

DIR holds one NeuroBatch output directory per study, named as scripts/demo names them:
    synapse_gating/  synapse_gating_lif/  synapse_table/                  -> synapse_gating.png (+ table checks)
    synapse_traces_AMPA/  synapse_traces_GABA_A/  synapse_traces_NMDA/  -> synapse_traces.png
A figure whose studies are missing is skipped with a warning. Besides the PNGs, the script prints the numbers it
compares with the closed forms of docs/models/synapse.md, tagged [ok] or [MISMATCH], and a count at the end.

Two kinds of reference are used:
  * the continuous-time closed forms of docs/models/synapse.md (periodic exact, Poisson exact, rate approximation) and its
    table of <s> values;
  * the exact means of the discrete-time process the simulator runs (s sampled after each step of dt):
    Poisson  p q / (1 - d (1 - p q))  with p the per-step spike probability, d = exp(-dt/tau), q = 1 - exp(-alpha)
    (kernels/synapse/synapse.hpp); periodic and LIF trains: a float64 replay of the same spike steps through the
    same exact update. They differ from the continuous forms by about dt / (2 tau) relative (sampling s right
    after each jump), i.e. 1.25 % for AMPA at dt = 0.05 ms and 2.5 % at dt = 0.1 ms.
The docs/models/synapse.md table is checked against the simulation after this known discretisation factor is applied.

Needs only numpy and matplotlib (Debian: python3-numpy, python3-matplotlib); renders with the Agg backend.
"""
import argparse
import math
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
RECEPTORS = ("AMPA", "GABA_A", "NMDA")
TRAIN_COLORS = {"periodic": "#1f77b4", "poisson": "#ff7f0e", "lif": "#2ca02c"}
RECEPTOR_COLORS = {"AMPA": "#d62728", "GABA_A": "#9467bd", "NMDA": "#8c564b"}
LIF_WINDOW_MS = 250.0  # the lif column of synapse_traces.png shows only the start (about 20 spikes at 82 Hz)

# docs/models/synapse.md, table of <s> (alpha = 1): {(receptor, column): {rate_Hz: value}}
MODELS_TABLE = {
    ("AMPA", "periodic"): {10: 0.0126, 50: 0.0632, 99: 0.1247},
    ("AMPA", "approx"): {10: 0.0196, 50: 0.0909, 99: 0.1653},
    ("GABA_A", "periodic"): {10: 0.0632, 50: 0.2876, 99: 0.4594},
    ("NMDA", "periodic"): {10: 0.4621, 50: 0.8199, 99: 0.9008},
    ("NMDA", "poisson"): {10: 0.3873, 50: 0.7597, 99: 0.8622},
    ("NMDA", "approx"): {10: 0.5000, 50: 0.8333, 99: 0.9083},
}
TABLE_ROUNDING = 0.5e-4  # the table's values are given to 4 decimals
Z_MAX = 4.0              # statistical allowance: |simulated - expected| <= Z_MAX standard errors over trials
FLOAT32_ALLOWANCE = 1e-5  # the kernels keep s in float32 (relative rounding ~6e-8 per update)
REPLAY_RELATIVE = 1e-5    # deterministic trains against the float64 replay of the same spikes (observed <= 1e-6);
                          # the periodic spike counts are also compared exactly


# ---- Closed forms (docs/models/synapse.md); rates in Hz, times in ms -----------------------------------------------

def periodic_exact(r_Hz, tau_ms, alpha=1.0):
    """<s> for a periodic train: r tau (1 - exp(-1/(r tau))) q / (1 - exp(-(alpha + 1/(r tau))))."""
    rt = np.asarray(r_Hz, dtype=float) * tau_ms * 1e-3
    q = 1.0 - math.exp(-alpha)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        out = rt * -np.expm1(-1.0 / rt) * q / -np.expm1(-(alpha + 1.0 / rt))
    return np.where(rt > 0, out, 0.0)


def poisson_exact(r_Hz, tau_ms, alpha=1.0):
    """<s> for a Poisson train: r tau q / (1 + r tau q)."""
    x = np.asarray(r_Hz, dtype=float) * tau_ms * 1e-3 * (1.0 - math.exp(-alpha))
    return x / (1.0 + x)


def rate_approx(r_Hz, tau_ms, alpha=1.0):
    """The notebook's rate approximation: alpha r tau / (1 + alpha r tau)."""
    x = alpha * np.asarray(r_Hz, dtype=float) * tau_ms * 1e-3
    return x / (1.0 + x)


# ---- The discrete-time process the simulator runs (kernels/synapse/synapse.hpp) ---------------------------------

def fixed_point_turns(x):
    """x in [0, 1] as the kernels' 32-bit fixed-point fraction, rounded to nearest and saturating at 2^32 - 1
    (host/synapse_model.cpp: the Poisson threshold and the periodic train's initial phase)."""
    return int(min(4294967295.0, math.floor(x * 4294967296.0 + 0.5)))


def periodic_increment(spikes_per_step):
    """The periodic train's phase increment: ceil(r dt 2^32) in 64 bits (host/synapse_model.cpp)."""
    return int(math.ceil(spikes_per_step * 4294967296.0))


def coefficients(tau_ms, alpha, dt_ms):
    """(decay, keep) as the kernels hold them: exp(-dt/tau), exp(-alpha) rounded to float32."""
    return float(np.float32(math.exp(-dt_ms / tau_ms))), float(np.float32(math.exp(-alpha)))


def poisson_discrete(r_Hz, tau_ms, alpha, dt_ms):
    """Exact stationary mean of the sampled discrete process, p q / (1 - d (1 - p q)), with the kernels' p."""
    d, keep = coefficients(tau_ms, alpha, dt_ms)
    q = 1.0 - keep
    out = []
    for r in np.atleast_1d(r_Hz):
        p = fixed_point_turns(r * dt_ms * 1e-3) / 4294967296.0
        out.append(p * q / (1.0 - d * (1.0 - p * q)))
    return np.array(out)


def periodic_spike_steps(r_Hz, dt_ms, n_steps, phase=0.0):
    """Steps (1-based: the spike happens while advancing to step n) of the kernels' phase-accumulator train:
    phase += increment each step, a spike when it reaches 2^32 (kernels/synapse/synapse.hpp)."""
    inc, phase0 = periodic_increment(r_Hz * dt_ms * 1e-3), fixed_point_turns(phase)
    if inc == 0:
        return np.zeros(0, dtype=np.int64)
    wraps = (phase0 + n_steps * inc) >> 32
    j = np.arange(1, wraps + 1, dtype=np.int64)
    return -((phase0 - (j << 32)) // inc)  # ceil((j 2^32 - phase0) / inc)


def replay_mean(spike_steps, n_steps, transient_steps, d, keep, s0=0.0):
    """Mean of s over steps transient_steps + 1 .. n_steps of the exact update (decay every step, jump
    s -> 1 - (1 - s) keep at spike steps, s sampled after the step), in float64 with geometric sums."""
    total, s_start, a = 0.0, s0, 0
    steps = [int(x) for x in spike_steps if 1 <= x <= n_steps]
    for k in range(len(steps) + 1):
        b = steps[k] - 1 if k < len(steps) else n_steps       # this segment covers steps a .. b
        m0 = max(a, transient_steps + 1)
        if m0 <= b:
            total += s_start * d ** (m0 - a) * (1.0 - d ** (b - m0 + 1)) / (1.0 - d)
        if k < len(steps):
            s_start = 1.0 - (1.0 - s_start * d ** (steps[k] - a)) * keep
            a = steps[k]
    return total / (n_steps - transient_steps)


# ---- Results ------------------------------------------------------------------------------------------------

class Study(nbplot.Study):
    """A synapse study: nbplot.Study plus the receptor's tau, spike steps and the transient."""

    def axis(self, name):
        return list(self.axis_values(name))

    def tau(self, receptor):
        """tau_s_ms of the points with this receptor: a constant param, or (receptor swept) the spec's "derived"
        entry {"tau_s_ms": {"from": "receptor", "values": [...]}} aligned with the receptor axis."""
        p = self.spec["params"]
        if "tau_s_ms" in p and ("receptor" not in p or p["receptor"] == receptor):
            return float(p["tau_s_ms"])
        der = self.spec.get("derived", {}).get("tau_s_ms")
        if der is not None and der["from"] == "receptor":
            return float(der["values"][self.axis("receptor").index(receptor)])
        raise KeyError(f"tau_s_ms for receptor {receptor}")

    def spike_steps(self):
        """{instance: spike steps}; a spike found advancing to step n is stamped n dt."""
        times, ids = self.npy("spike_times_ms"), self.npy("spike_instances")
        dt = self.spec["dt_ms"]
        return {int(i): np.rint(row[np.isfinite(row)] / dt).astype(np.int64) for i, row in zip(ids, times)}

    @property
    def n_steps(self):
        return int(self.spec["n_steps"])

    def transient_steps(self, point=0):
        return int(round(self.param("transient_ms", point) / self.spec["dt_ms"]))

    def describe(self):
        r, s = self.run, self.spec
        return (f"{os.path.basename(self.path)}: {r['backend']} ({r.get('device', '')}), {s['trials']} trial(s) x "
                f"{s['instances'] // s['trials']} point(s), {s['duration_ms'] / 1000:g} s at dt {s['dt_ms']:g} ms, "
                f"transient {s['params'].get('transient_ms', 0):g} ms; wall {r['wall_s']:.2f} s")


def load(results, name):
    return nbplot.load(results, name, Study)


def save(fig, figdir, name):
    nbplot.save(fig, figdir, name, "plot.py")


def trial_stats(x):
    """(..., trials) -> mean, sample SD (0 for one trial), standard error of the mean."""
    n = x.shape[-1]
    m = x.mean(axis=-1)
    sd = x.std(axis=-1, ddof=1) if n > 1 else np.zeros_like(m)
    return m, sd, sd / math.sqrt(n)


# ---- Gating: the closed forms, the docs/models/synapse.md table, the sweep --------------------------------------------------

def check_closed_forms():
    """The formulas used here reproduce docs/models/synapse.md's table (alpha = 1)."""
    tau = {"AMPA": 2.0, "GABA_A": 10.0, "NMDA": 100.0}
    forms = {"periodic": periodic_exact, "poisson": poisson_exact, "approx": rate_approx}
    worst = 0.0
    for (rec, col), row in MODELS_TABLE.items():
        for r, v in row.items():
            worst = max(worst, abs(float(forms[col](r, tau[rec])) - v))
    check(worst <= TABLE_ROUNDING + 1e-12,
          f"closed forms reproduce the docs/models/synapse.md table to its 4 decimals (largest difference {worst:.1e})")


def table_checks(tab):
    """docs/models/synapse.md's table against the long runs of table.json, after the discretisation factor."""
    dt, n, alpha = tab.spec["dt_ms"], tab.n_steps, tab.spec["params"]["alpha"]
    rates = [float(r) for r in tab.axis("rate_Hz")]
    trains = tab.axis("train")
    s_mean = tab.npy("s_mean")  # (receptor, train, rate, trials)
    m, sd, se = trial_stats(s_mean)
    trials = s_mean.shape[-1]
    print(f"  docs/models/synapse.md table against synapse_table/ ({tab.spec['duration_ms'] / 1000:g} s x {trials} trials per "
          f"point, "
          f"dt {dt:g} ms; reference = table value x (discrete-time mean / continuous closed form), "
          f"tolerance = {TABLE_ROUNDING:g} x factor (rounding) + {Z_MAX:g} SE + {FLOAT32_ALLOWANCE:g})")
    for i, rec in enumerate(tab.axis("receptor")):
        tau = tab.tau(rec)
        d, keep = coefficients(tau, alpha, dt)
        for j, train in enumerate(trains):
            for k, r in enumerate(rates):
                if train == "periodic":
                    disc = replay_mean(periodic_spike_steps(r, dt, n), n, tab.transient_steps(), d, keep)
                    cont = float(periodic_exact(r, tau, alpha))
                else:
                    disc = float(poisson_discrete(r, tau, alpha, dt)[0])
                    cont = float(poisson_exact(r, tau, alpha))
                v = MODELS_TABLE.get((rec, train), {}).get(int(round(r)))
                factor = disc / cont
                if v is None:  # not in the table: compare with the closed form directly
                    ref, tol = disc, Z_MAX * se[i, j, k] + FLOAT32_ALLOWANCE
                    label = f"closed form {cont:.4f}"
                else:
                    ref = v * factor
                    tol = TABLE_ROUNDING * factor + Z_MAX * se[i, j, k] + FLOAT32_ALLOWANCE
                    label = f"docs/models/synapse.md {v:.4f}"
                ok = abs(m[i, j, k] - ref) <= tol
                check(ok, f"{rec:6s} {train:8s} {r:5.0f} Hz: simulated {m[i, j, k]:.5f} +- {se[i, j, k]:.5f}, "
                          f"{label} x {factor:.5f} = {ref:.5f} (|diff| {abs(m[i, j, k] - ref):.1e} <= {tol:.1e}); "
                          f"raw sim/{'table' if v is not None else 'closed form'} - 1 = "
                          f"{100 * (m[i, j, k] / (v if v is not None else cont) - 1):+.2f} %")
    for rec, tau in (("AMPA", 2.0),):
        for dt_show in sorted({dt, 0.1}):
            disc = float(poisson_discrete(99.0, tau, 1.0, dt_show)[0])
            cont = float(poisson_exact(99.0, tau, 1.0))
            print(f"  discrete-time Poisson steady state p q / (1 - d (1 - p q)), {rec} at 99 Hz, dt {dt_show:g} ms: "
                  f"{disc:.5f} against r tau q / (1 + r tau q) = {cont:.5f} ({100 * (disc / cont - 1):+.2f} %)")


def fig_gating(results, figdir):
    g, gl, tab = load(results, "synapse_gating"), load(results, "synapse_gating_lif"), load(results, "synapse_table")
    if g is None and gl is None and tab is None:
        return print("plot.py: skipping synapse_gating.png (no synapse_gating/, synapse_gating_lif/, synapse_table/)")
    print("synapse_gating.png")
    check_closed_forms()
    if tab is not None:
        table_checks(tab)

    fig, axes = plt.subplots(2, 3, figsize=(18, 10), gridspec_kw=dict(height_ratios=[1.7, 1]))
    r_line = np.linspace(0.0, 100.0, 401)[1:]
    alpha = 1.0
    src = g or gl or tab
    alpha = src.spec["params"].get("alpha", 1.0)
    dt = src.spec["dt_ms"]

    # simulated data
    sim = {}
    if g is not None:
        rates = np.array(g.axis("rate_Hz"), dtype=float)
        trains = g.axis("train")
        s_mean = g.npy("s_mean")  # (receptor, train, rate, trials)
        counts = g.npy("pre_spike_count").astype(float)
        cvs = g.npy("pre_isi_cv")
        m, sd, se = trial_stats(s_mean)
        trials = s_mean.shape[-1]
        n, T0 = g.n_steps, g.transient_steps()
        print(f"  synapse_gating/: {len(rates)} rates x {len(trains)} trains x 3 receptors, {trials} trials, "
              f"{g.spec['duration_ms'] / 1000:g} s each (statistics after {g.spec['params']['transient_ms']:g} ms)")
        for i, rec in enumerate(g.axis("receptor")):
            tau = g.tau(rec)
            d, keep = coefficients(tau, alpha, g.spec["dt_ms"])
            for j, train in enumerate(trains):
                sim[(rec, train)] = (rates, m[i, j], sd[i, j], se[i, j])
                if train == "periodic":
                    trains_replayed = [periodic_spike_steps(r, g.spec["dt_ms"], n) for r in rates]
                    replay = np.array([replay_mean(st, n, T0, d, keep) for st in trains_replayed])
                    sim[(rec, "periodic_replay")] = replay
                    rel = np.abs(m[i, j] / replay - 1)
                    check(np.max(rel) <= REPLAY_RELATIVE,
                          f"{rec} periodic, {len(rates)} rates: simulation = float64 replay of the same train "
                          f"(largest relative difference {np.max(rel):.1e}, at {rates[np.argmax(rel)]:g} Hz)")
                    n_replay = np.array([len(st) for st in trains_replayed])
                    T_s = g.spec["duration_ms"] * 1e-3
                    check(np.array_equal(counts[i, j, :, 0], n_replay),
                          f"{rec} periodic train: spike counts = the replayed phase accumulator's at every rate "
                          f"({int(np.sum(counts[i, j, :, 0] != n_replay))} differ); r T - count: "
                          f"{int(np.min(rates * T_s - counts[i, j, :, 0]))} .. "
                          f"{int(np.max(rates * T_s - counts[i, j, :, 0]))}")
                    same = np.all(s_mean[i, j] == s_mean[i, j, :, :1])
                    check(same, f"{rec} periodic: all {trials} trials bit-identical (deterministic train)")
                else:
                    disc = poisson_discrete(rates, tau, alpha, g.spec["dt_ms"])
                    z = (m[i, j] - disc) / np.where(se[i, j] > 0, se[i, j], np.inf)
                    check(np.max(np.abs(z)) <= Z_MAX + 0.5,
                          f"{rec} Poisson, {len(rates)} rates: simulated mean vs p q / (1 - d (1 - p q)): "
                          f"largest |z| = {np.max(np.abs(z)):.2f}, mean z^2 = {np.mean(z ** 2):.2f} (expect ~1)")
                    # the train itself: spike counts and ISI CV
                    T_s = g.spec["duration_ms"] * 1e-3
                    expect = rates * T_s * trials
                    zc = (counts[i, j].sum(axis=-1) - expect) / np.sqrt(expect)
                    check(np.max(np.abs(zc)) <= Z_MAX + 0.5,
                          f"{rec} Poisson train: spike counts over {trials} trials vs r T: largest |z| = "
                          f"{np.max(np.abs(zc)):.2f}, mean z^2 = {np.mean(zc ** 2):.2f}")
                    hi = rates >= 20
                    cv = np.nanmean(cvs[i, j][hi], axis=-1)
                    check(np.all(np.abs(cv - 1) < 0.05),
                          f"{rec} Poisson train: ISI CV {cv.min():.3f} .. {cv.max():.3f} at r >= 20 Hz (expect ~1)")
            k99 = int(np.argmin(np.abs(rates - 99)))
            lin = m[i, trains.index("periodic"), -1] / (rates[-1] / rates[0] * m[i, trains.index("periodic"), 0])
            print(f"  {rec}: <s> at {rates[-1]:g} Hz is {lin:.2f} x the linear extrapolation from {rates[0]:g} Hz "
                  f"(periodic; 1 = linear); Poisson/periodic at {rates[k99]:g} Hz = "
                  f"{m[i, trains.index('poisson'), k99] / m[i, trains.index('periodic'), k99]:.3f}")
            approx = rate_approx(rates, tau, alpha)
            check(np.all(approx > m[i, trains.index("periodic")]) and np.all(approx > m[i, trains.index("poisson")]),
                  f"{rec}: the rate approximation lies above every simulated point (at {rates[k99]:g} Hz: "
                  f"{approx[k99]:.4f} vs periodic {m[i, trains.index('periodic'), k99]:.4f}, Poisson "
                  f"{m[i, trains.index('poisson'), k99]:.4f})")
    if gl is not None:
        s_mean = gl.npy("s_mean")[..., 0]  # (receptor, current)
        steps = gl.spike_steps()
        n, T0, dt_l = gl.n_steps, gl.transient_steps(), gl.spec["dt_ms"]
        n_cur = s_mean.shape[1]
        for i, rec in enumerate(gl.axis("receptor")):
            tau = gl.tau(rec)
            d, keep = coefficients(tau, alpha, dt_l)
            r_isi, replay = [], []
            for c in range(n_cur):
                st = steps[i * n_cur + c]
                isi = np.diff(st)
                r_isi.append(1000.0 / (np.mean(isi) * dt_l) if len(isi) else 0.0)
                replay.append(replay_mean(st, n, T0, d, keep))
            r_isi, replay = np.array(r_isi), np.array(replay)
            sim[(rec, "lif")] = (r_isi, s_mean[i], replay)
            rel = np.max(np.abs(s_mean[i] / replay - 1))
            check(rel <= REPLAY_RELATIVE,
                  f"{rec} lif train, {n_cur} currents ({r_isi.min():.1f} .. {r_isi.max():.1f} Hz): simulation = "
                  f"float64 replay of its recorded spikes (largest relative difference {rel:.1e})")
        c45 = int(np.argmin(np.abs(np.array(gl.axis("I_pre_nA")) - 0.45)))
        isi45 = np.diff(steps[c45]) * dt_l
        check(np.all(np.abs(isi45 - 12.25) < 1e-6),
              f"lif train at 0.45 nA: every ISI {isi45[0]:.2f} ms (LIF closed form 12.22 ms, detected at the first "
              f"step after the crossing, as in the LIF gallery)")

    for col, rec in enumerate(RECEPTORS):
        tau = (g or gl or tab).tau(rec)
        ax, axr = axes[0, col], axes[1, col]
        ax.plot(r_line, periodic_exact(r_line, tau, alpha), color=TRAIN_COLORS["periodic"], lw=1.5,
                label="periodic exact (closed form)")
        ax.plot(r_line, poisson_exact(r_line, tau, alpha), color=TRAIN_COLORS["poisson"], lw=1.5,
                label="Poisson exact  r tau q / (1 + r tau q)")
        ax.plot(r_line, poisson_discrete(r_line, tau, alpha, dt), color=TRAIN_COLORS["poisson"], lw=0.9, ls=":",
                label=f"Poisson, discrete time  p q / (1 - d (1 - p q)), dt {dt:g} ms")
        ax.plot(r_line, rate_approx(r_line, tau, alpha), color="k", lw=1.3, ls="--",
                label="rate approximation  alpha r tau / (1 + alpha r tau)")
        if (rec, "periodic") in sim:
            r, m, sd, se = sim[(rec, "periodic")]
            ax.plot(r, m, "o", color=TRAIN_COLORS["periodic"], ms=3.5, mfc="none", label="simulated, periodic train")
            axr.plot(r, 100 * (m / periodic_exact(r, tau, alpha) - 1), "o", color=TRAIN_COLORS["periodic"], ms=3.5,
                     mfc="none", label="periodic (vs periodic exact)")
            axr.plot(r, 100 * (sim[(rec, "periodic_replay")] / periodic_exact(r, tau, alpha) - 1), "-",
                     color=TRAIN_COLORS["periodic"], lw=1, label="periodic: exact discrete-time replay")
        if (rec, "poisson") in sim:
            r, m, sd, se = sim[(rec, "poisson")]
            ax.errorbar(r, m, yerr=sd, fmt="s", color=TRAIN_COLORS["poisson"], ms=3, mfc="none", elinewidth=0.8,
                        capsize=0, label="simulated, Poisson train (+- SD over trials)")
            ref = poisson_exact(r, tau, alpha)
            axr.errorbar(r, 100 * (m / ref - 1), yerr=100 * se / ref, fmt="s", color=TRAIN_COLORS["poisson"], ms=3,
                         mfc="none", elinewidth=0.7, capsize=0, alpha=0.7, label="Poisson (vs Poisson exact; +- SE)")
            axr.plot(r_line, 100 * (poisson_discrete(r_line, tau, alpha, dt) / poisson_exact(r_line, tau, alpha) - 1),
                     ":", color=TRAIN_COLORS["poisson"], lw=1.2, label="Poisson: p q / (1 - d (1 - p q))")
        if (rec, "lif") in sim:
            r, m, replay = sim[(rec, "lif")]
            ax.plot(r, m, "D", color=TRAIN_COLORS["lif"], ms=5, mfc="none",
                    label="simulated, LIF presynaptic neuron (0.37-0.49 nA)")
            axr.plot(r, 100 * (m / periodic_exact(r, tau, alpha) - 1), "D", color=TRAIN_COLORS["lif"], ms=5,
                     mfc="none", label="LIF train (vs periodic exact at 1/ISI)")
        first = True
        for (trec, col_name), row in MODELS_TABLE.items():
            if trec != rec:
                continue
            ax.plot(list(row.keys()), list(row.values()), "x", color="k", ms=7, mew=1.2,
                    label="docs/models/synapse.md table" if first else None, zorder=5)
            first = False
        ax.set(xlim=(0, 101), ylim=(0, None), xlabel="presynaptic rate r (Hz)", ylabel="mean gating <s>",
               title=f"{rec} (tau_s = {tau:g} ms)")
        ax.legend(loc="upper left" if rec == "AMPA" else "lower right", fontsize=7.5)
        bias = 100 * ((dt / tau) / -math.expm1(-dt / tau) - 1)
        axr.axhline(0, color="k", lw=0.8)
        axr.axhline(bias, color="0.5", lw=0.8, ls="--",
                    label="(dt/tau) / (1 - exp(-dt/tau)) - 1 (value in each title): s sampled right after each jump")
        axr.set(xlim=(0, 101), xlabel="presynaptic rate r (Hz)", ylabel="simulated / continuous closed form - 1 (%)",
                title=f"{rec}: offset from the continuous-time closed forms (grey: {bias:.2f} %)")
        # y range: the bias line, zero, and most Poisson points from 10 Hz on (low rates have few spikes per run)
        spread = 0.3
        if (rec, "poisson") in sim:
            r, m, sd, se = sim[(rec, "poisson")]
            res = 100 * (m / poisson_exact(r, tau, alpha) - 1)
            spread = max(spread, float(np.percentile(np.abs(res[r >= 10] - bias), 95)) * 1.3)
        axr.set_ylim(min(-0.1 * spread, bias - spread), bias + spread * 1.3)
    fig.suptitle("Mean gating of the kinetic synapse against presynaptic rate (docs/models/synapse.md, alpha = "
                 f"{alpha:g}): slow synapses saturate, fast ones stay linear; the rate approximation overestimates",
                 fontsize=12)
    handles, labels = axes[1, 0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0.1, 1, 0.965))
    fig.legend(handles, labels,
               loc="lower center", bbox_to_anchor=(0.5, 0.045), ncol=3, fontsize=8, frameon=False,
               title="lower row (relative offset from the continuous-time closed forms, in %):", title_fontsize=8)
    footnote(fig, [g, gl, tab])
    save(fig, figdir, "synapse_gating.png")


# ---- Traces ------------------------------------------------------------------------------------------------------

def fig_traces(results, figdir):
    runs = {rec: load(results, f"synapse_traces_{rec}") for rec in RECEPTORS}
    runs = {rec: s for rec, s in runs.items() if s is not None}
    if not runs:
        return print("plot.py: skipping synapse_traces.png (no synapse_traces_AMPA/, _GABA_A/, _NMDA/)")
    print("synapse_traces.png")
    any_run = next(iter(runs.values()))
    trains = any_run.axis("train")
    dt = any_run.spec["dt_ms"]
    alpha = any_run.spec["params"].get("alpha", 1.0)
    rate = any_run.spec["params"]["rate_Hz"]
    I_pre = any_run.spec["params"]["I_pre_nA"]

    # one spike train per column, shared by the three receptor runs (same seed, same instance numbers)
    spikes = {rec: s.spike_steps() for rec, s in runs.items()}
    for c, train in enumerate(trains):
        ref = spikes[next(iter(runs))][c]
        same = all(np.array_equal(sp[c], ref) for sp in spikes.values())
        check(same, f"{train} train: the {len(runs)} receptor runs see the same {len(ref)} presynaptic spikes")

    fig = plt.figure(figsize=(18, 10.5))
    gs = fig.add_gridspec(4, len(trains), height_ratios=[0.8, 1, 1, 1], hspace=0.12, wspace=0.12)
    worst_decay, worst_jump = 0.0, 0.0
    for c, train in enumerate(trains):
        s0 = runs[next(iter(runs))]
        steps = spikes[next(iter(runs))][c]
        t_spk = steps * dt
        isi = np.diff(t_spk)
        ax0 = fig.add_subplot(gs[0, c])
        if train == "lif":
            t = s0.npy("trace_t_ms")
            V = s0.npy("trace_V_pre_mV")[list(s0.npy("trace_instances")).index(c)]
            ax0.plot(t, V, color=TRAIN_COLORS["lif"], lw=0.7)
            ax0.set_ylabel("V_pre (mV)")
            r_eff = 1000.0 / np.mean(isi)
            ax0.set_title(f"lif train: LIF neuron at I_pre = {I_pre:g} nA, no noise\n{len(steps)} spikes in "
                          f"{s0.spec['duration_ms']:g} ms, ISI {np.mean(isi):.2f} ms ({r_eff:.1f} Hz; first "
                          f"{LIF_WINDOW_MS:g} ms shown)", fontsize=10)
        else:
            ax0.eventplot([t_spk], colors=[TRAIN_COLORS[train]], lineoffsets=0.5, linelengths=0.8, linewidths=1.0)
            ax0.set_ylim(0, 1)
            ax0.set_yticks([])
            cv = np.std(isi, ddof=1) / np.mean(isi) if len(isi) > 2 else float("nan")
            r_eff = rate
            ax0.set_title(f"{train} train at {rate:g} Hz\n{len(steps)} spikes in {s0.spec['duration_ms']:g} ms, "
                          f"ISI CV {cv:.2f}", fontsize=10)
            if c == 0:
                ax0.set_ylabel("spikes")
        ax0.tick_params(labelbottom=False)
        ax0.set_xlim(0, LIF_WINDOW_MS if train == "lif" else s0.spec["duration_ms"])
        for row, rec in enumerate(RECEPTORS):
            ax = fig.add_subplot(gs[row + 1, c], sharex=ax0)
            ax.set_ylim(-0.03, 1.17)  # the band above 1 holds the label
            ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
            if rec not in runs:
                continue
            s = runs[rec]
            tau = float(s.spec["params"]["tau_s_ms"])
            t, S = s.npy("trace_t_ms"), s.npy("trace_s")[list(s.npy("trace_instances")).index(c)].astype(float)
            ax.plot(t, S, color=RECEPTOR_COLORS[rec], lw=0.8)
            closed = periodic_exact(r_eff, tau, alpha) if train != "poisson" else poisson_exact(r_eff, tau, alpha)
            form = "Poisson exact" if train == "poisson" else "periodic exact"
            ax.axhline(float(closed), color="k", ls="--", lw=0.9)
            ax.text(0.995, 0.985, f"{rec} (tau_s = {tau:g} ms): <s> {form} at {r_eff:.3g} Hz = "
                    f"{float(closed):.3f} (dashed)", transform=ax.transAxes, ha="right", va="top", fontsize=8)
            if c == 0:
                ax.set_ylabel("gating s")
            if row < 2:
                ax.tick_params(labelbottom=False)
            else:
                ax.set_xlabel("time t (ms)")
            if c > 0:
                ax.tick_params(labelleft=False)
            # the exact update, step by step (traces recorded every step)
            if int(s.spec["record"]["traces"]["every"]) == 1:
                d, keep = coefficients(tau, alpha, dt)
                spike = np.zeros(len(S), dtype=bool)
                spike[steps[steps < len(S)]] = True
                pred = S[:-1] * d
                pred = np.where(spike[1:], 1.0 - (1.0 - pred) * keep, pred)
                err = np.abs(S[1:] - pred)
                worst_decay = max(worst_decay, float(np.max(err[~spike[1:]], initial=0)))
                worst_jump = max(worst_jump, float(np.max(err[spike[1:]], initial=0)))
    check(worst_decay < 1e-6 and worst_jump < 1e-6,
          f"traces follow the exact update at every step: s -> s exp(-dt/tau) (largest error {worst_decay:.1e}), "
          f"at spikes s -> 1 - (1 - s) exp(-alpha) after the decay (largest error {worst_jump:.1e})")
    fig.suptitle(f"Gating s(t) of AMPA, GABA_A and NMDA synapses driven by the same presynaptic trains "
                 f"(alpha = {alpha:g}, s(0) = 0, dt = {dt:g} ms)", fontsize=12)
    fig.subplots_adjust(left=0.045, right=0.99, top=0.895, bottom=0.1)
    footnote(fig, list(runs.values()))
    save(fig, figdir, "synapse_traces.png")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", required=True, help="directory holding one NeuroBatch output per study")
    ap.add_argument("--figures", help="where to write the PNGs (default: RESULTS/figures/synapse; "
                    "experiments/synapse/figures/ holds the committed gallery: write there only to update it)")
    ap.add_argument("--only", nargs="*", help="figure names to draw (gating traces); default all")
    a = ap.parse_args(argv)
    if a.figures is None:
        a.figures = os.path.join(a.results, "figures", "synapse")
    if not os.path.isdir(a.results):
        ap.error(f"--results: '{a.results}' is not a directory")
    os.makedirs(a.figures, exist_ok=True)
    plt.rcParams.update({"axes.grid": True, "grid.alpha": 0.3, "font.size": 9})
    figures = {"gating": fig_gating, "traces": fig_traces}
    for name, fn in figures.items():
        if a.only and name not in a.only:
            continue
        fn(a.results, a.figures)
    print(f"plot.py: {CHECKS['ok'] + CHECKS['MISMATCH']} checks against docs/models/synapse.md, {CHECKS['MISMATCH']} mismatch(es)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
