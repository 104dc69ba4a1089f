#!/usr/bin/env python3
"""Figures of the Ben-Yishai ring model of orientation selectivity (docs/models/ring.md) from NeuroBatch results.

usage: plot.py --results DIR [--figures FIGDIR] [--bootstrap N]

DIR holds, as experiments/ring/run.sh names them (one neurobatch output directory each):
    ring_panels_weak/  ring_panels_strong/  ring_panels_untuned/     the notebook's panels
    ring_contrast_weak/  ring_contrast_strong/                       20 contrasts x {no noise, noise} x 20 trials
    ring_marginal_width/  ring_marginal_width_n1024/                 eps = 0 bumps at J2 2.5, 4.5, 11 (N 256, 1024)
    ring_phase_eps0/  ring_phase_eps01/                              256 x 256 (J0, J2) grids, eps 0 and 0.1
    ring_diffusion/                                                  bump diffusion, 4 noise levels x 1000 trials
->  ring_panels.png, ring_contrast.png, ring_phase_diagram.png, ring_diffusion.png (see README.md).

Theory (numpy/scipy, double): the steady state of tau dr/dt = -r + [h + J0 m0 + J2 (m_c cos 2theta + m_s sin 2theta)]+
with h = A c (1 - eps + eps cos 2(theta - cue)) is either
  broad (every rate positive; J0 < 1, J2 < 2):  r = A c [(1 - eps)/(1 - J0) + eps cos 2(theta - cue) / (1 - J2/2)],
  or narrow:  r = a [cos 2(theta - cue) - cos 2 theta_c]+  with  f0(t) = (sin 2t - 2t cos 2t)/pi,
     f2(t) = (t - sin 4t / 4)/pi,  (1 - eps)(1 - J2 f2(theta_c)) = eps (-cos 2theta_c - J0 f0(theta_c)),
     a = A c (1 - eps) / (-cos 2theta_c - J0 f0(theta_c));
  for eps = 0 this is J2 f2(theta_c) = 1 (docs/models/ring.md's widths), with the amplitude finite only while
  J0 < J0_c(J2) = -cos 2theta_c(J2) / f0(theta_c(J2)): the marginal phase's amplitude instability line. At that
  line the narrow solution's denominator and (1 - J2 f2) vanish together, so the line is the same for every eps.
The broad profile stays positive while J2 < 2 - 2 eps (1 - J0)/(1 - eps) (the broad / input-narrowed boundary).

Half-widths: the simulator's half_width_deg interpolates the final input I (not clipped like r) between neurons.
This script also measures the edge by extrapolating the last two active neurons to zero ("extrapolated"), which
follows the same zero crossing: the two agree.

Bump diffusion (eps = 0): psi(t) = 0.5 atan2(pv_sin, pv_cos), unwrapped as 0.5 unwrap(atan2) (orientations are
pi-periodic: the doubled angle is 2 pi-periodic). Theory: the noise sigma sqrt(dt) xi enters I, so each step moves
r_j by (dt/tau) ([I_j + s xi]+ - [I_j]+), s = sigma sqrt(dt); projected on the left zero mode v_j = sin 2(theta_j - psi)
(normalised by sum v_j dr_j/dpsi = 2 a sum_active sin^2 2(theta_j - psi)) this gives
D = (dt/tau)^2 s^2 sum_j v_j^2 V(I_j/s) / (2 dt (sum v u)^2), V(x) the variance of [x + xi]+ (1 for active neurons
far above threshold): D ~ (dt/tau)^2 sigma^2 J2 / (8 a^2 N) rad^2/ms from the active neurons alone.

The script prints the measured numbers and the [ok]/[MISMATCH] checks against docs/models/ring.md and the theory, the run
times, and a count at the end. Needs numpy, scipy and matplotlib; renders with the Agg backend.
"""
import argparse
import os
import sys

import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from scipy import optimize, stats  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
import nbplot  # noqa: E402
from nbplot import CHECKS, check, footnote  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEG = 180.0 / np.pi
MODELS_THETA_C = {2.5: 59.73, 4.5: 42.49, 11.0: 29.16}   # docs/models/ring.md: marginal half-widths (deg) at eps = 0
CONTRASTS = (0.1, 0.2, 0.4, 0.8)
CLASS_NAMES = ("homogeneous / broad (no neuron silent)", "bump (half-width < 90 deg)", "amplitude instability (runaway)")
CLASS_COLORS = ("#c6dbef", "#fdae6b", "#a50f15")


# ---- Theory ---------------------------------------------------------------------------------------------------------

def f0(t):
    return (np.sin(2 * t) - 2 * t * np.cos(2 * t)) / np.pi


def f2(t):
    return (t - np.sin(4 * t) / 4) / np.pi


def theta_c(J2):
    """The eps = 0 marginal half-width (rad): (J2/pi)(t - sin 4t / 4) = 1; nan for J2 <= 2."""
    if J2 <= 2:
        return np.nan
    return optimize.brentq(lambda t: J2 * f2(t) - 1.0, 1e-12, np.pi / 2)


def J0_critical(J2):
    """Amplitude instability of the marginal phase: J0_c = -cos 2theta_c / f0(theta_c) (1 for J2 <= 2)."""
    if J2 <= 2:
        return 1.0
    t = theta_c(J2)
    return -np.cos(2 * t) / f0(t)


def J2_broad(J0, eps):
    """The broad profile touches zero at its trough when J2 reaches 2 - 2 eps (1 - J0)/(1 - eps)."""
    return 2.0 - 2.0 * eps * (1.0 - np.asarray(J0, float)) / (1.0 - eps)


def steady_state(J0, J2, eps, Ac):
    """('broad', None, None) | ('narrow', theta_c, a) | ('unstable', None, None): the theory's steady state."""
    if J0 < 1 and J2 < 2 and J2 <= J2_broad(J0, eps):
        return "broad", None, None
    if eps == 0:
        if J2 <= 2:
            return "broad" if J0 < 1 else "unstable", None, None
        t = theta_c(J2)
    else:
        g = lambda t: (1 - eps) * (1 - J2 * f2(t)) - eps * (-np.cos(2 * t) - J0 * f0(t))  # noqa: E731
        ts = np.linspace(1e-6, np.pi / 2, 20001)
        v = g(ts)
        roots = [optimize.brentq(g, ts[i], ts[i + 1]) for i in np.nonzero(np.sign(v[1:]) != np.sign(v[:-1]))[0]]
        roots = [t for t in roots if -np.cos(2 * t) - J0 * f0(t) > 0]
        if not roots:
            return "unstable", None, None
        t = roots[0]
    D = -np.cos(2 * t) - J0 * f0(t)
    if D <= 0:
        return "unstable", None, None
    return "narrow", t, Ac * (1 - eps) / D


def theory_profile(theta, J0, J2, eps, Ac, cue=0.0):
    kind, t, a = steady_state(J0, J2, eps, Ac)
    if kind == "broad":
        return Ac * ((1 - eps) / (1 - J0) + eps * np.cos(2 * (theta - cue)) / (1 - J2 / 2))
    if kind == "narrow":
        return a * np.maximum(np.cos(2 * (theta - cue)) - np.cos(2 * t), 0.0)
    return np.full_like(theta, np.nan)


