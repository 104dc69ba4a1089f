#!/usr/bin/env python3
"""The Python path's overhead against the CLI, in wall time on the same machine and in the same sitting; one JSON
line per case and path.

  PYTHONPATH=build/python .venv/bin/python benchmarks/python_overhead.py [--cli build/neurobatch] [--repeats N]

Cases: a tiny run (one LIF instance, ten steps) and a large one (1e6 decision trials: the psychometric study's
eight coherences x 125000 trials, 2 s each). Paths:
  cli            `neurobatch run SPEC --out DIR --quiet`, the process from start to exit (results written)
  python_run     `neurobatch.run(spec)` in a running interpreter (results in memory, not written)
  python_run_out `neurobatch.run(spec, out=DIR)` (results also written, as the CLI does)
  python_process `python -c "import neurobatch; neurobatch.run(...)"`, from start to exit (import included)
The median of the repeats is reported, with every repeat.
"""
import argparse
import itertools
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import neurobatch as nb

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASES = {
    "tiny_lif_1x10": ({"model": "lif", "duration_ms": 1.0, "dt_ms": 0.1, "trials": 1, "seed": 1}, 20),
    "decision_1e6_trials": (json.loads((ROOT / "experiments/decision/psychometric.json").read_text()) | {"trials": 125000},
                            3),
}


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", default=str(ROOT / "build" / "neurobatch"))
    parser.add_argument("--repeats", type=int, default=0, help="override each case's repeats")
    args = parser.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="nb-overhead-"))
    counter = itertools.count()

    def next_dir():
        return work / f"out-{next(counter)}"

    try:
        for case, (spec, repeats) in CASES.items():
            repeats = args.repeats or repeats
            spec_path = work / f"{case}.json"
            spec_path.write_text(json.dumps(spec))
            instances = nb.load_spec(spec).instances
            nb.run(spec, progress=False)  # warm: page cache, first-touch allocations
            paths = {
                "cli": lambda: subprocess.run([args.cli, "run", str(spec_path), "--out", str(next_dir()), "--quiet"],
                                              check=True),
                "python_run": lambda: nb.run(spec_path, progress=False),
                "python_run_out": lambda: nb.run(spec_path, progress=False, out=next_dir()),
                "python_process": lambda: subprocess.run(
                    [sys.executable, "-c", "import sys, neurobatch; neurobatch.run(sys.argv[1], progress=False)",
                     str(spec_path)], check=True, env=os.environ.copy()),
            }
            walls = {path: [] for path in paths}
            for _ in range(repeats):  # interleaved, so that a slow moment of the machine hits every path alike
                for path, fn in paths.items():
                    walls[path].append(timed(fn))
            for path, w in walls.items():
                print(json.dumps({"case": case, "path": path, "instances": instances, "repeats": repeats,
                                  "median_wall_s": statistics.median(w), "walls_s": [round(x, 4) for x in w]}),
                      flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
