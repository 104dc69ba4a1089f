#!/usr/bin/env python3
"""Figures of the Wong & Wang (2006) reduced decision model (docs/models/decision.md) from NeuroBatch results.

usage: plot.py --results DIR [--figures FIGDIR] [--bootstrap N]

DIR holds, as experiments/decision/run.sh names them (one neurobatch output directory each):
    decision_protocols_clean/   the four protocols without noise, one trial each (traces)
    decision_spontaneous/  decision_working_memory/  decision_two_inputs/  decision_reset/
                                the four protocols with noise, 1e5 trials each (binned rates, 400 traced trials)
    decision_psychometric/      8 coherences x 1e5 trials (choice, decision time, binned rates)
    decision_phi/               phi in {1, 2, 5, 10} x {no stimulus, c = 0, 0.064, 0.256} x 1e5 trials
    decision_duration/          stimulus duration 50 .. 1000 ms at c = 0.064 x 1e5 trials
->  decision_protocols.png, decision_psychometric.png, decision_phi_duration.png (see README.md).

Confidence bands on mean rate traces: the binned output holds, per sweep point and choice, the mean over all
trials (1e5) of each trial's mean rate in each 20 ms bin, but not its variance. The protocol specs also trace the
first 400 trials every 2 ms; their per-trial bin means (10 of the bin's 40 samples) give the SD across trials per
bin and choice, and the band on the 1e5-trial mean is +-2 SD / sqrt(n) with n the trials of that choice
(binned_count). Subsampling the bin makes the SD, and so the band, slightly conservative.

Proportions carry Wilson 95% intervals, means 95% normal intervals (1.96 SEM). The Weibull psychometric
function P(c) = 1 - 0.5 exp(-(c/alpha)^beta) is fitted by maximum likelihood to the binomial counts; the
uncertainty of alpha and beta comes from the inverse Hessian of the negative log-likelihood and from a
bootstrap over the binomial counts (--bootstrap resamples, default 400).

The script prints the numbers it compares with docs/models/decision.md and the issue, tagged [ok] or [MISMATCH], the run
times of the studies, and a count at the end. Needs numpy, scipy and matplotlib; renders with the Agg backend.
"""
import argparse
import os
import sys

import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from scipy import optimize, stats  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
import nbplot  # noqa: E402
from nbplot import CHECKS, Study, check, footnote  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
Z95 = 1.959963984540054
# Issue / docs/models/decision.md / the notebook
SPONT_HZ = 1.8                 # spontaneous rate (deterministic fixed point)
WM_CROSS_MS, WM_CROSS_TOL = 1300.0, 100.0   # noiseless r1 crosses 15 Hz near 1.3 s
WM_HIGH_HZ, WM_HIGH_TOL = 20.0, 1.0          # and settles near 20 Hz
WM_LOW_MAX_HZ = 1.0                          # while r2 < 1 Hz
NOTEBOOK_P0 = (0.474, 500)                   # the notebook's P(choice 1) at c = 0 with 500 trials
C1, C2, CK = "#1f77b4", "#d62728", "0.2"


# ---- Statistics ---------------------------------------------------------------------------------------------------

def wilson(k, n, z=Z95):
    """Wilson score interval (lo, hi) of a binomial proportion k / n (arrays allowed)."""
    k, n = np.asarray(k, float), np.asarray(n, float)
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return mid - half, mid + half


def bars(p, lo, hi):
    """Asymmetric error-bar lengths of p within [lo, hi] (rounding can put p a hair outside)."""
    p, lo, hi = (np.atleast_1d(np.asarray(v, float)) for v in (p, lo, hi))
    return [np.maximum(p - lo, 0), np.maximum(hi - p, 0)]


def mean_ci(x):
    """mean, 1.96 SEM and SD of the finite values of x."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return np.nan, np.nan, np.nan
    sd = x.std(ddof=1)
    return x.mean(), Z95 * sd / np.sqrt(x.size), sd


def weibull(c, alpha, beta):
    return 1.0 - 0.5 * np.exp(-(np.asarray(c, float) / alpha) ** beta)


def weibull_nll(theta, c, k, n):
    """Negative binomial log-likelihood of the Weibull at theta = (log alpha, log beta); log(1 - P) and log P
    are written out so that P near 1 (k = n at c = 1) stays exact."""
    alpha, beta = np.exp(theta)
    u = (c / alpha) ** beta
    log_q = np.log(0.5) - u                   # log(1 - P)
    log_p = np.log1p(-0.5 * np.exp(-u))       # log P
    return -np.sum(k * log_p + (n - k) * log_q)


def fit_weibull(c, k, n, start=(0.06, 1.2)):
    res = optimize.minimize(weibull_nll, np.log(start), args=(c, k, n), method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 4000})
    return np.exp(res.x), res


def hessian_se(c, k, n, alpha, beta):
    """SEs of (alpha, beta) from the inverse of the numerical Hessian of the NLL in (alpha, beta)."""
    f = lambda a, b: weibull_nll(np.log([a, b]), c, k, n)  # noqa: E731
    h = np.array([alpha, beta]) * 1e-4
    x0 = np.array([alpha, beta])
    H = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h[i], np.eye(2)[j] * h[j]
            H[i, j] = (f(*(x0 + ei + ej)) - f(*(x0 + ei - ej)) - f(*(x0 - ei + ej)) + f(*(x0 - ei - ej))) / (
                4 * h[i] * h[j])
    cov = np.linalg.inv(H)
    return np.sqrt(np.diag(cov)), cov


def deviance(c, k, n, alpha, beta):
    """Likelihood-ratio statistic of the Weibull against the saturated model."""
    P = np.clip(weibull(c, alpha, beta), 1e-300, 1 - 1e-16)
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.where(k > 0, k * np.log(k / (n * P)), 0.0)
        t2 = np.where(n - k > 0, (n - k) * np.log((n - k) / (n * (1 - P))), 0.0)
    return 2 * np.sum(t1 + t2)


# ---- Model (double precision, for the checks) -----------------------------------------------------------------

def F(x, p):
    """r = (a x - b) / (1 - exp(-d (a x - b))) in Hz, stable at a x = b."""
    y = p["a_Hz_per_nA"] * np.asarray(x, float) - p["b_Hz"]
    dy = p["d_s"] * y
    small = np.abs(dy) < 1e-9
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return np.where(small, 1 / p["d_s"] + y / 2, y / -np.expm1(-np.where(small, 1.0, dy)))


def spontaneous_mean_field(p, dt_ms):
    """Symmetric low fixed point without noise, and with the noise current averaged over its stationary Gaussian
    (variance sigma^2 / (2 - dt/tau_AMPA) for the Euler-Maruyama update): F is convex, so noise raises the mean
    rate (Jensen). S itself is taken as constant (it filters the 2 ms noise over 100 ms). Returns
    (r without noise, r with noise) in Hz."""
    J = p["J11_nA"] - p["J12_nA"]
    kin = p["gamma"] * p["tau_S_ms"] * 1e-3
    z, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    sd = p["sigma_nA"] / np.sqrt(2 - dt_ms / p["tau_AMPA_ms"])

    def rate(S, noisy):
        x = J * S + p["I_0_nA"]
        return float(np.sum(w * F(x + sd * z, p))) if noisy else float(F(x, p))

    out = []
    for noisy in (False, True):
        S = optimize.brentq(lambda S: kin * rate(S, noisy) * (1 - S) - S, 1e-4, 0.25)
        out.append(rate(S, noisy))
    return tuple(out)


# ---- Results ----------------------------------------------------------------------------------------------------

class Decision(Study):
    def flat(self, name):
        """An observable as (points, trials)."""
        a = self.npy(name)
        return a.reshape(-1, a.shape[-1])

    @property
    def npoints(self):
        return self.spec["instances"] // self.spec["trials"]

    def binned(self):
        """Bin centres (ms) and the choice-split mean rates r1, r2 (points, 4, bins) and counts (points, 4)."""
        t = self.npy("binned_t_ms") + self.spec["record"]["binned"]["bin_ms"] / 2
        r1 = self.npy("binned_r1_Hz")
        r2 = self.npy("binned_r2_Hz")
        n = self.npy("binned_count").astype(float)
        return t, r1.reshape(-1, 4, r1.shape[-1]), r2.reshape(-1, 4, r2.shape[-1]), n.reshape(-1, 4)

    def traces(self):
        """Trace times (ms), r1, r2 (rows, samples) and the rows' instance ids."""
        return (self.npy("trace_t_ms"), self.npy("trace_r1_Hz").astype(float), self.npy("trace_r2_Hz").astype(float),
                self.npy("trace_instances").astype(np.int64))

    def traced_bin_means(self):
        """Per traced trial, each bin's mean rate from the decimated samples inside it: (rows, bins) for r1 and r2,
        and the rows' choices."""
        _, R1, R2, ids = self.traces()
        every = self.spec["record"]["traces"]["every"]
        bin_steps = int(round(self.spec["record"]["binned"]["bin_ms"] / self.spec["dt_ms"]))
        n_bins = int(np.ceil(self.spec["n_steps"] / bin_steps))
        steps = np.arange(R1.shape[1]) * every
        keep = steps < self.spec["n_steps"]
        b = steps[keep] // bin_steps
        counts = np.bincount(b, minlength=n_bins)
        out = []
        for R in (R1, R2):
            s = np.zeros((R.shape[0], n_bins))
            for row in range(R.shape[0]):
                s[row] = np.bincount(b, weights=R[row, keep], minlength=n_bins)
            out.append(s / counts)
        choice = self.flat("choice").ravel()[ids]
        return out[0], out[1], choice

    def p(self, point=0):
        return self.params_at(point)


