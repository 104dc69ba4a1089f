#!/usr/bin/env python3
"""Figure of the self-sustained population (docs/models/self_sustained.md) from NeuroBatch results.

usage: plot.py --results DIR [--figures FIGDIR]

DIR holds, as scripts/demo names them:
    self_sustained_relax/  self_sustained_switch/  self_sustained_gE_sweep/     (neurobatch run outputs)
    self_sustained_fixed_points.json  self_sustained_bifurcation.json           (neurobatch fixed-points outputs)
    self_sustained_pulse_map/                                                   (neurobatch run output)
    self_sustained_bifurcation_I0.json                                          (neurobatch fixed-points output)
-> self_sustained.png: (a) s(t) from five initial values with the fixed points, (b) switching up and down by
pulses, (c) graphical fixed points G(s) = s against W(s), (d) fixed points against g_E with the simulated final
states from low and high initial conditions. Missing inputs leave their panel empty with a warning.
-> self_sustained_pulse_map.png (when self_sustained_pulse_map/ is present): (a) the final state over the grid of
pulse amplitude x pulse duration from the low state, with the fixed-point theory's switching boundary T*(A) and its
asymptote A = A_sn drawn over it, (b) the simulated boundary against T*(A) column by column.
The script prints the numbers it compares with docs/models/self_sustained.md and with the theory, tagged [ok] or [MISMATCH], and a
count at the end.

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
# docs/models/self_sustained.md (gamma = 0.64, g_E = 0.28, I_0 = 0.32)
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


# ---- Pulse map: switching theory (fixed points of the unpulsed system, saddle-node amplitude, minimal duration) ----
MODELS_SADDLE_I0_HIGH = 0.3216   # docs/models/self_sustained.md: bistable for I_0 in (0.3109, 0.3216) at g_E = 0.28
AMP_SN_TOL_FP = 1e-6             # theory A_sn against neurobatch fixed-points' I_0 saddle-node (both in double)
MAP_DISAGREE_FRACTION = 0.01     # at most this fraction of the grid may disagree with the theory...
MAP_DISAGREE_CELLS = 2.0         # ...and each such point lies within this many grid cells of the curve T*(A)
GL_NODES = 400                   # Gauss-Legendre nodes on each side of the minimum of f_A


def drift_per_ms(s, A, p):
    """f_A(s) = gamma F(g_E s + I_0 + A) (1 - s) - s / tau_s in 1/ms (F in Hz, so gamma F / 1000 per ms)."""
    s = np.asarray(s, dtype=float)
    return (p["gamma"] * F(p["g_E_nA"] * s + p["I_0_nA"] + A, p) * 1e-3 * (1.0 - s) - s / p["tau_s_ms"])


def bisect(fun, lo, hi, iters=200):
    """A root of fun in [lo, hi] (fun(lo), fun(hi) of opposite signs); vectorised over array bounds."""
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    flo = fun(lo)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        fm = fun(mid)
        same = np.sign(fm) == np.sign(flo)
        lo, flo, hi = np.where(same, mid, lo), np.where(same, fm, flo), np.where(same, hi, mid)
    return 0.5 * (lo + hi)


def unpulsed_fixed_points(p):
    """[s_low, s_u, s_high] of ds/dt = f_0(s): sign changes on a fine grid, refined by bisection."""
    s = np.linspace(0.0, 1.0, 100001)
    v = drift_per_ms(s, 0.0, p)
    idx = np.nonzero(np.sign(v[1:]) != np.sign(v[:-1]))[0]
    return [float(bisect(lambda x: drift_per_ms(x, 0.0, p), s[i], s[i + 1])) for i in idx]


def argmin_drift(A, lo, hi, p, iters=100):
    """Golden-section search for the minimum of f_A on [lo, hi] (vectorised over A)."""
    A = np.asarray(A, dtype=float)
    g = (np.sqrt(5.0) - 1.0) / 2.0
    a, b = np.full(A.shape, lo), np.full(A.shape, hi)
    for _ in range(iters):
        c, d = b - g * (b - a), a + g * (b - a)
        left = drift_per_ms(c, A, p) < drift_per_ms(d, A, p)
        a, b = np.where(left, a, c), np.where(left, d, b)
    return 0.5 * (a + b)


def saddle_node_amplitude(s_low, s_u, p):
    """A_sn: the smallest pulse amplitude for which f_A > 0 on all of [s_low, s_u] (the low state and the saddle
    have merged and vanished), by bisection on A over min f_A."""
    def min_drift(A):
        A = np.asarray(A, dtype=float)
        return drift_per_ms(argmin_drift(A, s_low, s_u, p), A, p)
    hi = 1e-3
    while min_drift(hi) <= 0:
        hi *= 2
    return float(bisect(min_drift, 0.0, hi, iters=100))


def minimal_duration_ms(A, s_low, s_u, A_sn, p, nodes=GL_NODES, chunk=1000):
    """T*(A) = integral from s_low to s_u of ds / f_A(s), in ms; inf for A <= A_sn. Gauss-Legendre on each side of
    the minimum of f_A, so that the nodes crowd where 1/f_A peaks (the bottleneck near A_sn)."""
    A = np.atleast_1d(np.asarray(A, dtype=float))
    out = np.full(A.shape, np.inf)
    x, w = np.polynomial.legendre.leggauss(nodes)
    idx = np.nonzero(A > A_sn)[0]
    for k in range(0, len(idx), chunk):
        ii = idx[k:k + chunk]
        Ai = A[ii][:, None]
        sm = argmin_drift(A[ii], s_low, s_u, p)[:, None]
        total = np.zeros(len(ii))
        for lo, hi in ((s_low, sm), (sm, s_u)):
            s = lo + (hi - lo) * (x[None, :] + 1.0) / 2.0
            total += np.ravel((hi - lo) / 2.0) * np.sum(w[None, :] / drift_per_ms(s, Ai, p), axis=1)
        out[ii] = total
    return out


def pulsed_steps_to_switch(A, s_u, p, dt, onset_ms, max_steps):
    """The simulator's scheme in numpy double: the exponential update with F frozen over each step, from s_init at
    t = 0, the pulse on from the first step at or after the onset. Returns per amplitude the number N of pulsed steps
    after which s >= s_u for the first time (0 where max_steps pulsed steps do not get there): a pulse switches iff
    it covers at least N steps, i.e. iff its duration exceeds (N - 1) dt."""
    A = np.asarray(A, dtype=float)
    s = np.full(A.shape, float(p["s_init"]))
    begin = int(np.ceil(onset_ms / dt - 1e-9))

    def step(s, amp):
        drive = p["gamma"] * F(p["g_E_nA"] * s + p["I_0_nA"] + amp, p) * 1e-3
        k = drive + 1.0 / p["tau_s_ms"]
        s_inf = drive / k
        return s_inf + (s - s_inf) * np.exp(-dt * k)

    for _ in range(begin):
        s = step(s, 0.0)
    N = np.zeros(A.shape, dtype=int)
    for n in range(1, max_steps + 1):
        s = step(s, A)
        N[(N == 0) & (s >= s_u)] = n
        if np.all(N > 0):
            break
    return N


def figure_pulse_map(results, figdir):
    """self_sustained_pulse_map.png: final state over pulse amplitude x duration with the theory's boundary."""
    pm = nbplot.load(results, "self_sustained_pulse_map")
    if pm is None:
        print(f"plot.py: {os.path.join(results, 'self_sustained_pulse_map')} missing: "
              f"self_sustained_pulse_map.png not drawn")
        return
    print("self_sustained_pulse_map.png")
    p = pm.params_at(0)
    dur, amp = pm.axis("pulse1_duration_ms"), pm.axis("pulse1_amplitude_nA")
    by_duration = pm.spec["axes"][0]["params"][0] == "pulse1_duration_ms"

    def on_grid(name):
        """An observable as (duration, amplitude), whichever order the spec's sweep lists the two axes in."""
        x = pm.npy(name)
        return x.reshape(len(dur), len(amp)) if by_duration else x.reshape(len(amp), len(dur)).T

    S = on_grid("s_final")
    dt, onset = pm.spec["dt_ms"], p["pulse1_onset_ms"]

    # theory, double precision
    fps = unpulsed_fixed_points(p)
    if not check(len(fps) == 3, f"pulse map: {len(fps)} fixed points without the pulse (bistable: 3)"):
        return
    s_low, s_u, s_high = fps
    A_sn = saddle_node_amplitude(s_low, s_u, p)
    T_grid = minimal_duration_ms(amp, s_low, s_u, A_sn, p)
    T_check = minimal_duration_ms(amp, s_low, s_u, A_sn, p, nodes=2 * GL_NODES)
    finite = np.isfinite(T_grid) & (T_grid < 1e5)
    quad_err = float(np.max(np.abs(T_check[finite] / T_grid[finite] - 1))) if finite.any() else 0.0
    print(f"  theory (python, double): s_low {s_low:.5f}, s_u {s_u:.5f}, s_high {s_high:.5f}; A_sn = {A_sn:.6f} nA "
          f"(I_0 + A_sn = {p['I_0_nA'] + A_sn:.6f} nA); T*(A) quadrature converged to {quad_err:.1e} (relative, "
          f"{GL_NODES} vs {2 * GL_NODES} nodes per side)")
    for A in (0.004, 0.005, 0.01, 0.02, 0.029):
        print(f"  T*({A:g} nA) = {minimal_duration_ms(A, s_low, s_u, A_sn, p)[0]:.1f} ms")
    check(abs(p["s_init"] - s_low) <= FP_TOL,
          f"pulse map starts in the low state: s_init {p['s_init']:g}, theory s_low {s_low:.5f}")
    check(abs(A_sn - (MODELS_SADDLE_I0_HIGH - p["I_0_nA"])) <= 1e-4,
          f"A_sn = {A_sn:.6f} nA, docs/models/self_sustained.md upper I_0 saddle-node {MODELS_SADDLE_I0_HIGH} - I_0 {p['I_0_nA']:g} = "
          f"{MODELS_SADDLE_I0_HIGH - p['I_0_nA']:.4f} nA (tolerance 1e-4)")
    bifI0 = load_json(results, "self_sustained_bifurcation_I0.json")
    if bifI0:
        sn = bifI0.get("saddle_nodes", {}).get("values", [])
        if sn:
            upper = max(sn)
            check(abs(A_sn - (upper - p["I_0_nA"])) <= AMP_SN_TOL_FP,
                  f"A_sn = {A_sn:.8f} nA, neurobatch fixed-points: I_0 saddle-nodes "
                  f"{', '.join(f'{v:.6f}' for v in sn)} nA, upper - I_0 = {upper - p['I_0_nA']:.8f} nA "
                  f"(|diff| {abs(A_sn - (upper - p['I_0_nA'])):.1e} <= {AMP_SN_TOL_FP:g})")
        else:
            check(False, "neurobatch fixed-points over I_0 found no saddle-node")

    # simulated outcome: switched iff s ends above the separatrix s_u (1-D dynamics: after the pulse s moves away
    # from s_u, so the side is final even where s has not settled yet)
    sw = S > s_u
    dd, dA = dur[1] - dur[0], amp[1] - amp[0]
    mono = bool(np.all(np.diff(sw.astype(int), axis=0) >= 0) and np.all(np.diff(sw.astype(int), axis=1) >= 0))
    check(mono, "outcome monotone: where a pulse switches, every longer or stronger one switches too")
    unsettled = (np.abs(S - s_low) > 1e-3) & (np.abs(S - s_high) > 1e-3)
    print(f"  {sw.sum()} of {sw.size} grid points switched; {unsettled.sum()} not yet within 1e-3 of a stable state "
          f"after {pm.spec['duration_ms']:g} ms (pulses ending near the separatrix leave it slowly)")
    base = np.concatenate([S[dur == 0].ravel(), S[:, amp == 0].ravel()])
    if base.size:
        check(np.max(np.abs(base - s_low)) <= 1e-4,
              f"no pulse (duration 0 or amplitude 0): s_final within {np.max(np.abs(base - s_low)):.1e} of s_low")
    if os.path.isfile(os.path.join(pm.path, "switch_up_ms.npy")) and abs(p["s_switch"] - s_u) <= FP_TOL:
        up = on_grid("switch_up_ms")
        pulse_end = onset + np.ceil(dur / dt - 1e-9) * dt   # the last pulsed step ends here
        crossed = np.isfinite(up)
        late = np.where(sw, up - pulse_end[:, None], -np.inf)
        check(np.array_equal(crossed, sw) and np.all(late <= 0),
              f"every switched point crossed s_switch = {p['s_switch']:g} (the separatrix) by the end of its pulse, "
              f"no other point crossed it (latest crossing {np.max(late):+.1f} ms from the pulse's end)")

    # theory outcome at the grid's nominal durations
    th = dur[:, None] >= T_grid[None, :]
    dis = th != sw
    # distance (in grid cells) of each disagreeing point to the curve T*(A), sampled finely
    A_fine = np.linspace(max(A_sn, amp[0]), amp[-1], 40 * len(amp) + 1)
    T_fine = minimal_duration_ms(A_fine, s_low, s_u, A_sn, p)
    keep = T_fine <= dur[-1] + 5 * dd
    cx, cy = (A_fine[keep] - amp[0]) / dA, (T_fine[keep] - dur[0]) / dd
    ii, jj = np.nonzero(dis)
    dist = np.array([np.min(np.hypot(cx - j, cy - i)) for i, j in zip(ii, jj)]) if len(ii) else np.zeros(0)
    frac = dis.sum() / dis.size
    check(frac <= MAP_DISAGREE_FRACTION and (dist.size == 0 or dist.max() <= MAP_DISAGREE_CELLS),
          f"simulation against theory (switch iff duration >= T*(A)): {dis.sum()} of {dis.size} grid points disagree "
          f"({100 * frac:.3f} %, at most {100 * MAP_DISAGREE_FRACTION:g} %), "
          f"{int(np.sum(dis & sw))} switched early / {int(np.sum(dis & ~sw))} late; farthest "
          f"{dist.max() if dist.size else 0:.2f} grid cells from the curve (at most {MAP_DISAGREE_CELLS:g})")
    # the simulator's own scheme in double (dt-level integrator error, no float32): it should reproduce the map
    N = pulsed_steps_to_switch(amp, s_u, p, dt, onset, int(np.ceil(dur[-1] / dt)) + 1)
    n_cov = np.ceil(dur / dt - 1e-9).astype(int)          # steps covered by each duration
    pred = (N[None, :] > 0) & (n_cov[:, None] >= N[None, :])
    n_diff = int(np.sum(pred != sw))
    check(n_diff <= max(2, dis.size // 10000),
          f"the simulator's scheme (exponential update, dt {dt:g} ms) iterated in numpy double predicts the simulated "
          f"float outcome at {dis.size - n_diff} of {dis.size} grid points ({n_diff} differ; allowed "
          f"{max(2, dis.size // 10000)})")
    Nc = N > 0
    if Nc.any():
        shift = N[Nc] * dt - T_grid[Nc]
        print(f"  integrator: the discrete scheme needs N dt - T*(A) = {shift.min():+.2f} .. {shift.max():+.2f} ms "
              f"(A = {amp[Nc][np.argmax(shift)]:.4f} nA at the largest) more pulse than the continuous theory")

    # smallest switching amplitude: the theory curve reaches the longest duration at A_top (T*(A_top) = max duration)
    cols = np.nonzero(sw.any(axis=0))[0]
    A_top = np.inf
    if T_grid[-1] < dur[-1]:
        A_top = float(bisect(lambda A: minimal_duration_ms(A, s_low, s_u, A_sn, p) - dur[-1],
                             A_sn * (1 + 1e-9), amp[-1], iters=80))
    if len(cols):
        A_min = amp[cols[0]]
        check(A_min > A_sn and abs(A_min - A_top) <= dA,
              f"smallest switching amplitude in the map {A_min:.6f} nA: above A_sn = {A_sn:.6f} nA and within one "
              f"amplitude step ({dA:.2e} nA) of the theory's A where T*(A) = {dur[-1]:g} ms, {A_top:.6f} nA "
              f"(T* grows without bound as A -> A_sn: A_sn itself lies outside a map of finite durations)")
    # the simulated boundary per amplitude column: [longest duration not switching, shortest switching]
    first = np.where(sw.any(axis=0), np.argmax(sw, axis=0), -1)
    ok_cols = (first > 0) & np.isfinite(T_grid)
    lo_b, hi_b = dur[np.maximum(first - 1, 0)], dur[np.maximum(first, 0)]
    offs = 0.5 * (lo_b + hi_b) - T_grid
    if ok_cols.any():
        print(f"  simulated boundary (bracket midpoint) - T*: mean {np.mean(offs[ok_cols]):+.2f} ms, range "
              f"{np.min(offs[ok_cols]):+.2f} .. {np.max(offs[ok_cols]):+.2f} ms over {ok_cols.sum()} columns "
              f"(duration step {dd:.2f} ms, dt {dt:g} ms)")

    fig, (axa, axb) = plt.subplots(1, 2, figsize=(15, 6.6), gridspec_kw={"width_ratios": [1.25, 1]})
    im = axa.imshow(S, origin="lower", aspect="auto", cmap="viridis", interpolation="nearest",
                    extent=(amp[0] - dA / 2, amp[-1] + dA / 2, dur[0] - dd / 2, dur[-1] + dd / 2))
    cb = fig.colorbar(im, ax=axa, pad=0.01)
    cb.set_label(f"s_final (after {pm.spec['duration_ms'] / 1000:g} s)")
    for v in (s_low, s_u, s_high):   # the fixed points: low, separatrix, high
        cb.ax.axhline(v, color="w" if v < 0.5 else "k", lw=1)
    axa.plot(A_fine[keep], T_fine[keep], color="r", lw=2,
             label="theory: T*(A) = integral of ds / f_A(s) from s_low to s_u")
    axa.axvline(A_sn, color="r", ls="--", lw=1.4, label=f"theory: A_sn = {A_sn:.5f} nA (the low state vanishes; "
                                                       f"T* -> inf)")
    if len(ii):
        axa.plot(amp[jj], dur[ii], "x", color="cyan", ms=5, mew=1.2,
                 label=f"{len(ii)} grid points disagreeing with theory")
    # the notebook's switching pulse (switch.json) when inside the map
    if amp[0] <= 0.029 <= amp[-1] and dur[0] <= 300 <= dur[-1]:
        axa.plot(0.029, 300, "*", color="w", mec="k", ms=13, label="switch.json's pulse (+0.029 nA, 300 ms)")
    axa.set(xlim=(amp[0] - dA / 2, amp[-1] + dA / 2), ylim=(dur[0] - dd / 2, dur[-1] + dd / 2),
            xlabel="pulse amplitude A (nA)", ylabel="pulse duration (ms)",
            title=f"(a) final state after one pulse from the low state: {len(dur)} x {len(amp)} instances, one run")
    axa.grid(False)
    axa.legend(fontsize=8, loc="upper right", framealpha=0.85)

    A_plot = A_fine[keep]
    if ok_cols.any():
        c = np.nonzero(ok_cols)[0]
        axb.fill_between(amp[c], lo_b[c] - T_grid[c], hi_b[c] - T_grid[c], step="mid", color="C0", alpha=0.55, lw=0,
                         label="simulated boundary: between the longest pulse that does not switch\n"
                               "and the shortest that does (per amplitude column), minus T*(A)")
        bad = c[(lo_b[c] >= T_grid[c]) | (hi_b[c] < T_grid[c])]
        if len(bad):
            axb.plot(amp[bad], np.full(len(bad), 1.55 * dd), "x", color="k", ms=4,
                     label=f"{len(bad)} columns where T*(A) lies outside that interval")
    if Nc.any():
        axb.fill_between(amp[Nc], (N[Nc] - 1) * dt - T_grid[Nc], N[Nc] * dt - T_grid[Nc], step="mid", color="k",
                         alpha=0.8, lw=0, label="the simulator's scheme iterated in double: the boundary lies between\n"
                                                "(N - 1) dt and N dt (N pulsed steps reach s_u), minus T*(A)")
    axb.axhline(0, color="r", lw=1.5, label="theory T*(A)")
    axb.set(xlabel="pulse amplitude A (nA)", ylabel="duration - T*(A) (ms)",
            xlim=(amp[0] - dA / 2, amp[-1] + dA / 2), ylim=(-2.5 * dd, 1.8 * dd),
            title=f"(b) simulated switching boundary against theory (duration step {dd:.2f} ms)")
    axb.axvline(A_sn, color="k", ls="--", lw=1)
    if len(A_plot):
        axb.axvspan(amp[0], A_plot[0], color="0.85", alpha=0.5, lw=0)
        axb.text(0.5 * (max(A_sn, amp[0]) + A_plot[0]), -1.2 * dd, f"T* > {dur[-1]:g} ms", ha="center", fontsize=7,
                 rotation=90)
    axb.legend(fontsize=8, loc="lower right")

    fig.suptitle("Switching the bistable population by one pulse: simulated final state against the fixed-point "
                 f"theory (gamma {p['gamma']:g}, g_E {p['g_E_nA']:g} nA, I_0 {p['I_0_nA']:g} nA, pulse at "
                 f"{onset:g} ms)", fontsize=11)
    fig.tight_layout(rect=(0, 0.04, 1, 0.96))
    footnote(fig, [pm])
    nbplot.save(fig, figdir, "self_sustained_pulse_map.png", "plot.py")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", required=True, help="directory holding the demo's self_sustained outputs")
    ap.add_argument("--figures", help="where to write the PNG (default: RESULTS/figures/self_sustained; "
                    "experiments/self_sustained/figures/ holds the committed gallery: write there only to update it)")
    a = ap.parse_args(argv)
    if a.figures is None:
        a.figures = os.path.join(a.results, "figures", "self_sustained")
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
        check(len(fps) == 3, f"{len(fps)} fixed points at gamma 0.64, g_E 0.28, I_0 0.32 (docs/models/self_sustained.md: 3)")
        for k, (ref, stable) in enumerate(MODELS_FP[:len(fps)]):
            fp = fps[k]
            check(abs(fp["s"] - ref) <= FP_TOL and fp["stable"] == stable,
                  f"fixed point {k}: s = {fp['s']:.5f} ({'stable' if fp['stable'] else 'unstable'}), docs/models/self_sustained.md "
                  f"{ref:.5f} ({'stable' if stable else 'unstable'}), |diff| {abs(fp['s'] - ref):.1e} <= {FP_TOL:g}")
            if k in MODELS_RATES:
                check(abs(fp["rate_Hz"] - MODELS_RATES[k]) <= RATE_TOL,
                      f"fixed point {k}: rate {fp['rate_Hz']:.3f} Hz, docs/models/self_sustained.md {MODELS_RATES[k]:.2f} Hz")
    if bif:
        sn = bif.get("saddle_nodes", {}).get("values", [])
        ok = len(sn) == 2 and all(abs(v - r) <= SN_TOL for v, r in zip(sn, MODELS_SADDLE_GE))
        check(ok, f"saddle nodes in g_E: {', '.join(f'{v:.4f}' for v in sn)} nA, docs/models/self_sustained.md "
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
                 "(docs/models/self_sustained.md)", fontsize=12)
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    footnote(fig, [relax, switch, sweep])
    nbplot.save(fig, a.figures, "self_sustained.png", "plot.py")

    figure_pulse_map(a.results, a.figures)
    print(f"plot.py: {CHECKS['ok'] + CHECKS['MISMATCH']} checks against docs/models/self_sustained.md and the fixed-point theory, "
          f"{CHECKS['MISMATCH']} mismatch(es)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
