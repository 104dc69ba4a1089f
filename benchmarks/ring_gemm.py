#!/usr/bin/env python3
"""The ring-model workload written the way a NumPy or PyTorch user would: a dense batched matrix product per step.

    R <- R + dt/tau (-R + relu(H + R @ W.T)),   R: (B, N) rates, W: (N, N) = (J0 + J2 cos 2(theta_j - theta_k)) / N

One W for the whole batch (the most favourable case for the dense approach: a per-instance W would be a batched
GEMM of B N^2 memory). Prints one JSON line per (backend, N, B), in the format of neurobatch-bench, so the two can
be compared: NeuroBatch's ring kernel does O(N) per ring and step (three moments), the dense form O(N^2).

    python3 benchmarks/ring_gemm.py [--backend numpy|torch-cpu|torch-cuda|all] [--steps 200]
"""
import argparse
import json
import time

import numpy as np


def weights(N, J0=-7.3, J2=11.0):
    theta = -np.pi / 2 + np.pi * np.arange(N) / N
    return ((J0 + J2 * np.cos(2 * (theta[:, None] - theta[None, :]))) / N).astype(np.float32)


def inputs(B, N, eps=0.1, A=40.0):
    theta = -np.pi / 2 + np.pi * np.arange(N) / N
    c = np.linspace(0.1, 0.8, B, dtype=np.float32)[:, None]
    return (A * c * (1 - eps + eps * np.cos(2 * theta)[None, :])).astype(np.float32)


def run_numpy(N, B, steps, k=0.01):
    W_T = weights(N).T.copy()
    H = inputs(B, N)
    R = np.zeros((B, N), np.float32)
    t0 = time.perf_counter()
    for _ in range(steps):
        R += k * (np.maximum(H + R @ W_T, 0.0) - R)
    return time.perf_counter() - t0, float(R.mean())


def run_torch(N, B, steps, device, k=0.01):
    import torch
    W_T = torch.from_numpy(weights(N).T.copy()).to(device)
    H = torch.from_numpy(inputs(B, N)).to(device)
    R = torch.zeros((B, N), dtype=torch.float32, device=device)
    for _ in range(3):  # warm-up (kernel selection, allocations)
        R.add_(k * (torch.relu(H + R @ W_T) - R))
    R.zero_()
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        R.add_(k * (torch.relu(H + R @ W_T) - R))
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0, float(R.mean())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", default="numpy", choices=["numpy", "torch-cpu", "torch-cuda", "all"])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--max-seconds", type=float, default=5.0, help="stop growing B once a run takes longer")
    args = ap.parse_args()
    backends = ["numpy", "torch-cpu", "torch-cuda"] if args.backend == "all" else [args.backend]
    for backend in backends:
        if backend.startswith("torch"):
            try:
                import torch
            except ImportError:
                print(json.dumps({"benchmark": "ring_gemm", "backend": backend, "skipped": "no torch"}))
                continue
            if backend == "torch-cuda" and not torch.cuda.is_available():
                print(json.dumps({"benchmark": "ring_gemm", "backend": backend, "skipped": "no CUDA device"}))
                continue
        for N in (64, 256, 1024, 4096):
            B = 100
            while B <= 100000:
                if backend == "numpy":
                    seconds, check = run_numpy(N, B, args.steps)
                else:
                    seconds, check = run_torch(N, B, args.steps, "cuda" if backend == "torch-cuda" else "cpu")
                print(json.dumps({"benchmark": f"ring_gemm_N{N}", "unit": "neuron-steps/s", "backend": backend,
                                  "instances": B, "steps": args.steps, "seconds": seconds,
                                  "throughput": B * N * args.steps / seconds, "mean_rate_Hz": check}), flush=True)
                if seconds > args.max_seconds:
                    break
                B *= 10


if __name__ == "__main__":
    main()