def load(results, name):
    s = nbplot.load(results, name, Decision)
    if s is None:
        print(f"plot.py: {os.path.join(results, name)} missing (its panels stay empty)")
    return s


# ---- Drawing helpers ---------------------------------------------------------------------------------------------

def band_of_mean(study, group_sel, var):
    """Mean rate over the trials whose choice is in group_sel (count-weighted over the groups), its 2-SEM
    half-width per bin (SD from the traced trials of those groups) and n."""
    t, r1, r2, n = study.binned()
    r = (r1 if var == 1 else r2)[0]
    g = list(group_sel)
    ng = n[0, g]
    use = [gi for gi, k in zip(g, ng) if k > 0]
    nt = n[0, use].sum()
    mean = np.sum([n[0, gi] * r[gi] for gi in use], axis=0) / nt
    b1, b2, ch = study.traced_bin_means()
    rows = np.isin(ch, g)
    B = (b1 if var == 1 else b2)[rows]
    half = 2 * B.std(axis=0, ddof=1) / np.sqrt(nt) if rows.sum() >= 20 else np.full_like(mean, np.nan)
    return t, mean, half, int(nt), B


def draw_mean(ax, study, groups, var, color, label, ls="-", lw=1.8):
    t, m, half, n, B = band_of_mean(study, groups, var)
    ax.plot(t / 1000, m, color=color, ls=ls, lw=lw, label=f"{label} (n = {n}; 2 SEM <= {np.nanmax(half):.2g} Hz)")
    ax.fill_between(t / 1000, m - half, m + half, color=color, alpha=0.45, lw=0)
    sd = B.std(axis=0, ddof=1)
    ax.fill_between(t / 1000, m - sd, m + sd, color=color, alpha=0.08, lw=0)
    return t, m, half


def draw_singles(ax, study, rows, color1=C1, color2=C2, every_ms=10.0):
    """Single traced trials, drawn every every_ms (the traces hold a sample every 2 ms)."""
    t, R1, R2, _ = study.traces()
    k = max(1, int(round(every_ms / (t[1] - t[0]))))
    for row in rows:
        ax.plot(t[::k] / 1000, R1[row, ::k], color=color1, lw=0.4, alpha=0.5)
        ax.plot(t[::k] / 1000, R2[row, ::k], color=color2, lw=0.4, alpha=0.5)


def shade(ax, onset_ms, duration_ms, color, text, y=0.03):
    if duration_ms <= 0:
        return
    ax.axvspan(onset_ms / 1000, (onset_ms + duration_ms) / 1000, color=color, alpha=0.12, lw=0)
    ax.text((onset_ms + duration_ms / 2) / 1000, y, text, transform=ax.get_xaxis_transform(), ha="center", va="bottom",
            fontsize=7, color=color, bbox=dict(fc="w", ec="none", alpha=0.7, pad=1))


def clean_trace(clean, point):
    """(t_s, r1, r2) of the noiseless protocol `point` (0 spontaneous, 1 working memory, 2 two inputs, 3 reset)."""
    if clean is None:
        return None
    t, R1, R2, ids = clean.traces()
    row = int(np.where(ids == point)[0][0])
    return t / 1000, R1[row], R2[row]


def log_c_axis(ax, c):
    """Log coherence axis (%) with c = 0 drawn at the left edge; returns the x positions of c."""
    c = np.asarray(c, float)
    cmin = c[c > 0].min()
    x0 = cmin / 4
    x = np.where(c > 0, c, x0) * 100
    ax.set_xscale("log")
    ticks = [x0 * 100] + list(c[c > 0] * 100)
    ax.set_xticks(ticks)
    ax.set_xticklabels(["0"] + [f"{v:g}" for v in c[c > 0] * 100], fontsize=7)
    ax.minorticks_off()
    ax.set_xlim(x0 * 100 / 1.5, 150)
    xb = np.sqrt(x0 * cmin) * 100  # axis break between c = 0 and the first coherence
    for dx in (-0.05, 0.05):  # a "//" break mark on the x axis
        ax.plot([xb * 10 ** (dx - 0.03), xb * 10 ** (dx + 0.03)], [-0.015, 0.015], transform=ax.get_xaxis_transform(),
                color="k", lw=1.2, clip_on=False)
    return x


# ---- Figure 1: protocols -----------------------------------------------------------------------------------------

