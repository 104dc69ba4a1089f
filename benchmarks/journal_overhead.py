#!/usr/bin/env python3
"""The chunk journal's cost: the same chunked CPU run in memory (no journal) and into a directory (every finished
chunk written to the journal and synced), interleaved, median of the repeats; one JSON line per case and path.

  PYTHONPATH=build/python .venv/bin/python benchmarks/journal_overhead.py [--repeats 3] [--threads 2]

The time is the run's own (summary "wall_s": chunks computed and, with the journal, kept), not the final write of
the output directory, which a run without a directory does not do either. Cases: the decision benchmark (Wong &
Wang, 2e5 trials x 3 s at 0.5 ms in 10 chunks) and the LIF one (1e5 neurons x 1 s at 0.05 ms, noisy, in 10 chunks,
with spike times of every neuron, so that each chunk's file holds 1e4 x 64 spike steps).
"""
import argparse
import json
import pathlib
import platform
import shutil
import statistics
import tempfile

import neurobatch as nb

CASES = {
    "decision_2e5_trials_10_chunks": (
        {"model": "decision", "duration_ms": 3000, "dt_ms": 0.5, "trials": 200000, "seed": 3,
         "params": {"coherence": 0.128}}, 20000),
    "lif_1e5_neurons_10_chunks_spikes": (
        {"model": "lif", "duration_ms": 1000, "dt_ms": 0.05, "trials": 2000, "seed": 3,
         "params": {"sigma_mV_sqrt_ms": 0.3}, "sweep": {"I_nA": {"linspace": [0.2, 0.6, 50]}},
         "record": {"spikes": {"instances": "all", "max_per_instance": 64}}}, 10000),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="nb-journal-"))
    try:
        for case, (spec, chunk) in CASES.items():
            times = {"memory": [], "journal": []}
            for k in range(a.repeats):
                common = dict(backend="cpu", threads=a.threads, chunk_instances=chunk, progress=False)
                times["memory"].append(nb.run(spec, **common).run_info["wall_s"])
                out = work / f"{case}-{k}"
                times["journal"].append(nb.run(spec, out=out, **common).run_info["wall_s"])
                shutil.rmtree(out)
            med = {p: statistics.median(t) for p, t in times.items()}
            print(json.dumps({"case": case, "threads": a.threads, "chunk_instances": chunk,
                              "median_s": med, "runs_s": times,
                              "journal_overhead_percent": 100.0 * (med["journal"] / med["memory"] - 1.0),
                              "machine": platform.processor() or platform.machine()}), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