def half_max_width_narrow(t):
    """HWHM (rad) of a [cos 2theta - cos 2t]+ bump: cos 2theta_h = (1 + cos 2t) / 2."""
    return 0.5 * np.arccos(0.5 * (1 + np.cos(2 * t)))


def theta_grid(N):
    return -np.pi / 2 + np.pi * np.arange(N) / N


def rect_var(x):
    """Variance of [x + xi]+ for xi ~ N(0, 1)."""
    x = np.asarray(x, float)
    m1 = x * stats.norm.cdf(x) + stats.norm.pdf(x)
    m2 = (x * x + 1) * stats.norm.cdf(x) + x * stats.norm.pdf(x)
    return m2 - m1 * m1


def diffusion_theory(N, J0, J2, Ac, sigma, dt, tau):
    """(D with every neuron's rectified noise, D from the active neurons only) in deg^2/ms, eps = 0 bump."""
    t = theta_c(J2)
    a = Ac / (-np.cos(2 * t) - J0 * f0(t))
    th = theta_grid(N)
    I = a * (np.cos(2 * th) - np.cos(2 * t))
    active = I > 0
    v = np.sin(2 * th)
    vu = np.sum(v * 2 * a * np.sin(2 * th) * active)
    s = sigma * np.sqrt(dt)
    full = (dt / tau) ** 2 * s * s * np.sum(v * v * rect_var(I / s)) / vu ** 2 / (2 * dt)
    active_only = (dt / tau) ** 2 * sigma ** 2 * J2 / (8 * a * a * N)
    return full * DEG ** 2, active_only * DEG ** 2


# ---- Measurements ---------------------------------------------------------------------------------------------------