def figure_protocols(a, clean, spont, wm, two, reset):
    print("decision_protocols.png")
    fig, axes = plt.subplots(2, 3, figsize=(17, 10))
    (ax_sp, ax_wm, ax_two), (ax_rs, ax_end, ax_dt) = axes
    thr = 15.0

    # Noiseless protocols: the reference numbers
    r_spont_clean = wm_cross_clean = np.nan
    if clean is not None:
        fin1, fin2 = clean.flat("r1_final_Hz")[:, 0], clean.flat("r2_final_Hz")[:, 0]
        dt_clean = clean.flat("decision_time_ms")[:, 0]
        ch_clean = clean.flat("choice")[:, 0]
        r_spont_clean = fin1[0]
        check(abs(fin1[0] - SPONT_HZ) <= 0.1 and fin1[0] == fin2[0],
              f"spontaneous state without noise: r1 = r2 = {fin1[0]:.3f} Hz after {clean.spec['duration_ms'] / 1000:g} s "
              f"(issue: ~{SPONT_HZ} Hz; tolerance 0.1 Hz)")
        onset = clean.p(1)["stim_onset_ms"]
        cross = wm_cross_clean = dt_clean[1] + onset
        check(ch_clean[1] == 1 and abs(cross - WM_CROSS_MS) <= WM_CROSS_TOL,
              f"working memory without noise: r1 crosses {thr:g} Hz at {cross / 1000:.3f} s, 0.76 s after the 35 Hz input "
              f"ended (issue: near {WM_CROSS_MS / 1000:g} s, tolerance {WM_CROSS_TOL:g} ms)")
        t, R1, R2 = clean_trace(clean, 1)
        at3 = np.searchsorted(t, 3.0)
        check(abs(R1[at3] - WM_HIGH_HZ) <= WM_HIGH_TOL and R2[at3] < WM_LOW_MAX_HZ,
              f"working memory without noise at 3 s: r1 = {R1[at3]:.2f} Hz (issue: near {WM_HIGH_HZ:g}), "
              f"r2 = {R2[at3]:.3f} Hz (< {WM_LOW_MAX_HZ:g}); at 4.5 s r1 = {fin1[1]:.3f} Hz")
        check(ch_clean[2] == 0 and fin1[2] == fin2[2],
              f"two equal inputs without noise: r1 = r2 at every step (peak {clean.traces()[1][2].max():.2f} Hz), no "
              f"choice: the symmetric state is left only through noise")
        check(ch_clean[3] == 1 and abs(fin1[3] - r_spont_clean) < 0.05 and abs(fin2[3] - r_spont_clean) < 0.05,
              f"reset without noise: -45 Hz into population 1 for 0.3 s at 2.2 s brings r1 from "
              f"{R1[np.searchsorted(t, 2.19)]:.2f} Hz back to {fin1[3]:.3f} Hz (r2 {fin2[3]:.3f}) at 4.5 s, the "
              f"spontaneous {r_spont_clean:.3f} Hz within 0.05 Hz")

    # (a) spontaneous
    if spont is not None:
        draw_singles(ax_sp, spont, [0, 1])
        t, m1, h1 = draw_mean(ax_sp, spont, (0, 1, 2, 3), 1, C1, "mean r1")
        _, m2, h2 = draw_mean(ax_sp, spont, (0, 1, 2, 3), 2, C2, "mean r2", ls="--")
        late = t > 500
        mean_late = 0.5 * (m1[late].mean() + m2[late].mean())
        r_det, r_mf = spontaneous_mean_field(spont.p(), spont.spec["dt_ms"])
        print(f"  spontaneous with noise: mean rates {m1[late].mean():.3f} / {m2[late].mean():.3f} Hz over "
              f"0.5 .. {spont.spec['duration_ms'] / 1000:g} s, median final rate "
              f"{np.median(spont.flat('r1_final_Hz')):.3f} Hz; deterministic fixed point {r_det:.3f} Hz")
        check(abs(mean_late - r_mf) <= 0.1,
              f"spontaneous with noise: mean rate {mean_late:.3f} Hz is above the noiseless {r_det:.3f} Hz by "
              f"{mean_late - r_det:.2f} Hz, as the noise-averaged (convex F) mean field predicts: {r_mf:.3f} Hz "
              f"(tolerance 0.1 Hz)")
        first, last = (t > 500) & (t < 1500), t > spont.spec["duration_ms"] - 1000
        drift = abs(0.5 * (m1[last].mean() + m2[last].mean()) - 0.5 * (m1[first].mean() + m2[first].mean()))
        ch = spont.flat("choice").ravel()
        check(drift < 0.05 and (ch > 0).mean() < 1e-3,
              f"spontaneous with noise: stationary (mean rate drifts {drift:.3f} Hz between the 2nd and the last "
              f"second), {int((ch > 0).sum())} of {ch.size} trials reach {thr:g} Hz in {spont.spec['duration_ms'] / 1000:g} s")
        tr = clean_trace(clean, 0)
        if tr:
            ax_sp.plot(tr[0], tr[1], color=CK, ls=":", lw=1.5, label=f"no noise ({r_spont_clean:.3f} Hz)")
        ax_sp.axhline(r_mf, color="0.5", lw=0.8, ls="-.", label=f"mean field with noise ({r_mf:.2f} Hz)")
        ax_sp.set_xlim(0, spont.spec["duration_ms"] / 1000)
        ax_sp.set_title(f"(a) spontaneous state, noise on: mean rate {mean_late:.3f} Hz (no noise {r_det:.3f} Hz)",
                        fontsize=9)
    ax_sp.set(xlabel="time (s)", ylabel="rate (Hz)", ylim=(0, 8))
    ax_sp.legend(fontsize=6.5, loc="upper right")

    # (b) working memory
    wm_fraction = None
    if wm is not None:
        p = wm.p()
        shade(ax_wm, p["pulse1_onset_ms"], p["pulse1_duration_ms"], "g", f"+{p['pulse1_mu1_Hz']:g} Hz to 1")
        draw_singles(ax_wm, wm, [0, 1])
        draw_mean(ax_wm, wm, (0, 1, 2, 3), 1, C1, "mean r1")
        draw_mean(ax_wm, wm, (0, 1, 2, 3), 2, C2, "mean r2")
        tr = clean_trace(clean, 1)
        if tr:
            end = tr[0] <= wm.spec["duration_ms"] / 1000
            ax_wm.plot(tr[0][end], tr[1][end], color=CK, ls=":", lw=1.5, label="no noise r1, r2")
            ax_wm.plot(tr[0][end], tr[2][end], color=CK, ls=":", lw=1.5)
        r1f, s1f = wm.flat("r1_final_Hz").ravel(), wm.flat("S1_final").ravel()
        ch = wm.flat("choice").ravel()
        s_mid = state_midpoint(clean)
        wm_fraction = (r1f > thr).mean()
        lo, hi = wilson((r1f > thr).sum(), r1f.size)
        print(f"  working memory with noise: r1 > {thr:g} Hz at {wm.spec['duration_ms'] / 1000:g} s in "
              f"{100 * wm_fraction:.2f}% of {r1f.size} trials (95% CI {100 * lo:.2f} .. {100 * hi:.2f}); S1 > "
              f"{s_mid:.3f} (the high state, less sensitive to the instantaneous noise of r) in "
              f"{100 * (s1f > s_mid).mean():.2f}%; r1 reached {thr:g} Hz at some time in {100 * (ch == 1).mean():.2f}%; "
              f"mean r1 at the end {r1f.mean():.2f} Hz, r2 {wm.flat('r2_final_Hz').mean():.3f} Hz")
        cross = wm.flat("decision_time_ms").ravel() + p["stim_onset_ms"]
        q = np.nanpercentile(cross, [10, 50, 90])
        t_b, m1, _, _, _ = band_of_mean(wm, (0, 1, 2, 3), 1)
        t_mean = t_b[np.argmax(m1 >= thr)]
        print(f"  working memory with noise: the mean r1 (20 ms bins) reaches {thr:g} Hz in the bin centred at "
              f"{t_mean / 1000:.2f} s (without noise {wm_cross_clean / 1000:.3f} s: noise speeds up the slow passage after "
              f"the input); single trials first touch {thr:g} Hz at {q[1] / 1000:.3f} s (median; 10-90% "
              f"{q[0] / 1000:.3f} .. {q[2] / 1000:.3f} s), mostly noise peaks during the input")
        check(wm_fraction > 0.5 and (wm.flat("r2_final_Hz") < thr).all(),
              f"working memory with noise: most trials hold the memory ({100 * wm_fraction:.1f}% above {thr:g} Hz at "
              f"the end), r2 never above")
        ax_wm.set_title(f"(b) working memory: 35 Hz to population 1 for 0.3 s; with noise "
                        f"{100 * wm_fraction:.1f}% above {thr:g} Hz at {wm.spec['duration_ms'] / 1000:g} s", fontsize=9)
        ax_wm.set_xlim(0, wm.spec["duration_ms"] / 1000)
    ax_wm.axhline(thr, color="k", lw=0.7, ls="--")
    ax_wm.set(xlabel="time (s)", ylabel="rate (Hz)", ylim=(0, 32))
    ax_wm.legend(fontsize=6.5, loc="upper left")

    # (c) two equal inputs: choice-split means
    if two is not None:
        p = two.p()
        shade(ax_two, p["stim_onset_ms"], p["stim_duration_ms"], "g",
              f"{p['mu_0_Hz']:g} Hz to both (c = {p['coherence']:g})")
        draw_singles(ax_two, two, [0, 1])
        draw_mean(ax_two, two, (1,), 1, C1, "choice 1: r1 (winner)", lw=3.2)
        draw_mean(ax_two, two, (1,), 2, C1, "choice 1: r2 (loser)", ls="--", lw=3.2)
        draw_mean(ax_two, two, (2,), 2, C2, "choice 2: r2 (winner)", lw=1.2)
        draw_mean(ax_two, two, (2,), 1, C2, "choice 2: r1 (loser)", ls="--", lw=1.2)
        tr = clean_trace(clean, 2)
        if tr:
            end = tr[0] <= two.spec["duration_ms"] / 1000
            ax_two.plot(tr[0][end], tr[1][end], color=CK, ls=":", lw=1.5, label="no noise: r1 = r2, no choice")
        ch = two.flat("choice").ravel()
        n1, nd = (ch == 1).sum(), (ch > 0).sum()
        ax_two.set_title(f"(c) equal inputs: one wins; P(choice 1) = {n1 / nd:.4f} over {nd} trials", fontsize=9)
        ax_two.set_xlim(0, two.spec["duration_ms"] / 1000)
    ax_two.axhline(thr, color="k", lw=0.7, ls="--")
    ax_two.set(xlabel="time (s)", ylabel="rate (Hz)", ylim=(0, 45))
    ax_two.legend(fontsize=6.5, loc="upper right")

    # (d) reset
    reset_fraction = None
    if reset is not None:
        p = reset.p()
        shade(ax_rs, p["pulse1_onset_ms"], p["pulse1_duration_ms"], "g", f"+{p['pulse1_mu1_Hz']:g} Hz")
        shade(ax_rs, p["pulse2_onset_ms"], p["pulse2_duration_ms"], "m", f"{p['pulse2_mu1_Hz']:g} Hz to 1")
        draw_singles(ax_rs, reset, [0, 1])
        draw_mean(ax_rs, reset, (0, 1, 2, 3), 1, C1, "mean r1")
        draw_mean(ax_rs, reset, (0, 1, 2, 3), 2, C2, "mean r2")
        tr = clean_trace(clean, 3)
        if tr:
            ax_rs.plot(tr[0], tr[1], color=CK, ls=":", lw=1.5, label="no noise r1, r2")
            ax_rs.plot(tr[0], tr[2], color=CK, ls=":", lw=1.5)
        r1f, r2f = reset.flat("r1_final_Hz").ravel(), reset.flat("r2_final_Hz").ravel()
        s1f, s2f = reset.flat("S1_final").ravel(), reset.flat("S2_final").ravel()
        s1_before = reset.flat("S1_probe1").ravel()
        s_mid = state_midpoint(clean)
        was_up = s1_before > s_mid
        is_reset = (r1f < thr) & (r2f < thr)
        reset_fraction = is_reset.mean()
        lo, hi = wilson(is_reset.sum(), is_reset.size)
        t_b, m1, _, _, _ = band_of_mean(reset, (0, 1, 2, 3), 1)
        _, m2, _, _, _ = band_of_mean(reset, (0, 1, 2, 3), 2)
        print(f"  reset with noise: both rates below {thr:g} Hz at {reset.spec['duration_ms'] / 1000:g} s in "
              f"{100 * reset_fraction:.2f}% of {is_reset.size} trials (95% CI {100 * lo:.2f} .. {100 * hi:.2f}); among "
              f"the {100 * was_up.mean():.2f}% in the memory state before the reset (S1 > {s_mid:.3f} at "
              f"{p['probe1_ms'] / 1000:g} s): {100 * is_reset[was_up].mean():.2f}%; both S < {s_mid:.3f}: "
              f"{100 * ((s1f < s_mid) & (s2f < s_mid)).mean():.2f}%; mean rates in the last 0.5 s "
              f"{m1[t_b > reset.spec['duration_ms'] - 500].mean():.3f} / {m2[t_b > reset.spec['duration_ms'] - 500].mean():.3f} Hz")
        check(reset_fraction > 0.9 and abs(np.median(r1f) - np.median(spont.flat("r1_final_Hz")) if spont else 0) < 0.5,
              f"reset with noise: {100 * reset_fraction:.1f}% of the trials back below {thr:g} Hz; median final r1 "
              f"{np.median(r1f):.2f} Hz, near the spontaneous one")
        ax_rs.set_title(f"(d) reset: -45 Hz to population 1 at 2.2 s; with noise {100 * reset_fraction:.1f}% "
                        f"back to the spontaneous state", fontsize=9)
        ax_rs.set_xlim(0, reset.spec["duration_ms"] / 1000)
    ax_rs.axhline(thr, color="k", lw=0.7, ls="--")
    ax_rs.set(xlabel="time (s)", ylabel="rate (Hz)", ylim=(0, 32))
    ax_rs.legend(fontsize=6.5, loc="upper right")

    # (e) end states
    bins = np.linspace(0, 40, 161)
    for st, lab, col in ((spont, "spontaneous", "0.4"), (wm, "working memory", C1), (reset, "after reset", "m"),
                         (two, "equal inputs (max of r1, r2)", "g")):
        if st is None:
            continue
        r = st.flat("r1_final_Hz").ravel()
        if st is two:
            r = np.maximum(r, st.flat("r2_final_Hz").ravel())
        ax_end.hist(r, bins=bins, histtype="step", lw=1.3, color=col,
                    label=f"{lab}: {100 * (r > thr).mean():.1f}% > {thr:g} Hz at {st.spec['duration_ms'] / 1000:g} s")
    ax_end.axvline(thr, color="k", lw=0.7, ls="--")
    ax_end.set_yscale("log")
    ax_end.set(xlabel="r1 at the end of the trial (Hz)", ylabel="trials per 0.25 Hz bin",
               title="(e) end states with noise (1e5 trials each)")
    ax_end.title.set_fontsize(9)
    ax_end.legend(fontsize=6.5, loc="upper right")

    # (f) decision times with equal inputs, by choice
    if two is not None:
        dtm, ch = two.flat("decision_time_ms").ravel(), two.flat("choice").ravel()
        b = np.arange(0, 1000, 10)
        for k, col in ((1, C1), (2, C2)):
            m, ci, sd = mean_ci(dtm[ch == k])
            ax_dt.hist(dtm[ch == k], bins=b, histtype="step", lw=1.3, color=col,
                       label=f"choice {k}: {(ch == k).sum()} trials, mean {m:.1f} +- {ci:.1f} ms, SD {sd:.1f} ms")
        ax_dt.set(xlabel="decision time from stimulus onset (ms)", ylabel="trials per 10 ms",
                  title="(f) equal inputs: decision-time distributions of the two choices")
        ax_dt.title.set_fontsize(9)
        ax_dt.legend(fontsize=6.5)

    fig.suptitle("Wong & Wang (2006) reduced model: spontaneous state, working memory, competition, reset "
                 "(means of 1e5 noisy trials; dark band: +-2 SEM, light band: +-1 SD of single trials; thin lines: "
                 "single trials; dotted: no noise)", fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    footnote(fig, [clean, spont, wm, two, reset])
    nbplot.save(fig, a.figures, "decision_protocols.png", "plot.py")
    return wm_fraction, reset_fraction


def state_midpoint(clean):
    """S halfway between the spontaneous and the working-memory fixed points of the noiseless runs (0.335)."""
    if clean is None:
        return 0.335
    s = clean.flat("S1_final")[:, 0]
    return 0.5 * (s[0] + s[1])


# ---- Figure 2: psychometric and chronometric functions -----------------------------------------------------------

def coin_toss(study, point=0):
    ch = study.flat("choice")[point]
    n1, n = int((ch == 1).sum()), int((ch > 0).sum())
    p = n1 / n
    se = np.sqrt(0.25 / n)
    return p, n1, n, se


def figure_psychometric(a, psy, two):
    print("decision_psychometric.png")
    fig, axes = plt.subplots(2, 3, figsize=(17, 10))
    (ax_p, ax_coin, ax_rates), (ax_c, ax_sd, ax_hist) = axes  # (a) (b) (c) / (d) (e) (f)
    out = {}
    if psy is None:
        nbplot.save(fig, a.figures, "decision_psychometric.png", "plot.py")
        return out
    c = psy.axis("coherence")
    ch = psy.flat("choice")
    dtm = psy.flat("decision_time_ms")
    k = (ch == 1).sum(axis=1).astype(float)
    n = (ch > 0).sum(axis=1).astype(float)
    undecided = (ch == 0).sum()
    P = k / n
    lo, hi = wilson(k, n)
    (alpha, beta), res = fit_weibull(c, k, n)
    se, cov = hessian_se(c, k, n, alpha, beta)
    rng = np.random.default_rng(1)
    boot = []
    for _ in range(a.bootstrap):
        kb = rng.binomial(n.astype(np.int64), P).astype(float)
        (ab, bb), rb = fit_weibull(c, kb, n, start=(alpha, beta))
        if rb.success:
            boot.append((ab, bb))
    boot = np.array(boot)
    dev = deviance(c, k, n, alpha, beta)
    dof = int(np.sum(c > 0)) - 2
    disp = max(1.0, dev / dof)
    out.update(alpha=alpha, beta=beta, se=se, boot=boot, deviance=dev, dof=dof)
    print(f"  psychometric: {int(n.sum())} decided trials, {undecided} without a choice in "
          f"{psy.p()['stim_duration_ms'] / 1000:g} s")
    for ci_, Pi, l, h, ni in zip(c, P, lo, hi, n):
        print(f"    c = {ci_:<6g} P(choice 1) = {Pi:.5f}  Wilson 95% [{l:.5f}, {h:.5f}]  n = {int(ni)}  "
              f"Weibull {weibull(ci_, alpha, beta):.5f}")
    bq = np.percentile(boot, [2.5, 97.5], axis=0) if len(boot) else np.full((2, 2), np.nan)
    print(f"  Weibull MLE: alpha = {alpha:.5f} +- {se[0]:.5f} (Hessian), bootstrap SD {boot[:, 0].std(ddof=1):.5f}, "
          f"95% [{bq[0, 0]:.5f}, {bq[1, 0]:.5f}]; beta = {beta:.4f} +- {se[1]:.4f} (Hessian), bootstrap SD "
          f"{boot[:, 1].std(ddof=1):.4f}, 95% [{bq[0, 1]:.4f}, {bq[1, 1]:.4f}] ({len(boot)} resamples); "
          f"deviance {dev:.1f} on {dof} dof (p = {stats.chi2.sf(dev, dof):.2g})")
    print(f"  the Weibull does not fit within the binomial noise of 1e5 trials per point (largest miss "
          f"{np.max(np.abs(P - weibull(c, alpha, beta))):.4f}); SEs scaled by sqrt(deviance / dof) = "
          f"{np.sqrt(disp):.2f} for the lack of fit: alpha +- {se[0] * np.sqrt(disp):.5f}, beta +- "
          f"{se[1] * np.sqrt(disp):.4f}")
    check(res.success and 0 < alpha < 1 and beta > 0, f"Weibull fit converged: alpha = {alpha:.4f} "
          f"({100 * alpha:.2f}% coherence for P = {1 - 0.5 / np.e:.3f}), beta = {beta:.3f}")
    check(np.all(np.diff(P) >= -Z95 * np.sqrt(P[1:] * (1 - P[1:]) / n[1:] + P[:-1] * (1 - P[:-1]) / n[:-1]) - 1e-12)
          and P[-1] > 0.99 and P[1] > P[0],
          f"P(choice 1) rises with coherence: {' -> '.join(f'{v:.4f}' for v in P)}")

    # (a) psychometric
    x = log_c_axis(ax_p, c)
    ax_p.errorbar(x, P, yerr=bars(P, lo, hi), fmt="o", color=C1, ms=4, capsize=3,
                  label="simulation (first to 15 Hz), Wilson 95%")
    cc = np.geomspace(c[c > 0].min() / 1.6, 1.0, 300)
    ax_p.plot(cc * 100, weibull(cc, alpha, beta), color=C2, lw=1.5,
              label=f"Weibull MLE: alpha = {alpha:.4f} +- {se[0]:.4f}, beta = {beta:.3f} +- {se[1]:.3f}\n"
                    f"(Hessian SE; deviance {dev:.0f} on {dof} dof)")
    if len(boot):
        curves = np.array([weibull(cc, ab, bb) for ab, bb in boot])
        ax_p.fill_between(cc * 100, *np.percentile(curves, [2.5, 97.5], axis=0), color=C2, alpha=0.25, lw=0,
                          label="Weibull 95% bootstrap band")
    he = psy.flat("higher_at_end")
    ax_p.plot(x, (he == 1).mean(axis=1), "s", mfc="none", color="0.4", ms=5,
              label=f"higher rate at {psy.spec['duration_ms'] / 1000:g} s (the notebook's choice)")
    ax_p.axhline(0.5, color="k", lw=0.6, ls=":")
    ax_p.set(xlabel="coherence c (%)", ylabel="P(correct) = P(choice 1)", ylim=(0.45, 1.02),
             title=f"(a) psychometric function, {int(n[0])} trials per coherence")
    ax_p.legend(fontsize=7, loc="lower right")

    # (b) coin toss at c = 0
    rows = []
    p0, n1, n0, se0 = coin_toss(psy, 0)
    rows.append(("psychometric, c = 0", p0, n1, n0, se0))  # label, P, k, n, SE
    if two is not None:
        p2, n12, n2, se2 = coin_toss(two)
        rows.append(("equal inputs\n(decision_protocols.png c)", p2, n12, n2, se2))
        pooled = (n1 + n12) / (n0 + n2)
        rows.append(("both runs pooled", pooled, n1 + n12, n0 + n2, np.sqrt(0.25 / (n0 + n2))))
    pn, nn = NOTEBOOK_P0
    rows.append(("the notebook (500 trials)", pn, int(round(pn * nn)), nn, np.sqrt(0.25 / nn)))
    for i, (lab, p, kk, nn_, se_) in enumerate(rows):
        l, h = wilson(kk, nn_)
        ax_coin.errorbar([p], [i], xerr=bars(p, l, h), fmt="o", color=C1 if i < len(rows) - 1 else "0.5",
                         capsize=4)
        ax_coin.text(0.53, i, f"{p:.4f} [{l:.4f}, {h:.4f}]\n{(p - 0.5) / se_:+.2f} SE from 0.5", fontsize=7,
                     va="center")
        if i < len(rows) - 1:
            print(f"  coin toss, {lab.replace(chr(10), ' ')}: P(choice 1) = {p:.5f} ({kk} of {nn_}), Wilson 95% "
                  f"[{l:.5f}, {h:.5f}], {(p - 0.5) / se_:+.2f} SE from 0.5")
            if "pooled" not in lab:
                check(abs(p - 0.5) <= 4 * se_, f"coin toss ({lab.replace(chr(10), ' ')}): P(choice 1) = {p:.4f} within 4 SE "
                                               f"({4 * se_:.4f}) of 0.5")
    ax_coin.axvline(0.5, color="k", lw=0.8)
    ax_coin.axvspan(0.5 - 4 * se0, 0.5 + 4 * se0, color="g", alpha=0.15, label="0.5 +- 4 SE (1e5 trials)")
    ax_coin.set_yticks(range(len(rows)))
    ax_coin.set_yticklabels([r[0] for r in rows], fontsize=7)
    ax_coin.set_xlim(0.4, 0.6)
    ax_coin.set_ylim(-0.7, len(rows) - 0.3)
    ax_coin.set(xlabel="P(choice 1) at c = 0, Wilson 95%", title="(b) coin toss: equal inputs")
    ax_coin.legend(fontsize=7, loc="lower left")

    # (c) chronometric
    means = np.array([mean_ci(d) for d in dtm])
    correct = np.array([mean_ci(d[chk == 1]) for d, chk in zip(dtm, ch)])
    error = np.array([mean_ci(d[chk == 2]) for d, chk in zip(dtm, ch)])
    ax_c.errorbar(x, means[:, 0], yerr=means[:, 1], fmt="o-", color=C1, ms=4, capsize=3, label="all trials")
    ax_c.errorbar(x * 1.04, correct[:, 0], yerr=correct[:, 1], fmt="^--", color="g", ms=4, capsize=3,
                  label="correct (choice 1)")
    ne = (ch == 2).sum(axis=1)
    e_ok = ne >= 30
    ax_c.errorbar(x[e_ok] / 1.04, error[e_ok, 0], yerr=error[e_ok, 1], fmt="v:", color=C2, ms=4, capsize=3,
                  label="errors (choice 2; >= 30 trials)")
    log_c_axis(ax_c, c)
    ax_c.set(xlabel="coherence c (%)", ylabel="decision time from stimulus onset (ms)",
             title="(d) chronometric function: mean decision time, 95% CI")
    ax_c.legend(fontsize=7)
    print("  decision time (ms, from stimulus onset), mean +- 95% CI / SD  [correct | errors]:")
    for ci_, m, e, nerr in zip(c, means, error, ne):
        print(f"    c = {ci_:<6g} {m[0]:7.2f} +- {m[1]:.2f} / {m[2]:6.2f}   [{correct[list(c).index(ci_), 0]:7.2f} | "
              f"{e[0]:7.2f} ({nerr} errors)]")
    nd = np.isfinite(dtm).sum(axis=1)
    se_m = means[:, 1] / Z95
    check(np.all(np.diff(means[:, 0]) < 2 * np.hypot(se_m[1:], se_m[:-1])) and means[-1, 0] < means[0, 0],
          f"mean decision time falls with coherence (no step up by more than 2 SE; strictly at every step: "
          f"{'yes' if np.all(np.diff(means[:, 0]) < 0) else 'no'}): "
          f"{' -> '.join(f'{v:.1f}' for v in means[:, 0])} ms")
    out["dt"] = means

    # (d) SD against mean (Weber-like)
    m, sd = means[:, 0], means[:, 2]
    fit = stats.linregress(m, sd)
    cv = sd / m
    out.update(weber=fit)
    ax_sd.plot(m, sd, "o", color=C1)
    for ci_, mi, si in zip(c, m, sd):
        ax_sd.annotate(f"c={ci_:g}", (mi, si), textcoords="offset points", xytext=(4, -9), fontsize=6.5)
    mm = np.linspace(0, m.max() * 1.05, 10)
    ax_sd.plot(mm, fit.intercept + fit.slope * mm, color=C2, lw=1.2,
               label=f"SD = {fit.slope:.3f} (+- {fit.stderr:.3f}) x mean {fit.intercept:+.1f} ms, r = {fit.rvalue:.4f}")
    ax_sd.set(xlabel="mean decision time (ms)", ylabel="SD of decision time (ms)", xlim=(0, None), ylim=(0, None),
              title=f"(e) Weber-like: SD against mean over coherence (CV {cv.min():.2f} .. {cv.max():.2f})")
    ax_sd.legend(fontsize=7, loc="upper left")
    print(f"  SD against mean decision time: slope {fit.slope:.4f} +- {fit.stderr:.4f}, intercept "
          f"{fit.intercept:.2f} ms, r = {fit.rvalue:.5f}; CV {cv.min():.3f} .. {cv.max():.3f}")
    se_sd = sd / np.sqrt(2 * (nd - 1))  # SE of a sample SD (normal approximation)
    check(np.all(np.diff(sd) < 2 * np.hypot(se_sd[1:], se_sd[:-1])) and sd[-1] < sd[0] and fit.slope > 0,
          f"SD of the decision time falls with coherence along with its mean (no step up by more than 2 SE; "
          f"strictly: {'yes' if np.all(np.diff(sd) < 0) else 'no'}) "
          f"(slope {fit.slope:.3f} > 0)")

    # (e) decision-time distributions
    cmap = plt.get_cmap("viridis")
    b = np.arange(0, 1000, 10)
    for i, (ci_, d) in enumerate(zip(c, dtm)):
        ax_hist.hist(d[np.isfinite(d)], bins=b, histtype="step", density=True, lw=1.2, color=cmap(i / (len(c) - 1)),
                     label=f"c = {ci_:g}")
    ax_hist.set(xlabel="decision time from stimulus onset (ms)", ylabel="density (1/ms)",
                title="(f) decision-time distributions")
    ax_hist.legend(fontsize=7, ncol=2)

    # (f) choice-split mean rates aligned to the stimulus onset
    t, r1, r2, cnt = psy.binned()
    onset = psy.p()["stim_onset_ms"]
    for i, ci_ in enumerate(c):
        col = cmap(i / (len(c) - 1))
        ax_rates.plot((t - onset) / 1000, r1[i, 1], color=col, lw=1.4, label=f"c = {ci_:g}")
        ax_rates.plot((t - onset) / 1000, r2[i, 1], color=col, lw=1.0, ls="--")
    ax_rates.axhline(15, color="k", lw=0.7, ls="--")
    ax_rates.axvline(0, color="g", lw=0.8)
    ax_rates.set(xlabel="time from stimulus onset (s)", ylabel="rate (Hz)", xlim=(-0.2, 1.2),
                 title="(c) correct trials: mean r1 (winner, solid) and r2 (loser, dashed)")
    ax_rates.text(0.98, 0.45, "binned means over the >= 50000 correct trials of each coherence (no band: the\n"
                  "spread of single trials is in decision_protocols.png, 2 SEM there <= 0.07 Hz)",
                  transform=ax_rates.transAxes, ha="right", va="bottom", fontsize=6.5, color="0.3",
                  bbox=dict(fc="w", ec="none", alpha=0.8))
    ax_rates.legend(fontsize=7, ncol=2, loc="upper left")
    for ax in axes.ravel():
        ax.title.set_fontsize(9)
    fig.suptitle(f"Decision making at mu_0 = {psy.p()['mu_0_Hz']:g} Hz: choice is the first population to reach "
                 f"15 Hz after stimulus onset ({psy.spec['trials']} trials per coherence)", fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    footnote(fig, [psy, two])
    nbplot.save(fig, a.figures, "decision_psychometric.png", "plot.py")
    return out


# ---- Figure 3: phi and stimulus duration -----------------------------------------------------------------------

def figure_phi_duration(a, phi, dur, clean):
    print("decision_phi_duration.png")
    fig, axes = plt.subplots(2, 3, figsize=(17, 10))
    (ax_h, ax_t, ax_acc), (ax_esc, ax_dur, ax_dec) = axes
    colors = plt.get_cmap("plasma")
    out = {}
    if phi is not None:
        phis = phi.axis("phi")
        mu0 = np.array(phi.axis_values("mu_0_Hz"))
        coh = np.array(phi.axis_values("coherence"))
        ns = len(mu0)
        ch = phi.flat("choice").reshape(len(phis), ns, -1)
        dtm = phi.flat("decision_time_ms").reshape(len(phis), ns, -1)
        T = phi.spec["duration_ms"]
        stim = [j for j in range(ns) if mu0[j] > 0]
        label = lambda j: f"c = {coh[j]:g}" if mu0[j] > 0 else "no stimulus"  # noqa: E731
        # (a) DT distributions at the first nonzero coherence
        jc = [j for j in stim if coh[j] > 0][0]
        b = np.geomspace(1, T, 80)
        for i, ph in enumerate(phis):
            d = dtm[i, jc]
            m, ci, sd = mean_ci(d)
            ax_h.hist(d[np.isfinite(d)], bins=b, histtype="step", lw=1.3, color=colors(i / len(phis)),
                      label=f"phi = {ph:g}: mean {m:.1f} ms, SD {sd:.1f}")
        ax_h.set_xscale("log")
        ax_h.set(xlabel="decision time from stimulus onset (ms)", ylabel="trials per log bin",
                 title=f"(a) decision-time distributions at c = {coh[jc]:g} (mu_0 = {mu0[jc]:g} Hz)")
        ax_h.legend(fontsize=7)
        # (b) mean DT against phi
        print("  phi: mean decision time (ms) +- 95% CI, P(choice 1 | decided) [Wilson 95%], undecided in "
              f"{T / 1000:g} s")
        faster = True
        for j in range(ns):
            ms = np.array([mean_ci(dtm[i, j]) for i in range(len(phis))])
            k = (ch[:, j] == 1).sum(axis=1)
            nd = (ch[:, j] > 0).sum(axis=1)
            acc = k / np.maximum(nd, 1)
            lo, hi = wilson(k, np.maximum(nd, 1))
            for i, ph in enumerate(phis):
                if nd[i] == 0:
                    print(f"    phi = {ph:<3g} {label(j):<12} no trial reached 15 Hz ({ch.shape[-1]} trials)")
                    continue
                print(f"    phi = {ph:<3g} {label(j):<12} DT {ms[i, 0]:7.2f} +- {ms[i, 1]:.2f} (SD {ms[i, 2]:6.2f})  "
                      f"P(1) {acc[i]:.4f} [{lo[i]:.4f}, {hi[i]:.4f}]  decided {nd[i]} of {ch.shape[-1]}")
            if mu0[j] > 0:
                col = "0.3" if coh[j] == 0 else colors(0.15 + 0.6 * j / ns)
                ax_t.errorbar(phis, ms[:, 0], yerr=ms[:, 1], fmt="o-", color=col, capsize=3, label=label(j))
                faster &= bool(np.all(np.diff(ms[:, 0]) < 0))
                if coh[j] > 0:
                    ax_acc.errorbar(phis, acc, yerr=bars(acc, lo, hi), fmt="o-", color=col, capsize=3,
                                    label=f"{label(j)}: {acc[0]:.3f} -> {acc[-1]:.3f}")
                    out[f"acc_{coh[j]:g}"] = acc
                else:
                    ax_acc.errorbar(phis, acc, yerr=bars(acc, lo, hi), fmt="s:", color=col, capsize=3,
                                    label="c = 0 (P(choice 1))")
                out[f"dt_{coh[j]:g}"] = ms[:, 0]
            else:
                frac = nd / ch.shape[-1]
                lo, hi = wilson(nd, ch.shape[-1])
                out["escape"] = frac
                ax_esc.errorbar(phis, np.maximum(frac, 1e-6), yerr=bars(frac, lo, hi), fmt="o-", color="k",
                                capsize=3, label=f"no stimulus: fraction reaching 15 Hz within {T / 1000:g} s")
                for i, ph in enumerate(phis):
                    ax_esc.annotate(f"{frac[i]:.2g}", (ph, max(frac[i], 1e-6)), textcoords="offset points",
                                    xytext=(5, 4), fontsize=7)
        check(faster, "larger phi gives faster decisions: mean decision time falls with phi at every coherence")
        ax_t.set_xscale("log")
        ax_t.set_yscale("log")
        ax_t.set_yticks([20, 30, 50, 100, 200, 300, 500])
        ax_t.set_yticklabels(["20", "30", "50", "100", "200", "300", "500"])
        ax_t.minorticks_off()
        ax_t.set_xticks(phis)
        ax_t.set_xticklabels([f"{v:g}" for v in phis])
        ax_t.set(xlabel="phi (time-scale factor of the gating)", ylabel="mean decision time (ms)",
                 title="(b) mean decision time against phi, 95% CI")
        ax_t.legend(fontsize=7)
        ax_acc.set_xscale("log")
        ax_acc.set_xticks(phis)
        ax_acc.set_xticklabels([f"{v:g}" for v in phis])
        ax_acc.axhline(0.5, color="k", lw=0.6, ls=":")
        ax_acc.set(xlabel="phi", ylabel="P(correct | decided), Wilson 95%", ylim=(0.45, 1.02),
                   title="(c) accuracy against phi: faster but less accurate")
        ax_acc.legend(fontsize=7)
        ax_esc.set_xscale("log")
        ax_esc.set_yscale("log")
        ax_esc.set_xticks(phis)
        ax_esc.set_xticklabels([f"{v:g}" for v in phis])
        ax_esc.set(xlabel="phi", ylabel="fraction of trials", ylim=(1e-6, 2),
                   title="(d) without a stimulus: noise alone drives a 'decision' at large phi")
        ax_esc.legend(fontsize=7, loc="lower right")

    if dur is not None:
        D = np.array(dur.axis_values("stim_duration_ms"))
        ch = dur.flat("choice")
        he = dur.flat("higher_at_end")
        s1p, s2p = dur.flat("S1_probe1"), dur.flat("S2_probe1")
        s1f, s2f = dur.flat("S1_final"), dur.flat("S2_final")
        ntr = ch.shape[1]
        curves = [
            ("higher rate at the end of the trial (primary)", (he == 1).sum(axis=1), np.full(len(D), ntr), "o-", C1),
            ("S1 > S2 at stimulus offset", (s1p > s2p).sum(axis=1), np.full(len(D), ntr), "s--", "g"),
            ("threshold choice, decided trials only", (ch == 1).sum(axis=1), (ch > 0).sum(axis=1), "^:", C2),
        ]
        print(f"  stimulus duration at c = {dur.p()['coherence']:g} (trial {dur.spec['duration_ms'] / 1000:g} s): "
              "accuracy, Wilson 95%")
        for lab, k, n, fmt, col in curves:
            p = k / np.maximum(n, 1)
            lo, hi = wilson(k, np.maximum(n, 1))
            ax_dur.errorbar(D, p, yerr=bars(p, lo, hi), fmt=fmt, color=col, capsize=3, ms=4, label=lab)
            print(f"    {lab}: " + ", ".join(f"{d:g} ms {v:.4f}" for d, v in zip(D, p)))
            out.setdefault("dur", {})[lab] = p
        ax_dur.axhline(0.5, color="k", lw=0.6, ls=":")
        ax_dur.set(xlabel="stimulus duration (ms)", ylabel="P(correct)", ylim=(0.45, 1.0),
                   title=f"(e) accuracy against stimulus duration, c = {dur.p()['coherence']:g}")
        ax_dur.legend(fontsize=7, loc="lower right")
        acc = (he == 1).mean(axis=1)
        lo, hi = wilson((he == 1).sum(axis=1), ntr)
        check(acc[-1] > acc[0] + 0.2 and np.all(hi[1:] >= lo[:-1]),
              f"longer stimuli give more accurate choices (higher rate at the end): "
              f"{' -> '.join(f'{v:.3f}' for v in acc)} over {D[0]:g} .. {D[-1]:g} ms")
        decided = (ch > 0).mean(axis=1)
        s_mid = state_midpoint(clean)
        high = (np.maximum(s1f, s2f) > s_mid).mean(axis=1)
        ax_dec.plot(D, decided, "o-", color=C2, label="reached 15 Hz at some time (threshold choice made)")
        ax_dec.plot(D, high, "s--", color="k", label=f"in a memory state at the end (max S > {s_mid:.3f})")
        dts = np.array([mean_ci(d) for d in dur.flat("decision_time_ms")])
        many = (ch > 0).sum(axis=1) >= 30
        ax_dec2 = ax_dec.twinx()
        ax_dec2.errorbar(D[many], dts[many, 0], yerr=dts[many, 1], fmt="^:", color="g", capsize=3, ms=4,
                         label="mean decision time (right axis; >= 30 decided trials)")
        ax_dec2.set_ylim(0, 1.3 * np.nanmax(dts[many, 0]))
        ax_dec2.legend(fontsize=7, loc="lower right")
        ax_dec2.set_ylabel("mean decision time of decided trials (ms)", color="g")
        ax_dec2.grid(False)
        ax_dec.set(xlabel="stimulus duration (ms)", ylabel="fraction of trials", ylim=(0, 1.05),
                   title="(f) short stimuli: the network falls back to the spontaneous state")
        ax_dec.legend(fontsize=7, loc="center right")
        print("    reached 15 Hz: " + ", ".join(f"{d:g} ms {v:.4f}" for d, v in zip(D, decided)))
        print("    in a memory state at the end: " + ", ".join(f"{d:g} ms {v:.4f}" for d, v in zip(D, high)))
    for ax in axes.ravel():
        ax.title.set_fontsize(9)
    fig.suptitle("Time-scale factor phi (stimulus from t = 0, 1e5 trials per condition) and stimulus duration "
                 "(1e5 trials per duration)", fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    footnote(fig, [phi, dur])
    nbplot.save(fig, a.figures, "decision_phi_duration.png", "plot.py")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", required=True, help="directory holding the decision_* outputs of run.sh")
    ap.add_argument("--figures", help="where to write the PNGs (default: RESULTS/figures/decision; "
                    "experiments/decision/figures/ holds the committed gallery: write there only to update it)")
    ap.add_argument("--bootstrap", type=int, default=400, help="bootstrap resamples of the Weibull fit (default 400)")
    a = ap.parse_args(argv)
    if a.figures is None:
        a.figures = os.path.join(a.results, "figures", "decision")
    if not os.path.isdir(a.results):
        ap.error(f"--results: '{a.results}' is not a directory")
    os.makedirs(a.figures, exist_ok=True)
    plt.rcParams.update({"axes.grid": True, "grid.alpha": 0.3, "font.size": 9})

    names = ["protocols_clean", "spontaneous", "working_memory", "two_inputs", "reset", "psychometric", "phi",
             "duration"]
    st = {n: load(a.results, "decision_" + n) for n in names}
    print("plot.py: run times")
    for n in names:
        s = st[n]
        if s is not None:
            r = s.run
            print(f"  {s.spec['name']:<26} {s.npoints:>2} x {s.spec['trials']:>6} trials x {s.spec['n_steps']:>5} "
                  f"steps: {r['wall_s']:7.2f} s on {r['backend']} ({r.get('device', '')}), "
                  f"{r['neuron_steps_per_s']:.2e} trial-steps/s")
    figure_protocols(a, st["protocols_clean"], st["spontaneous"], st["working_memory"], st["two_inputs"], st["reset"])
    figure_psychometric(a, st["psychometric"], st["two_inputs"])
    figure_phi_duration(a, st["phi"], st["duration"], st["protocols_clean"])
    print(f"plot.py: {CHECKS['ok'] + CHECKS['MISMATCH']} checks against docs/models/decision.md and the issue, "
          f"{CHECKS['MISMATCH']} mismatch(es)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
