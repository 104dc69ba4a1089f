"""Ben-Yishai ring (docs/models/ring.md) in NumPy as a dense matrix product per step, the form a NumPy user writes
(after benchmarks/ring_gemm.py): all rings in one (rings, N) array, one (N, N) connectivity for all of them.

    R <- R + dt/tau (-R + [H + R W^T]+),   W_jk = (J0 + J2 cos 2(theta_j - theta_k)) / N,
    H = A c (1 - eps + eps cos 2(theta - theta_cue)),   R(0) = r0 + alpha cos 2(theta - theta_0)

BLAS runs on `threads` threads: threadpoolctl where installed; the runner also sets OPENBLAS_NUM_THREADS.
"""
import contextlib
import time

import numpy as np

from workloads import RING, ring_outputs, steps


def run(size, threads=1, seed=1):
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # smoke runs in an environment without it: the environment variables hold
        threadpool_limits = lambda _: contextlib.nullcontext()  # noqa: E731
    p, f32 = RING, np.float32
    N = p["N"]
    theta = -np.pi / 2 + np.pi * np.arange(N) / N
    W_T = ((p["J0"] + p["J2"] * np.cos(2 * (theta[:, None] - theta[None, :]))) / N).T.astype(f32)
    contrast = np.linspace(p["contrast_lo"], p["contrast_hi"], size["rings"])[:, None]
    H = (p["A_Hz"] * contrast * (1 - p["eps"] + p["eps"] * np.cos(2 * (theta - p["theta_cue_rad"])))).astype(f32)
    R = np.tile(p["r0_Hz"] + p["alpha_Hz"] * np.cos(2 * (theta - p["theta_0_rad"])), (size["rings"], 1)).astype(f32)
    k, tiny = f32(p["dt_ms"] / p["tau_ms"]), np.finfo(f32).tiny
    noise = p["sigma_Hz"] * np.sqrt(p["dt_ms"])
    rng = np.random.default_rng(seed)
    I = np.empty_like(R)
    with threadpool_limits(threads):
        t0 = time.perf_counter()
        for _ in range(steps(p, size)):
            np.matmul(R, W_T, out=I)
            I += H
            if noise:
                I += f32(noise) * rng.standard_normal(I.shape, dtype=f32)
            np.maximum(I, 0, out=I)
            I -= R
            I *= k
            R += I
            # Flanks decay towards 0 geometrically and would sit in float32 subnormals, which x86 cores handle
            # 10-100x slower (the whole run took 43x longer); flushed to +0 below FLT_MIN as NeuroBatch's kernel does.
            np.copyto(R, 0, where=np.abs(R, out=I) < tiny)
        sim = time.perf_counter() - t0
    return dict(sim_seconds=sim, outputs=ring_outputs(R))