def widths(R, level_frac=None):
    """Half-widths (deg) of profiles R (..., N) around each peak, averaged over both sides; 90 where the profile
    never falls to the level. level_frac None: where r reaches 0, the last two active neurons extrapolated linearly to
    zero; a number: where r falls to level_frac * peak, interpolated linearly (like the simulator)."""
    R = np.asarray(R, float)
    shape, N = R.shape[:-1], R.shape[-1]
    R = R.reshape(-1, N)
    rows = np.arange(len(R))
    p = np.argmax(R, axis=1)
    peak = R[rows, p]
    level = (1e-6 if level_frac is None else level_frac) * peak
    reach = []
    for d in (1, -1):
        V = R[rows[:, None], (p[:, None] + d * np.arange(N // 2 + 1)[None, :]) % N]
        below = V <= level[:, None]
        has = below.any(axis=1)
        k = np.argmax(below, axis=1)
        last, prev, val = V[rows, np.maximum(k - 1, 0)], V[rows, np.maximum(k - 2, 0)], V[rows, k]
        with np.errstate(divide="ignore", invalid="ignore"):
            if level_frac is None:
                slope = prev - last
                x = np.where((k >= 2) & (slope > 0), (k - 1) + np.minimum(last / np.where(slope > 0, slope, 1), 1), k)
            else:
                x = (k - 1) + (last - level) / np.where(last > val, last - val, 1)
        reach.append(np.where(has, x, np.nan))
    w = 0.5 * (reach[0] + reach[1]) * 180.0 / N
    return np.where(np.isfinite(w), w, 90.0).reshape(shape)


class Ring(nbplot.Study):
    """A ring results directory with its arrays reordered by parameter name."""

    def get(self, name, order=None):
        """An observable (axes..., trials) or profile_Hz (axes..., trials, N) with its axes in `order` (one parameter
        of each axis, a zip group by any of its parameters; default the spec's order)."""
        x = self.npy(name)
        axes = self.spec["axes"]
        if order is None:
            return x
        perm = [next(k for k, ax in enumerate(axes) if o in ax["params"]) for o in order]
        return np.transpose(x, perm + list(range(len(axes), x.ndim)))

    def ax(self, name):
        return self.axis(name)

    def N(self):
        return int(self.spec["params"]["N"])


def load(results, name):
    s = nbplot.load(results, name, Ring)
    if s is None:
        print(f"plot.py: {os.path.join(results, name)} missing")
    return s


def fmt(x, d=3):
    return f"{x:.{d}f}"


# ---- Figure 1: the notebook's panels --------------------------------------------------------------------------------

def figure_panels(a, weak, strong, untuned):
    print("ring_panels.png")
    fig, axes = plt.subplots(2, 3, figsize=(17.5, 10))
    cols = plt.cm.viridis(np.linspace(0.1, 0.85, len(CONTRASTS)))

    def regime(ax_clean, ax_noisy, st, label):
        if st is None:
            return
        p = st.params_at(0)
        N = st.N()
        thd = theta_grid(N) * DEG
        sig = st.ax("sigma_Hz")
        c = st.ax("contrast")
        P = st.get("profile_Hz", ["sigma_Hz", "contrast"])  # (sigma, c, trials, N)
        Ac = p["A_Hz"] * c
        T_ms = st.spec["duration_ms"]
        worst = worst_centred = 0.0
        ang = st.get("pv_angle_deg", ["sigma_Hz", "contrast"])[0, :, 0]
        for k, (cc, col) in enumerate(zip(c, cols)):
            th = theory_profile(theta_grid(N), p["J0"], p["J2"], p["eps"], Ac[k], p["theta_cue_rad"])
            # the same steady state centred where the simulated peak sits (finite N can pin it off the cue)
            thp = theory_profile(theta_grid(N) - ang[k] / DEG, p["J0"], p["J2"], p["eps"], Ac[k], p["theta_cue_rad"])
            ax_clean.plot(thd, P[0, k, 0], color=col, lw=2, label=f"c = {cc:g}")
            ax_clean.plot(thd, th, color="k", ls="--", lw=0.9)
            worst = max(worst, np.max(np.abs(P[0, k, 0] - th)) / np.max(th))
            worst_centred = max(worst_centred, np.max(np.abs(P[0, k, 0] - thp)) / np.max(thp))
            ax_noisy.plot(thd, P[1, k, 0], color=col, lw=0.6, alpha=0.8)
            ax_noisy.plot(thd, P[1, k].mean(axis=0), color=col, lw=2,
                          label=f"c = {cc:g}: mean of {st.spec['trials']} trials")
            ax_noisy.plot(thd, P[0, k, 0], color="k", ls="--", lw=0.9)
        ax_clean.plot([], [], "k--", lw=0.9, label="theory (steady state)")
        ax_noisy.plot([], [], "k--", lw=0.9, label="without noise")
        ax_noisy.plot([], [], color="0.4", lw=0.6, label="one noisy trial")
        kind, t, _ = steady_state(p["J0"], p["J2"], p["eps"], 1.0)
        extra = "" if kind != "narrow" else f", theory half-width {t * DEG:.2f} deg"
        print(f"  {label}: {T_ms:g} ms at dt {st.spec['dt_ms']:g} ms; noiseless profile vs theory ({kind}{extra}): "
              f"max |diff| {100 * worst:.3f} % of the theory peak; population vector at "
              f"{', '.join(f'{x:.4f}' for x in ang)} deg (cue {p['theta_cue_rad'] * DEG:g}); against the theory centred "
              f"there: {100 * worst_centred:.4f} %")
        return worst, worst_centred, ang, P, kind, t, sig

    res = regime(axes[0, 0], axes[0, 1], weak, "weak recurrence")
    if res:
        worst, _, _, P, kind, _, sig = res
        # after 100 ms the slowest transient (the cos 2theta mode, time constant tau/(1 - J2/2) = 20 ms) is e^-5
        check(kind == "broad" and worst < 0.01,
              f"weak recurrence after {weak.spec['duration_ms']:g} ms: within {100 * worst:.2f} % (< 1 %) of the "
              f"linear closed form (transient left: exp(-5) of the tuned mode)")
        p = weak.params_at(0)
        axes[0, 0].set_title(f"(a) weak recurrence (eps {p['eps']:g}, J0 {p['J0']:g}, J2 {p['J2']:g}), no noise, "
                             f"{weak.spec['duration_ms']:g} ms")
        axes[0, 1].set_title(f"(b) weak recurrence, input noise sigma {sig[1]:g} Hz/sqrt(ms), dt "
                             f"{weak.spec['dt_ms']:g} ms")
    res = regime(axes[1, 0], axes[1, 1], strong, "strong recurrence")
    if res:
        worst, worst_centred, ang, P, kind, t, sig = res
        hw = widths(P[0, :, 0])
        conv = strong.get("converged_ms", ["sigma_Hz", "contrast"])[0, :, 0]
        spacing = 180.0 / strong.N()
        check(kind == "narrow" and worst_centred < 1e-3 and np.all(np.isfinite(conv)),
              f"strong recurrence: converged by {np.nanmax(conv):.0f} ms, profile within {100 * worst_centred:.4f} % "
              f"(< 0.1 %) of the narrow steady state centred on the population vector")
        check(np.all(np.abs(ang) < 0.5 * spacing),
              f"strong recurrence: the bump started at {strong.params_at(0)['theta_0_rad'] * DEG:g} deg settles "
              f"{np.max(np.abs(ang)):.4f} deg from the cue (< half a neuron spacing, {0.5 * spacing:.3f} deg): pinned "
              f"by the lattice, so the profile differs from the cue-centred theory by {100 * worst:.2f} % of the peak")
        check(np.all(np.abs(hw - t * DEG) < 0.05),
              f"strong recurrence: half-width (extrapolated) {', '.join(fmt(x) for x in hw)} deg at c = "
              f"{', '.join(f'{x:g}' for x in CONTRASTS)}; theory for eps = 0.1: {t * DEG:.3f} deg (within 0.05)")
        p = strong.params_at(0)
        axes[1, 0].set_title(f"(d) strong recurrence (eps {p['eps']:g}, J0 {p['J0']:g}, J2 {p['J2']:g}), no noise, "
                             f"{strong.spec['duration_ms'] / 1000:g} s")
        axes[1, 1].set_title(f"(e) strong recurrence, input noise sigma {sig[1]:g} Hz/sqrt(ms), dt "
                             f"{strong.spec['dt_ms']:g} ms")
    if untuned is not None:
        p = untuned.params_at(0)
        N = untuned.N()
        thd = theta_grid(N) * DEG
        th0s, J2s = untuned.ax("theta_0_rad"), untuned.ax("J2")
        P = untuned.get("profile_Hz", ["theta_0_rad", "J2"])[:, :, 0]
        ang = untuned.get("pv_angle_deg", ["theta_0_rad", "J2"])[:, :, 0]
        pvl = untuned.get("pv_length", ["theta_0_rad", "J2"])[:, :, 0]
        mean = untuned.get("mean_Hz", ["theta_0_rad", "J2"])[:, :, 0]
        Ac = p["A_Hz"] * p["contrast"]
        hw = widths(P)
        jc = plt.cm.plasma(np.linspace(0.05, 0.8, len(J2s)))
        for i, (th0, ax) in enumerate(zip(th0s, (axes[0, 2], axes[1, 2]))):
            for j, J2 in enumerate(J2s):
                lab = f"J2 = {J2:g}"
                if J2 > 2:
                    lab += f": half-width {hw[i, j]:.2f} (theory {theta_c(J2) * DEG:.2f}), at {ang[i, j]:.2f} deg"
                else:
                    lab += f": uniform, {mean[i, j]:.3f} Hz"
                ax.plot(thd, P[i, j], color=jc[j], lw=2, ls="-" if j != 1 else (0, (4, 3)), label=lab)
                if J2 > 2:
                    ax.plot(thd, theory_profile(theta_grid(N), p["J0"], J2, 0.0, Ac, th0), "k--", lw=0.9)
            ax.axvline(th0 * DEG, color="0.3", ls=":", lw=1)
            ax.set_title(f"({'cf'[i]}) untuned input (eps 0, c {p['contrast']:g}, J0 {p['J0']:g}), "
                         f"theta_0 = {th0:g} rad = {th0 * DEG:.2f} deg")
            ax.plot([], [], "k--", lw=0.9, label="theory: bump of half-width theta_c(J2) at theta_0")
        lo = J2s < 2
        check(np.all(pvl[:, lo] < 1e-4) and np.all(np.abs(mean[:, lo] - Ac / (1 - p["J0"])) < 1e-4),
              f"untuned, J2 < 2: uniform (pv_length <= {np.max(pvl[:, lo]):.1e}), rate {np.mean(mean[:, lo]):.5f} Hz "
              f"= A c / (1 - J0) = {Ac / (1 - p['J0']):g} Hz")
        hi = J2s > 2
        dang = np.abs(ang[:, hi] - th0s[:, None] * DEG)
        check(np.all(dang < 0.1),
              f"untuned, J2 > 2: the bump stays where the initial condition put it (|pv angle - theta_0| <= "
              f"{np.max(dang):.3f} deg < 0.1 deg; theta_0 = {', '.join(f'{x * DEG:.2f}' for x in th0s)} deg)")
        tc = np.array([theta_c(J2) * DEG for J2 in J2s[hi]])
        dw = np.abs(hw[:, hi] - tc[None, :])
        check(np.all(dw < 0.05), f"untuned, J2 > 2: half-widths {', '.join(fmt(x) for x in hw[:, hi].ravel())} deg "
                                 f"against theta_c = {', '.join(fmt(x) for x in tc)} deg (within {np.max(dw):.3f} "
                                 f"< 0.05)")
    for ax in axes.ravel():
        ax.set(xlabel="preferred orientation theta (deg)", ylabel="rate r (Hz)", xlim=(-90, 90))
        ax.set_xticks(np.arange(-90, 91, 30))
        ax.legend(fontsize=7, loc="upper left")
    fig.suptitle("Ben-Yishai ring model (docs/models/ring.md): final profiles r(theta), N = 256, stimulus at 0 deg",
                 fontsize=12)
    fig.tight_layout(rect=(0, 0.05, 1, 0.97))
    footnote(fig, [weak, strong, untuned])
    nbplot.save(fig, a.figures, "ring_panels.png", "plot.py")


# ---- Figure 2: contrast invariance ----------------------------------------------------------------------------------

def figure_contrast(a, weak, strong, mw, mw1024):
    print("ring_contrast.png")
    fig, axes = plt.subplots(2, 3, figsize=(17, 10))
    (axa, axb, axc), (axd, axe, axf) = axes
    regimes = [(weak, "weak", "C0"), (strong, "strong", "C3")]
    for st, name, col in regimes:
        if st is None:
            continue
        p = st.params_at(0)
        N = st.N()
        c, sig = st.ax("contrast"), st.ax("sigma_Hz")
        P = st.get("profile_Hz", ["sigma_Hz", "contrast"])          # (sigma, c, trials, N)
        hw_obs = st.get("half_width_deg", ["sigma_Hz", "contrast"])
        hh_obs = st.get("half_width_half_max_deg", ["sigma_Hz", "contrast"])
        peak = st.get("peak_Hz", ["sigma_Hz", "contrast"])
        clean = P[0, :, 0]
        w0, wh = widths(clean), widths(clean, 0.5)
        mean_prof = P[1].mean(axis=1)                                 # trial mean of the noisy profiles
        nw0, nwh = widths(mean_prof), widths(mean_prof, 0.5)
        kind, t, amp = steady_state(p["J0"], p["J2"], p["eps"], p["A_Hz"])
        lab = f"{name} (J0 {p['J0']:g}, J2 {p['J2']:g})"
        axa.plot(c, w0, "o-", color=col, ms=4, label=f"{lab}, no noise (extrapolated edge)")
        axa.plot(c, hw_obs[0, :, 0], "x", color=col, ms=5, label=f"{lab}, no noise: simulator's half_width_deg")
        axa.plot(c, nw0, "s--", color=col, mfc="none", ms=4,
                 label=f"{lab}, sigma {sig[1]:g}: mean profile of {st.spec['trials']} trials")
        axb.plot(c, wh, "o-", color=col, ms=4, label=f"{lab}, no noise")
        axb.plot(c, nwh, "s--", color=col, mfc="none", ms=4, label=f"{lab}, sigma {sig[1]:g}: mean profile")
        axb.errorbar(c, hh_obs[1].mean(axis=1), yerr=hh_obs[1].std(axis=1), fmt="^", color=col, ms=3, lw=0.8,
                     alpha=0.6, label=f"{lab}, sigma {sig[1]:g}: single trials (mean +- SD)")
        axc.plot(c, peak[0, :, 0], "o-", color=col, ms=4, label=f"{lab}, no noise")
        axc.errorbar(c, peak[1].mean(axis=1), yerr=peak[1].std(axis=1), fmt="s", color=col, mfc="none", ms=4,
                     lw=0.8, label=f"{lab}, sigma {sig[1]:g}: single-trial peak (mean +- SD)")
        cc = np.linspace(0, c[-1], 50)
        if kind == "broad":
            pk_th = p["A_Hz"] * ((1 - p["eps"]) / (1 - p["J0"]) + p["eps"] / (1 - p["J2"] / 2))
            w_th, wh_th = 90.0, 90.0
        else:
            pk_th = amp * (1 - np.cos(2 * t))
            w_th, wh_th = t * DEG, half_max_width_narrow(t) * DEG
        axc.plot(cc, pk_th * cc, "k:", lw=1)
        axa.axhline(w_th, color=col, ls=":", lw=1)
        axb.axhline(wh_th, color=col, ls=":", lw=1)
        # linearity of the peak (noiseless): fit through the origin
        slope = np.sum(c * peak[0, :, 0]) / np.sum(c * c)
        resid = np.max(np.abs(peak[0, :, 0] - slope * c) / (slope * c))
        print(f"  {name}: peak = {slope:.4f} Hz x c (theory {pk_th:.4f}), largest relative residual {resid:.1e}; "
              f"half-width at 0: {np.min(w0):.3f} .. {np.max(w0):.3f} deg, at half max {np.min(wh):.3f} .. "
              f"{np.max(wh):.3f} deg (simulator's: {np.min(hw_obs[0, :, 0]):.3f} .. {np.max(hw_obs[0, :, 0]):.3f} "
              f"and {np.min(hh_obs[0, :, 0]):.3f} .. {np.max(hh_obs[0, :, 0]):.3f})")
        pvl = st.get("pv_length", ["sigma_Hz", "contrast"])
        print(f"  {name}: pv_length (|first Fourier moment| / mean) without noise {pvl[0, 0, 0]:.4f} .. "
              f"{pvl[0, -1, 0]:.4f}; with sigma {sig[1]:g} (trial mean) {pvl[1, 0].mean():.4f} at c = {c[0]:g}, "
              f"{pvl[1, len(c) // 2].mean():.4f} at c = {c[len(c) // 2]:g}, {pvl[1, -1].mean():.4f} at c = {c[-1]:g}")
        print(f"  {name}, sigma {sig[1]:g}: mean profile's half-width at 0 {nw0[0]:.2f} deg at c = {c[0]:g} -> "
              f"{nw0[-1]:.2f} at c = {c[-1]:g}, at half max {nwh[0]:.2f} -> {nwh[-1]:.2f}; mean rate "
              f"{P[1, 0].mean():.3f} Hz (no noise {clean[0].mean():.3f}) at c = {c[0]:g}")
        check(resid < 1e-4 and abs(slope / pk_th - 1) < 1e-3,
              f"{name}: noiseless peak linear in contrast ({slope:.4f} Hz per unit c, theory {pk_th:.4f}; residual "
              f"{resid:.1e} < 1e-4)")
        if kind == "broad":
            # the closed form, after 1 s (transient exp(-50))
            thg = theta_grid(N)
            err = max(np.max(np.abs(clean[k] - theory_profile(thg, p["J0"], p["J2"], p["eps"], p["A_Hz"] * ck)))
                      / (pk_th * ck) for k, ck in enumerate(c))
            check(err < 1e-5, f"weak: the linear closed form r = A c [(1 - eps)/(1 - J0) + eps cos 2theta / (1 - J2/2)] "
                              f"after {st.spec['duration_ms']:g} ms at all {len(c)} contrasts: max |diff| {err:.1e} "
                              f"of the peak (< 1e-5)")
            check(np.all(w0 == 90.0) and np.all(hw_obs[0, :, 0] == 90.0),
                  "weak: every rate positive at every contrast (half-width at zero 90 deg: no neuron silent, the "
                  "width is that of the whole ring)")
            trough, pk = (1 - p["eps"]) / (1 - p["J0"]) - p["eps"] / (1 - p["J2"] / 2), pk_th / p["A_Hz"]
            print(f"  weak: trough / peak = {trough / pk:.6f}: the half-max level lies exactly at the trough, so the "
                  f"half-width at half max is 90 deg (degenerate) at every contrast")
            axd.plot(theta_grid(N) * DEG, (clean / c[:, None]).T, color=col, lw=1, alpha=0.6)
            axd.plot(theta_grid(N) * DEG, theory_profile(theta_grid(N), p["J0"], p["J2"], p["eps"], p["A_Hz"]),
                     "k--", lw=1.2, label="weak: closed form / c")
            for k in (0, len(c) - 1):
                axd.plot(theta_grid(N) * DEG, mean_prof[k] / c[k], color="C2" if k == 0 else "C4", lw=1.5,
                         label=f"weak, sigma {sig[1]:g}: trial-mean profile / c at c = {c[k]:g}")
        else:
            spread = np.max(w0) - np.min(w0)
            check(spread < 1e-3 and abs(np.mean(w0) - t * DEG) < 0.05,
                  f"strong: half-width at zero contrast-invariant: {np.mean(w0):.4f} deg (spread {spread:.1e} over "
                  f"{len(c)} contrasts), theory (eps {p['eps']:g}) {t * DEG:.4f} deg")
            check(np.max(wh) - np.min(wh) < 1e-3 and abs(np.mean(wh) - wh_th) < 0.05,
                  f"strong: half-width at half max {np.mean(wh):.4f} deg at every contrast, theory {wh_th:.4f} deg")
            axe.plot(theta_grid(N) * DEG, (clean / c[:, None]).T, color=col, lw=1, alpha=0.6)
            axe.plot(theta_grid(N) * DEG, theory_profile(theta_grid(N), p["J0"], p["J2"], p["eps"], p["A_Hz"]),
                     "k--", lw=1.2, label=f"strong: narrow steady state / c (half-width {t * DEG:.2f} deg)")
            for k in (0, len(c) - 1):
                axe.plot(theta_grid(N) * DEG, mean_prof[k] / c[k], color="C2" if k == 0 else "C4", lw=1.5,
                         label=f"strong, sigma {sig[1]:g}: trial-mean profile / c at c = {c[k]:g}")
    axa.set(xlabel="contrast c", ylabel="half-width at zero rate (deg)", ylim=(0, 95),
            title="(a) half-width where r reaches 0 (dotted: theory)")
    axb.set(xlabel="contrast c", ylabel="half-width at half maximum (deg)", ylim=(0, 95),
            title="(b) half-width at half maximum (dotted: theory)")
    axc.set(xlabel="contrast c", ylabel="peak rate (Hz)", title="(c) peak rate against contrast (dotted: theory)")
    axd.set(xlabel="theta (deg)", ylabel="r / c (Hz)", xlim=(-90, 90),
            title="(d) weak regime: r / c for all contrasts (thin lines, no noise) collapse")
    axe.set(xlabel="theta (deg)", ylabel="r / c (Hz)", xlim=(-90, 90),
            title="(e) strong regime: r / c for all contrasts collapse")
    for ax in (axa, axb, axc, axd, axe):
        ax.legend(fontsize=6.5, loc="best")

    # (f) marginal widths, eps = 0
    J2f = np.linspace(2.02, 12, 300)
    axf.plot(J2f, [theta_c(x) * DEG for x in J2f], "k-", lw=1.5, label="theta_c(J2): (J2/pi)(t - sin 4t / 4) = 1")
    axf.plot(J2f, [half_max_width_narrow(theta_c(x)) * DEG for x in J2f], "k--", lw=1,
             label="half-width at half max of that bump")
    for st, mk, col in ((mw, "o", "C1"), (mw1024, "s", "C2")):
        if st is None:
            continue
        J2s, c = st.ax("J2"), st.ax("contrast")
        P = st.get("profile_Hz", ["J2", "contrast"])[:, :, 0]      # (J2, c, N)
        hw = widths(P)
        hh = widths(P, 0.5)
        obs = st.get("half_width_deg", ["J2", "contrast"])[:, :, 0]
        pk = st.get("peak_Hz", ["J2", "contrast"])[:, :, 0]
        J0s = st.ax("J0")
        N = st.N()
        for j, J2 in enumerate(J2s):
            axf.plot(np.full(len(c), J2), hw[j], mk, color=col, mfc="none", ms=7,
                     label=f"N = {N}: extrapolated edge, c = {', '.join(f'{x:g}' for x in c)}" if j == 0 else None)
            axf.plot(np.full(len(c), J2), obs[j], "x", color=col, ms=6,
                     label=f"N = {N}: simulator's half_width_deg (biased up)" if j == 0 else None)
            axf.plot(np.full(len(c), J2), hh[j], mk, color=col, ms=4, label=None)
            tc = theta_c(J2) * DEG
            a_th = st.params_at(0)["A_Hz"] * c / (-np.cos(2 * theta_c(J2)) - J0s[j] * f0(theta_c(J2)))
            pk_th = a_th * (1 - np.cos(2 * theta_c(J2)))
            tol = 0.05 if N <= 256 else 0.01
            print(f"  eps = 0, N = {N}, J0 {J0s[j]:g}, J2 {J2:g}: half-width {np.mean(hw[j]):.4f} deg (simulator's "
                  f"{np.mean(obs[j]):.3f}, bias {np.mean(obs[j]) - tc:+.3f} deg = {(np.mean(obs[j]) - tc) * N / 180:.2f}"
                  f" neuron spacings), theory {tc:.4f}, docs/models/ring.md {MODELS_THETA_C.get(float(J2), np.nan):g}; "
                  f"peak / theory - 1: {np.max(np.abs(pk[j] / pk_th - 1)):.1e}")
            check(np.all(np.abs(hw[j] - tc) < tol) and abs(tc - MODELS_THETA_C[float(J2)]) < 0.005
                  and np.max(hw[j]) - np.min(hw[j]) < 1e-3,
                  f"eps = 0, N = {N}, J2 {J2:g}: half-width {np.mean(hw[j]):.3f} deg at every contrast, theory "
                  f"{tc:.3f} (docs/models/ring.md {MODELS_THETA_C[float(J2)]:g}; tolerance {tol:g})")
            check(np.max(np.abs(pk[j] / pk_th - 1)) < 2e-3,
                  f"eps = 0, N = {N}, J2 {J2:g}: peak {', '.join(f'{x:.3f}' for x in pk[j])} Hz = a (1 - cos 2theta_c), "
                  f"a = A c / (-cos 2theta_c - J0 f0) (within 0.2 %)")
    axf.set(xlabel="J2", ylabel="half-width (deg)", ylim=(0, 92), xlim=(0, 12.2),
            title="(f) eps = 0 bumps: the width is set by J2 alone (filled: at half max)")
    axf.axvline(2, color="0.5", ls=":", lw=1)
    axf.legend(fontsize=6.5, loc="upper right")
    fig.suptitle("Contrast invariance: with input proportional to c the steady profile scales with c "
                 "(positively homogeneous dynamics); noise breaks it at low contrast", fontsize=12)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    footnote(fig, [weak, strong, mw, mw1024])
    nbplot.save(fig, a.figures, "ring_contrast.png", "plot.py")


# ---- Figure 3: the phase diagram ------------------------------------------------------------------------------------

def classify(st):
    ra = st.get("runaway", ["J0", "J2"])[..., 0]
    hw = st.get("half_width_deg", ["J0", "J2"])[..., 0]
    conv = st.get("converged_ms", ["J0", "J2"])[..., 0]
    cls = np.where(ra == 1, 2, np.where(hw < 90, 1, 0))
    return cls, np.isnan(conv) & (ra == 0)


def theory_classes(J0, J2, eps):
    J0c = np.array([J0_critical(x) for x in J2])
    broad = (J0[:, None] < 1) & (J2[None, :] < 2) & (J2[None, :] <= J2_broad(J0, eps)[:, None])
    unstable = J0[:, None] >= J0c[None, :]
    return np.where(unstable, 2, np.where(broad, 0, 1)), J0c


def draw_theory_lines(ax, eps, J0, J2):
    J2f = np.linspace(2.0001, J2[-1], 400)
    J0c = np.array([J0_critical(x) for x in J2f])
    ax.plot([1, 1], [J2[0], 2], "k-", lw=1.2, label="J0 = 1 (J2 < 2): amplitude instability of the broad state")
    ax.plot(J0c, J2f, "k--", lw=1.2, label="J0 = J0_c(J2) = -cos 2theta_c / f0(theta_c): the bump's amplitude "
                                          "instability")
    J0l = np.linspace(J0[0], 1, 200)
    lab = "J2 = 2: homogeneous -> marginal bump" if eps == 0 else \
        f"J2 = 2 - 2 eps (1 - J0)/(1 - eps): broad -> narrow (rates touch 0)"
    ax.plot(J0l, np.clip(J2_broad(J0l, eps), J2[0], None) if eps else np.full_like(J0l, 2.0), "k:", lw=1.5, label=lab)


def figure_phase(a, ph0, ph1):
    print("ring_phase_diagram.png")
    fig, axes = plt.subplots(2, 2, figsize=(15, 13))
    cmap = ListedColormap(CLASS_COLORS)
    col_off = []
    for ax, st, tag in ((axes[0, 0], ph0, "a"), (axes[0, 1], ph1, "b")):
        if st is None:
            continue
        p = st.params_at(0)
        eps = p["eps"]
        J0, J2 = st.ax("J0"), st.ax("J2")
        cls, unconv = classify(st)
        T, J0c = theory_classes(J0, J2, eps)
        d0, d2 = J0[1] - J0[0], J2[1] - J2[0]
        ax.imshow(cls.T, origin="lower", aspect="auto", cmap=cmap, vmin=-0.5, vmax=2.5, interpolation="nearest",
                  extent=(J0[0] - d0 / 2, J0[-1] + d0 / 2, J2[0] - d2 / 2, J2[-1] + d2 / 2))
        ii, jj = np.nonzero(unconv)
        ax.plot(J0[ii], J2[jj], ",", color="0.3", alpha=0.5)
        mis = T != cls
        mi, mj = np.nonzero(mis)
        ax.plot(J0[mi], J2[mj], "o", color="#1b9e77", ms=1.8, mew=0, label=f"{mis.sum()} rings whose class differs "
                                                                            f"from the theory's")
        draw_theory_lines(ax, eps, J0, J2)
        for k, name in enumerate(CLASS_NAMES):
            ax.fill_between([], [], color=CLASS_COLORS[k], label=f"{name}: {np.sum(cls == k)}")
        ax.plot([], [], ".", color="0.25", label=f"{unconv.sum()} bounded points still moving at the end")
        ax.set(xlim=(J0[0] - d0 / 2, J0[-1] + d0 / 2), ylim=(J2[0] - d2 / 2, J2[-1] + d2 / 2), xlabel="J0",
               ylabel="J2", title=f"({tag}) eps = {eps:g}: {len(J0)} x {len(J2)} rings (N {st.N()}, c "
                                   f"{p['contrast']:g}, {st.spec['duration_ms']:g} ms at dt {st.spec['dt_ms']:g} ms, "
                                   f"runaway at {p['runaway_Hz']:g} Hz)")
        ax.grid(False)
        ax.legend(fontsize=7, loc="upper right", framealpha=0.85, markerscale=3)
        agree = 1 - mis.mean()
        # distance (grid cells) of each disagreeing point from the nearest theory-class change
        dist = []
        for i, j in zip(mi, mj):
            r = 1
            while r < 20:
                win = T[max(i - r, 0):i + r + 1, max(j - r, 0):j + r + 1]
                if np.any(win == cls[i, j]):
                    break
                r += 1
            dist.append(r)
        dist = np.array(dist) if dist else np.zeros(0)
        print(f"  eps {eps:g}: classes {[int(np.sum(cls == k)) for k in range(3)]} (homogeneous/broad, bump, runaway),"
              f" theory {[int(np.sum(T == k)) for k in range(3)]}; agreement {100 * agree:.2f} %; {mis.sum()} "
              f"disagree (theory -> simulated: "
              f"{', '.join(f'{a_}->{b_}: {int(np.sum((T == a_) & (cls == b_)))}' for a_ in range(3) for b_ in range(3) if a_ != b_ and np.any((T == a_) & (cls == b_)))})"
              f", all within {dist.max() if dist.size else 0} grid cells of a theory boundary; "
              f"{unconv.sum()} bounded points not converged")
        check(agree > 0.99, f"phase diagram eps {eps:g}: {100 * agree:.2f} % of the {cls.size} rings in the theory's "
                            f"class (> 99 %)")
        # rings on the broad/narrow line itself (the trough touches zero in theory; a grid point can sit on the line)
        on_line = (np.abs(J2[None, :] - J2_broad(J0, eps)[:, None]) < 0.01 * d2) & (J0[:, None] < 1)
        settled = mis & ~unconv & (cls != 2)
        print(f"  eps {eps:g}: {settled.sum()} disagreeing rings have converged, {np.sum(settled & on_line)} of them on "
              f"the broad/narrow line (trough exactly 0 in theory: a tie)")
        check(not np.any(settled & ~on_line) and (dist.max() if dist.size else 0) <= 3,
              f"phase diagram eps {eps:g}: every disagreeing ring is still moving after {st.spec['duration_ms']:g} ms "
              f"(near a boundary the dynamics slow down) or sits on the broad/narrow line, and all lie within 3 grid "
              f"cells of a theory boundary")
        # the simulated amplitude-instability boundary per J2 column: between the last bounded J0 and the first runaway
        first = np.argmax(cls == 2, axis=0)
        col_off.append((eps, J2, J0[first] - d0 / 2 - J0c, d0))
    # (c) bump widths over the eps = 0 diagram
    axc = axes[1, 0]
    if ph0 is not None:
        J0, J2 = ph0.ax("J0"), ph0.ax("J2")
        cls, unconv = classify(ph0)
        hw_obs = ph0.get("half_width_deg", ["J0", "J2"])[..., 0]
        P = ph0.get("profile_Hz", ["J0", "J2"])[..., 0, :]
        sel = (cls == 1) & ~unconv
        hw = np.full(cls.shape, np.nan)
        hw[sel] = widths(P[sel])
        G0, G2 = np.meshgrid(J0, J2, indexing="ij")
        tc = np.array([theta_c(x) * DEG if x > 2 else np.nan for x in J2])
        dev = hw - tc[None, :]
        dev_obs = hw_obs - tc[None, :]
        spacing = 180.0 / ph0.N()
        axc.scatter(G2[sel], dev_obs[sel], c="0.6", s=2, lw=0,
                    label="simulator's half_width_deg - theta_c(J2) (the input's zero crossing)")
        sc = axc.scatter(G2[sel], dev[sel], c=G0[sel], s=2, cmap="viridis", lw=0,
                         label="extrapolated edge - theta_c(J2) (colour: J0)")
        fig.colorbar(sc, ax=axc, pad=0.01, label="J0")
        axc.axhline(0, color="r", lw=1)
        axc.axhline(spacing, color="0.4", ls=":", lw=1, label=f"one neuron spacing ({spacing:.2f} deg)")
        # away from J2 = 2 (critical slowing) the widths follow theta_c(J2) whatever J0
        far = sel & (G2 > 2.5)
        print(f"  eps 0 bumps: {sel.sum()} converged; half-width - theta_c(J2): max |diff| {np.nanmax(np.abs(dev[far])):.3f}"
              f" deg for J2 > 2.5 (neuron spacing {spacing:.2f} deg), simulator's half_width_deg - theta_c: "
              f"{np.nanmean(dev_obs[far]):+.3f} deg on average ({np.nanmin(dev_obs[far]):+.3f} .. "
              f"{np.nanmax(dev_obs[far]):+.3f})")
        check(np.nanmax(np.abs(dev[far])) < 0.25 * spacing,
              f"phase diagram eps 0: all {far.sum()} converged bumps with J2 > 2.5 have half-width theta_c(J2) "
              f"(independent of J0 from {G0[far].min():g} to {G0[far].max():.2f}) within "
              f"{np.nanmax(np.abs(dev[far])):.3f} deg (< a quarter neuron spacing)")
        axc.set(xlabel="J2", ylabel="half-width - theta_c(J2) (deg)", ylim=(-0.3, 1.6),
                title=f"(c) eps = 0: every converged bump ({sel.sum()}): half-width against theta_c(J2), any J0")
        axc.legend(fontsize=8, markerscale=4, loc="upper right")
    axd = axes[1, 1]
    for eps, J2, off, d0 in col_off:
        m = J2 > 2.05
        axd.plot(J2[m], off[m] / d0, "o" if eps == 0 else "s", ms=3, mfc="none",
                 label=f"eps = {eps:g}: (first runaway J0 - half a step) - J0_c(J2), in J0 steps")
        print(f"  eps {eps:g}: simulated amplitude boundary (midway between last bounded and first runaway J0) - "
              f"J0_c(J2): {np.mean(off[m]):+.3f} on average ({np.mean(off[m]) / d0:+.2f} J0 steps), range "
              f"{np.min(off[m]):+.3f} .. {np.max(off[m]):+.3f} for J2 > 2.05")
        check(np.all(np.abs(off[m]) < 3 * d0),
              f"eps {eps:g}: the simulated amplitude instability lies within 3 J0 steps of J0_c(J2) in every column "
              f"J2 > 2.05 (largest {np.max(np.abs(off[m])) / d0:.2f} steps)")
    axd.axhline(0, color="k", lw=1)
    axd.axhspan(-0.5, 0.5, color="0.85", lw=0, label="+- half a grid step")
    axd.set(xlabel="J2", ylabel="simulated - theory (J0 grid steps)",
            title="(d) the bump's amplitude instability, simulated against J0_c(J2) (eps 0 and 0.1 coincide)")
    axd.legend(fontsize=8)
    fig.suptitle("Phase diagram of the ring model in (J0, J2), each ring classified from its observables; "
                 "theory lines for eps -> 0 (and the broad/narrow line for eps > 0)", fontsize=12)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    footnote(fig, [ph0, ph1])
    nbplot.save(fig, a.figures, "ring_phase_diagram.png", "plot.py")


# ---- Figure 4: bump diffusion ---------------------------------------------------------------------------------------

def figure_diffusion(a, st):
    print("ring_diffusion.png")
    p = st.params_at(0)
    sig = st.ax("sigma_Hz")
    trials = int(st.spec["trials"])
    t = st.npy("trace_t_ms")
    C = st.npy("trace_pv_cos_Hz").astype(float)
    S = st.npy("trace_pv_sin_Hz").astype(float)
    ids = st.npy("trace_instances").astype(np.int64)
    raw = 0.5 * np.arctan2(S, C) * DEG
    psi = 0.5 * np.unwrap(np.arctan2(S, C), axis=1) * DEG
    dpsi = psi - psi[:, :1]
    dt, tau, N = st.spec["dt_ms"], p["tau_ms"], st.N()
    Ac = p["A_Hz"] * p["contrast"]
    ra = st.get("runaway", ["sigma_Hz"])
    hw = st.get("half_width_deg", ["sigma_Hz"])
    fit_from = 300.0
    m = t >= fit_from
    rng = np.random.default_rng(0)
    fig, axes = plt.subplots(2, 2, figsize=(15, 10.5))
    (axa, axb), (axc, axd) = axes
    cols = plt.cm.viridis(np.linspace(0.05, 0.85, len(sig)))
    Ds, Dlo, Dhi, Dth, Dact = [], [], [], [], []
    show = len(sig) - 2 if len(sig) > 2 else len(sig) - 1
    for k, s in enumerate(sig):
        rows = ids // trials == k
        X = dpsi[rows]
        var = X.var(axis=0, ddof=1)
        slope, icpt = np.polyfit(t[m], var[m], 1)
        pred = slope * t[m] + icpt
        r2 = 1 - np.sum((var[m] - pred) ** 2) / np.sum((var[m] - var[m].mean()) ** 2)
        boots = []
        for _ in range(a.bootstrap):
            Xb = X[rng.integers(0, len(X), len(X))]
            boots.append(np.polyfit(t[m], Xb[:, m].var(axis=0, ddof=1), 1)[0] / 2)
        lo, hi = np.percentile(boots, [2.5, 97.5])
        D = slope / 2
        full, act = diffusion_theory(N, p["J0"], p["J2"], Ac, s, dt, tau)
        Ds.append(D), Dlo.append(lo), Dhi.append(hi), Dth.append(full), Dact.append(act)
        raw_var = raw[rows].var(axis=0, ddof=1)
        print(f"  sigma {s:g}: Var(psi) at {t[-1]:g} ms {var[-1]:.2f} deg^2 (wrapped angle without unwrapping: "
              f"{raw_var[-1]:.0f}); fit t >= {fit_from:g} ms: D = {D:.3e} deg^2/ms (95 % bootstrap {lo:.3e} .. "
              f"{hi:.3e}), R^2 {r2:.4f}, intercept {icpt:.2f} deg^2; theory {full:.3e} (active neurons only "
              f"{act:.3e}); D / theory {D / full:.3f}; final half-width {np.mean(hw[k]):.1f} deg, drift "
              f"{X[:, -1].mean():+.2f} deg")
        axb.plot(t, var / s ** 2, color=cols[k], lw=1.6, label=f"sigma {s:g}: D = {D:.2e} deg^2/ms (theory {full:.2e})")
        axb.plot(t[m], pred / s ** 2, color="k", lw=0.8, ls="--")
        axb.plot(t, (2 * full * (t - fit_from) + slope * fit_from + icpt) / s ** 2, color=cols[k], lw=0.8, ls=":")
        if s <= 8:
            check(ra[k].sum() == 0 and np.all(hw[k] < 90),
                  f"diffusion, sigma {s:g}: every one of {trials} rings keeps a bump (no runaway, half-width < 90; "
                  f"mean {np.mean(hw[k]):.1f} deg)")
            check(r2 > 0.98, f"diffusion, sigma {s:g}: Var(psi) grows linearly after {fit_from:g} ms (R^2 {r2:.4f} "
                             f"> 0.98)")
            check(abs(D / full - 1) < 0.15,
                  f"diffusion, sigma {s:g}: D = {D:.3e} deg^2/ms, small-noise theory {full:.3e} "
                  f"(ratio {D / full:.3f}, within 15 %; bootstrap 95 % {lo / full:.3f} .. {hi / full:.3f})")
        if k == show:
            for i in range(min(40, len(X))):
                axa.plot(t, raw[rows][i], color="0.75", lw=0.5)
                axa.plot(t, psi[rows][i], color=cols[k], lw=0.7)
            axa.plot([], [], color="0.75", lw=0.5, label="0.5 atan2(pv_sin, pv_cos): wraps at +-90 deg")
            axa.plot([], [], color=cols[k], lw=0.7, label="unwrapped: 0.5 unwrap(atan2(...))")
            axa.axhline(90, color="k", ls=":", lw=1)
            axa.axhline(-90, color="k", ls=":", lw=1)
            axa.set_title(f"(a) bump orientation psi(t): 40 of {trials} trials at sigma {s:g} Hz/sqrt(ms),\n"
                          f"started at theta_0 = {p['theta_0_rad'] * DEG:.1f} deg, next to the +-90 deg wrap")
            # (d) displacement histogram at the end
            xe = X[:, -1]
            axd.hist(xe, bins=40, density=True, color=cols[k], alpha=0.6,
                     label=f"psi({t[-1]:g} ms) - psi(0), sigma {s:g}")
            xx = np.linspace(xe.min(), xe.max(), 200)
            axd.plot(xx, stats.norm.pdf(xx, xe.mean(), xe.std(ddof=1)), "k-", lw=1.2,
                     label=f"normal, SD {xe.std(ddof=1):.2f} deg")
            ks = stats.kstest((xe - xe.mean()) / xe.std(ddof=1), "norm")
            axd.set_title(f"(d) displacement after {t[-1] / 1000:g} s: Gaussian (KS p = {ks.pvalue:.2f})")
            check(ks.pvalue > 0.01, f"diffusion, sigma {s:g}: displacement after {t[-1]:g} ms is Gaussian "
                                    f"(Kolmogorov-Smirnov p = {ks.pvalue:.2f} > 0.01)")
    Ds, Dlo, Dhi, Dth, Dact = map(np.array, (Ds, Dlo, Dhi, Dth, Dact))
    small = sig <= 8
    expo = np.polyfit(np.log(sig[small]), np.log(Ds[small]), 1)[0]
    check(abs(expo - 2) < 0.2, f"diffusion: D ~ sigma^{expo:.2f} for sigma <= 8 (theory: sigma^2)")
    axc.errorbar(sig, Ds, yerr=[Ds - Dlo, Dhi - Ds], fmt="o", color="k", ms=5, capsize=3,
                 label="fitted D (95 % bootstrap over trials)")
    ss = np.geomspace(sig[0] * 0.8, sig[-1] * 1.2, 50)
    axc.plot(ss, [diffusion_theory(N, p["J0"], p["J2"], Ac, x, dt, tau)[0] for x in ss], "C3-", lw=1.4,
             label="theory: every neuron's rectified noise projected on the zero mode")
    axc.plot(ss, [diffusion_theory(N, p["J0"], p["J2"], Ac, x, dt, tau)[1] for x in ss], "C0--", lw=1.2,
             label="active neurons only: (dt/tau)^2 sigma^2 J2 / (8 a^2 N) ~ sigma^2")
    axc.set(xscale="log", yscale="log", xlabel="sigma (Hz/sqrt(ms))", ylabel="D (deg^2/ms)",
            title=f"(c) diffusion coefficient against noise (D ~ sigma^{expo:.2f} for sigma <= 8)")
    axc.legend(fontsize=8)
    axa.set(xlabel="time (ms)", ylabel="psi (deg)")
    axa.legend(fontsize=8, loc="lower left")
    axb.axvline(fit_from, color="0.5", ls=":", lw=1)
    axb.set(xlabel="time (ms)", ylabel="Var[psi(t) - psi(0)] / sigma^2 (deg^2 ms / Hz^2)", ylim=(0, None),
            title=f"(b) variance over {trials} trials / sigma^2: linear once the bump has formed\n(dashed: fit from "
                  f"{fit_from:g} ms; dotted: theory slope through the fit at {fit_from:g} ms)")
    axb.legend(fontsize=8, loc="upper left")
    axd.set(xlabel="displacement (deg)", ylabel="density")
    axd.legend(fontsize=8)
    fig.suptitle(f"Bump diffusion in the marginal phase (eps 0, J0 {p['J0']:g}, J2 {p['J2']:g}, c {p['contrast']:g}, "
                 f"N {N}, dt {dt:g} ms): the population-vector angle does a random walk", fontsize=12)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    footnote(fig, [st])
    nbplot.save(fig, a.figures, "ring_diffusion.png", "plot.py")


STUDIES = ("ring_panels_weak", "ring_panels_strong", "ring_panels_untuned", "ring_contrast_weak", "ring_contrast_strong",
           "ring_marginal_width", "ring_marginal_width_n1024", "ring_phase_eps0", "ring_phase_eps01", "ring_diffusion")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", required=True, help="directory holding the ring_* neurobatch outputs")
    ap.add_argument("--figures", help="where to write the PNGs (default: RESULTS/figures/ring; "
                    "experiments/ring/figures/ holds the committed gallery: write there only to update it)")
    ap.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples of the diffusion fits")
    a = ap.parse_args(argv)
    if a.figures is None:
        a.figures = os.path.join(a.results, "figures", "ring")
    if not os.path.isdir(a.results):
        ap.error(f"--results: '{a.results}' is not a directory")
    os.makedirs(a.figures, exist_ok=True)
    plt.rcParams.update({"axes.grid": True, "grid.alpha": 0.3, "font.size": 9})
    st = {name: load(a.results, name) for name in STUDIES}
    print(f"theory: theta_c(J2) = {', '.join(f'{theta_c(x) * DEG:.3f}' for x in (2.5, 4.5, 11))} deg at J2 = 2.5, "
          f"4.5, 11 (docs/models/ring.md 59.73, 42.49, 29.16); J0_c(J2) = "
          f"{', '.join(f'{J0_critical(x):.3f}' for x in (2.5, 4.5, 11, 12))} at J2 = 2.5, 4.5, 11, 12")
    for name, (J0, J2) in (("J2 = 2.5", (-1, 2.5)), ("J2 = 4.5", (-1, 4.5)), ("J2 = 11", (-7.3, 11))):
        check(abs(theta_c(J2) * DEG - MODELS_THETA_C[J2]) < 0.005,
              f"theory: theta_c({J2:g}) = {theta_c(J2) * DEG:.4f} deg, docs/models/ring.md {MODELS_THETA_C[J2]:g}")
    if st["ring_panels_weak"] or st["ring_panels_strong"] or st["ring_panels_untuned"]:
        figure_panels(a, st["ring_panels_weak"], st["ring_panels_strong"], st["ring_panels_untuned"])
    if st["ring_contrast_weak"] or st["ring_contrast_strong"]:
        figure_contrast(a, st["ring_contrast_weak"], st["ring_contrast_strong"], st["ring_marginal_width"],
                        st["ring_marginal_width_n1024"])
    if st["ring_phase_eps0"] or st["ring_phase_eps01"]:
        figure_phase(a, st["ring_phase_eps0"], st["ring_phase_eps01"])
    if st["ring_diffusion"]:
        figure_diffusion(a, st["ring_diffusion"])
    print("run times (summary.json run.wall_s):")
    for name, s in st.items():
        if s is not None:
            r, sp = s.run, s.spec
            steps = sp["instances"] * sp["n_steps"] * s.N()
            print(f"  {name:<28} {sp['instances']:>6} rings x {sp['n_steps']:>5} steps x N {s.N():>4}: "
                  f"{r['wall_s']:7.2f} s on {r['backend']} ({r.get('device', '')}), {steps / r['wall_s']:.2e} "
                  f"neuron-steps/s")
    print(f"plot.py: {CHECKS['ok'] + CHECKS['MISMATCH']} checks against docs/models/ring.md and the theory, "
          f"{CHECKS['MISMATCH']} mismatch(es)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
