#!/usr/bin/env python3
"""NeuroBatch's CUDA backend against JAX on the same GPU, on the workloads that have a JAX version (lif, decision),
at GPU sizes (workloads.py: "gpu"). Run by `scripts/bench-peers --gpu`.

    python gpu.py --nb build/neurobatch [--only lif,decision] [--repeats 3] [--smoke] [--json-out FILE]

Tools: neurobatch-cuda (exact) and neurobatch-cuda-fast, and jax-gpu: the same JAX module as on the CPU
(lif_jax.py, decision_jax.py) with JAX_PLATFORMS=cuda, timed after compilation. Repetitions interleave the tools;
medians are reported. JAX is checked against NeuroBatch CUDA exact with the CPU harness's agreement rules, and the
two NeuroBatch modes against each other. Where the build has no CUDA backend, no GPU is visible, or JAX has no GPU
backend, the tool is reported as skipped with the reason. Exit status: 0 when the tools that could run ran and
agreed, 1 when a run failed or a tool disagreed, 77 when no tool could run (CTest's Peers.GpuSmoke reports that as
skipped).
"""
import argparse
import datetime
import json
import os
import pathlib
import statistics
import subprocess
import sys

import bench
import workloads as wl

GPU_WORKLOADS = ("lif", "decision")


def nb_cuda_reason(nb):
    """None when `nb` can run its CUDA backend here, else why not."""
    info = json.loads(subprocess.run([nb, "info"], capture_output=True, text=True, check=True).stdout)
    cuda = info["backends"]["cuda"]
    return None if cuda.get("available") else cuda.get("reason", "CUDA backend unavailable")


def jax_gpu_reason():
    code = "import jax; d = jax.devices('gpu'); print(d[0].device_kind)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if r.returncode == 0:
        return None
    return "JAX has no GPU backend here (install jax[cuda13]): " + (r.stderr.strip().splitlines() or ["?"])[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nb", default=str(bench.ROOT / "build" / "neurobatch"))
    ap.add_argument("--only", default=",".join(GPU_WORKLOADS))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--smoke", action="store_true", help="the CPU harness's smoke sizes, one repetition")
    ap.add_argument("--json-out")
    ap.add_argument("--work", default=str(bench.ROOT / "results" / "bench-peers-gpu"))
    args = ap.parse_args()
    names = [n for n in args.only.split(",") if n]
    unknown = [n for n in names if n not in GPU_WORKLOADS]
    if unknown:
        ap.error(f"GPU workloads are {', '.join(GPU_WORKLOADS)}, not {unknown}")
    work = pathlib.Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    skips = {}
    why = nb_cuda_reason(args.nb)
    if why:
        skips["neurobatch-cuda"] = skips["neurobatch-cuda-fast"] = why
    why = jax_gpu_reason()
    if why:
        skips["jax-gpu"] = why
    tools = [t for t in ("neurobatch-cuda", "neurobatch-cuda-fast", "jax-gpu") if t not in skips]
    date = datetime.datetime.now().astimezone().isoformat(timespec="seconds")

    runs, failed, lines = {}, False, []
    for name in names:
        size = wl.WORKLOADS[name]["smoke" if args.smoke else "gpu"]
        for rep in range(1 if args.smoke else args.repeats):
            for tool in tools:
                try:
                    if tool == "jax-gpu":
                        r = bench.run_peer("jax", name, size, len(os.sched_getaffinity(0)), work,
                                           env={"JAX_PLATFORMS": "cuda"})
                    else:
                        math = "fast" if tool.endswith("fast") else "exact"
                        r = bench.run_nb(args.nb, name, size, 0, work / f"{name}-{tool}", math, backend="cuda")
                        r.pop("version")
                except Exception as e:  # one tool failing must not stop the others
                    print(f"[{name} {rep + 1}/{args.repeats}] {tool}: FAILED: {e}", file=sys.stderr)
                    failed = True
                    continue
                runs.setdefault((name, tool), []).append(r)
                print(f"[{name} {rep + 1}/{args.repeats}] {tool}: {r['sim_seconds']:.3f} s", file=sys.stderr)
        ref = runs.get((name, "neurobatch-cuda"))
        for tool in ("neurobatch-cuda", "neurobatch-cuda-fast", "jax-gpu"):
            line = dict(date=date, workload=name, size=size, tool=tool, work=wl.work(name, size),
                        unit=wl.WORKLOADS[name]["unit"], repeats=args.repeats)
            if tool in skips or (name, tool) not in runs:
                lines.append(dict(line, skipped=skips.get(tool, "every run failed")))
                continue
            rs = runs[(name, tool)]
            line["sim_seconds"] = statistics.median(r["sim_seconds"] for r in rs)
            line["throughput"] = line["work"] / line["sim_seconds"]
            if ref and tool != "neurobatch-cuda":
                ok, detail = wl.agree(name, ref[0]["outputs"], rs[0]["outputs"])
                line.update(agree=ok, agree_detail=detail)
                failed |= not ok
            lines.append(line)

    print(f"\nNeuroBatch CUDA against JAX on the GPU (median of {args.repeats})")
    for l in lines:
        if "skipped" in l:
            print(f"{l['workload']:<9} {l['tool']:<21} skipped: {l['skipped']}")
            continue
        jax_line = next((j for j in lines if j["workload"] == l["workload"] and j["tool"] == "jax-gpu"
                         and "sim_seconds" in j), None)
        ratio = f"{jax_line['sim_seconds'] / l['sim_seconds']:.2f}x JAX" if jax_line and l is not jax_line else ""
        print(f"{l['workload']:<9} {l['tool']:<21} {l['sim_seconds']:>9.4f} s  {l['throughput']:.3e} {l['unit']}/s  "
              f"{ratio}  {'' if 'agree' not in l else ('agrees' if l['agree'] else 'DISAGREES: ' + l['agree_detail'])}")
    for l in lines:
        print(json.dumps(l))
    if args.json_out:
        pathlib.Path(args.json_out).write_text("".join(json.dumps(l) + "\n" for l in lines))
    if not tools:
        print("SKIPPED: no tool can run on a GPU here (reasons above)")
        return 77
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
