#!/usr/bin/env python3
"""Runs over processes against one process, on this machine: one JSON line per case and layout.

    benchmarks/distributed.py --nb build/neurobatch [--repeats 3]

Cases (interleaved, median of the repeats):
  decision   Wong & Wang, 1e5 trials x 3 s at 0.5 ms (the peer workload), in 8 chunks
  network    COBA, 8 networks of 4000 cells x 1 s, in 8 chunks of 1
  chunks     the per-chunk cost: 400 LIF instances x 10 steps in chunks of 1 (journal writes, syncs, hand-out)
Layouts: one process with 2 threads (`--threads 2`), and 2 MPI ranks with 1 thread each (`mpirun -np 2 ...
--threads 1`). Times: the run's own (summary.json `run.wall_s`: chunks computed and kept; under MPI, rank 0's,
hand-out and assembly included) and the process's wall time (mpirun's start-up included). The assembly's cost is
measured alone as `neurobatch merge` of a complete journal (2 shards run first), against writing the same results
from memory (the `write_s` of a one-process run is not separable, so the merge is compared with the run's total).
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time

MPI_ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               # Waiting ranks yield their core: on a shared 2-core machine a busy-waiting rank slows the others.
               OMPI_MCA_mpi_yield_when_idle="1")
CASES = {
    "decision": ({"model": "decision", "duration_ms": 3000, "dt_ms": 0.5, "trials": 100000, "seed": 3,
                  "params": {"coherence": 0.128, "stim_onset_ms": 200}}, 12500),
    "network": ({"model": "network", "duration_ms": 1000, "dt_ms": 0.1, "trials": 8, "seed": 3}, 1),
    "chunks": ({"model": "lif", "duration_ms": 1, "dt_ms": 0.1, "trials": 400, "seed": 3}, 1),
}


def timed(argv, env=None):
    start = time.perf_counter()
    subprocess.run(argv, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nb", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", default=",".join(CASES))
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="nb-dist-bench-")
    try:
        for case in a.only.split(","):
            doc, chunk = CASES[case]
            spec = os.path.join(work, case + ".json")
            with open(spec, "w") as f:
                json.dump(doc, f)
            base = [a.nb, "run", spec, "--backend", "cpu", "--quiet", "--chunk-instances", str(chunk)]
            layouts = {"1 process x 2 threads": ([], ["--threads", "2"], None),
                       "2 MPI ranks x 1 thread": (["mpirun", "--oversubscribe", "-np", "2"], ["--threads", "1"], MPI_ENV)}
            runs = {name: {"run_s": [], "process_s": []} for name in layouts}
            merge_s, k = [], 0
            for _ in range(a.repeats):
                for name, (launcher, threads, env) in layouts.items():
                    out = os.path.join(work, "out-%d" % k)
                    k += 1
                    runs[name]["process_s"].append(timed(launcher + base + threads + ["--out", out], env))
                    with open(os.path.join(out, "summary.json")) as f:
                        runs[name]["run_s"].append(json.load(f)["run"]["wall_s"])
                    shutil.rmtree(out)
                out = os.path.join(work, "out-%d" % k)
                k += 1
                for i in range(2):  # 2 shards, the writing claimed after the first: merge writes
                    subprocess.run(base + ["--threads", "2", "--out", out, "--shard", "%d/2" % i], check=True)
                    if i == 0:
                        open(os.path.join(work, ".out-%d.journal" % (k - 1), "assembly.claim"), "w").close()
                merge_s.append(timed([a.nb, "merge", out, "--quiet"]))
                size = sum(os.path.getsize(os.path.join(out, n)) for n in os.listdir(out))
                shutil.rmtree(out)
            med = {name: {key: statistics.median(v) for key, v in r.items()} for name, r in runs.items()}
            one, two = med["1 process x 2 threads"], med["2 MPI ranks x 1 thread"]
            print(json.dumps({
                "case": case, "spec": doc, "chunk_instances": chunk, "median_s": med, "runs": runs,
                "ranks_over_threads_run_time": two["run_s"] / one["run_s"],
                "ranks_over_threads_process_time": two["process_s"] / one["process_s"],
                "merge_s_median": statistics.median(merge_s), "merge_s": merge_s, "output_bytes": size,
                "machine": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                "load_average": os.getloadavg(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
