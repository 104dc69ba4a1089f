#!/usr/bin/env python3
"""A refactor keeps the speed: neurobatch-bench of two builds, interleaved, median of the repetitions.

  benchmarks/compare_builds.py BEFORE/neurobatch-bench AFTER/neurobatch-bench [--only a,b]
      [--instances N] [--steps N] [--repeats R] [--cpu-math exact|fast|both]

neurobatch-bench runs each benchmark on 1 thread and on all of OpenMP's (OMP_NUM_THREADS). Each benchmark runs once per build per repetition, the two builds alternating, so that a machine
whose speed drifts (a shared host) drifts for both alike. Prints a table of median throughputs and after/before, then
one JSON line per row. CPU only: GPU timings come from scripts/gpu-check.
"""
import argparse
import json
import statistics
import subprocess
import sys


def run_bench(binary, name, args):
    """{(threads, math): throughput}: neurobatch-bench runs 1 thread and all of OpenMP's."""
    cmd = [binary, "--cpu-only", "--only", name, "--cpu-math", args.cpu_math, "--steps", str(args.steps),
           "--min-instances", str(args.instances), "--max-instances-cpu", str(args.instances)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows = {}
    for line in out.splitlines():
        try:
            r = json.loads(line)
        except json.JSONDecodeError:
            continue
        if r.get("benchmark") == name and r.get("instances") == args.instances:
            rows[(r["threads"], r["math"])] = r["throughput"]
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--only", default="lif_noisy,adex_noisy,synapse_poisson,lif_cond_100_inputs,decision")
    ap.add_argument("--instances", type=int, default=100000)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cpu-math", default="both", choices=["exact", "fast", "both"])
    args = ap.parse_args()

    results = {}  # (name, threads, math, build) -> [throughput]
    for rep in range(args.repeats):
        for name in args.only.split(","):
            for build, binary in (("before", args.before), ("after", args.after)):
                for (threads, math), tp in run_bench(binary, name, args).items():
                    results.setdefault((name, threads, math, build), []).append(tp)
        print(f"repetition {rep + 1} of {args.repeats} done", file=sys.stderr)

    rows = []
    for (name, threads, math, build), tps in sorted(results.items()):
        if build != "before" or (name, threads, math, "after") not in results:
            continue
        before = statistics.median(tps)
        after = statistics.median(results[(name, threads, math, "after")])
        rows.append(dict(benchmark=name, threads=threads, math=math, instances=args.instances, steps=args.steps,
                         repeats=args.repeats, before=before, after=after, after_over_before=after / before))
    print(f"{'benchmark':<22} {'thr':>3} {'math':<5} {'before /s':>11} {'after /s':>11} {'after/before':>12}")
    for r in rows:
        print(f"{r['benchmark']:<22} {r['threads']:>3} {r['math']:<5} {r['before']:>11.3e} {r['after']:>11.3e} "
              f"{r['after_over_before']:>12.3f}")
    for r in rows:
        print(json.dumps(r))


if __name__ == "__main__":
    main()
