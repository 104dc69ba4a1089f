#!/usr/bin/env python3
"""Static check that the CPU kernels' lane loops still vectorise (GCC only).

The CPU reference is fast only while gcc vectorises each kernel's lane loops, and small edits can silently stop it:
an inner loop over four stores in the synapse kernel's noise draw, or a helper taking references into the state in
the decision kernel, each cost a factor of 2 to 7 in throughput with every test still passing. This check recompiles
every CPU kernel with the build's own command line plus -fopt-info-vec-optimized and counts the distinct source
lines of kernels/ that gcc reports as vectorised (loops and basic blocks); each kernel must keep at least the count below, as
measured when the kernels were last known to be fast (gcc 12, -march=native on AVX-512). A lower count fails the
test and names the kernel: run its benchmark, and read `-fopt-info-vec-missed` for the loop that was lost.

Exit status: 0 pass, 1 fail, 77 skipped (not gcc, a sanitizer build, or no compile_commands.json).
Usage: check_vectorised.py BUILD_DIR
"""
import json
import os
import re
import shlex
import subprocess
import sys

# Distinct vectorised source lines per kernel (loop and basic-block reports together).
MINIMUM = {
    "lif_cpu.cpp": 6,
    "lif_cpu_fast.cpp": 5,  # the CPU fast-math kernel (2026-12-07, issue 16; no finalize loop of its own)
    "synapse_cpu.cpp": 8,
    "lif_cond_cpu.cpp": 8,
    "self_sustained_cpu.cpp": 3,
    "decision_cpu.cpp": 3,
    "decision_cpu_fast.cpp": 3,  # the CPU fast-math kernel (2026-12-07, issue 16)
    "ring_cpu.cpp": 7,
    "network_cpu.cpp": 8,
    "adex_cpu.cpp": 4,  # 2026-12-08, measured on the rocketlake machine only (issue 19)
}
# gcc's cost model depends on the target that -march=native resolves to, so a machine of another kind vectorises
# a different number of lines from the same, equally fast source. Counts for the targets measured so far, each
# taken from the kernels of commit 2270324 (benchmarked fast on that machine); any other target uses MINIMUM.
MINIMUM_BY_MARCH = {
    "rocketlake": {  # 2026-12-06, the 2-core development machine (docs/performance.md)
        "lif_cpu.cpp": 4,
        "lif_cpu_fast.cpp": 3,  # 2026-12-07: the CPU fast-math kernel (issue 16), measured when added
        "synapse_cpu.cpp": 6,
        "lif_cond_cpu.cpp": 7,
        "self_sustained_cpu.cpp": 2,
        "decision_cpu.cpp": 2,
        "decision_cpu_fast.cpp": 4,  # 2026-12-07: the CPU fast-math kernel (issue 16), measured when added
        "ring_cpu.cpp": 10,  # 2026-12-07: rings of N < 128 side by side in the vector lanes (issue 16)
        "network_cpu.cpp": 6,
        "adex_cpu.cpp": 4,  # 2026-12-08 (issue 19): the noise draw, the lane loop and its reduction
    },
}
SKIP = 77


def vectorised_lines(command, directory):
    """Runs the compile command with -fopt-info-vec-optimized, output to /dev/null; returns the reported lines."""
    args = shlex.split(command)
    if "-o" in args:
        args[args.index("-o") + 1] = os.devnull
    args.append("-fopt-info-vec-optimized")
    done = subprocess.run(args, cwd=directory, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"check_vectorised: the compile failed:\n{' '.join(args)}\n{done.stderr[-2000:]}")
    lines = set()
    for line in done.stderr.splitlines():
        m = re.match(r"(\S+?):(\d+):\d+: optimized: (loop|basic block part) vectorized", line)
        if m and "kernels/" in m.group(1):  # our code, not the standard library's
            lines.add((os.path.basename(m.group(1)), int(m.group(2))))
    return lines


def main():
    build = sys.argv[1]
    path = os.path.join(build, "compile_commands.json")
    if not os.path.exists(path):
        print(f"check_vectorised: skipped: no {path}")
        return SKIP
    entries = [e for e in json.load(open(path)) if os.path.basename(e["file"]) in MINIMUM]
    if not entries:
        print("check_vectorised: skipped: no CPU kernel in compile_commands.json")
        return SKIP
    compiler = shlex.split(entries[0]["command"])[0]
    version = subprocess.run([compiler, "--version"], capture_output=True, text=True).stdout
    if "Free Software Foundation" not in version or "clang" in version:
        print(f"check_vectorised: skipped: {compiler} is not gcc")
        return SKIP
    minimum = MINIMUM
    if any("-march=native" in e["command"] for e in entries):
        target = subprocess.run([compiler, "-march=native", "-Q", "--help=target"], capture_output=True, text=True).stdout
        march = re.search(r"^\s+-march=\s+(\S+)", target, re.M)
        if march and march.group(1) in MINIMUM_BY_MARCH:
            minimum = MINIMUM_BY_MARCH[march.group(1)]
            print(f"check_vectorised: counts for -march=native = {march.group(1)}")
    if any("-fsanitize" in e["command"] for e in entries):
        print("check_vectorised: skipped: a sanitizer build (instrumentation changes what vectorises)")
        return SKIP
    failed = False
    for e in sorted(entries, key=lambda e: e["file"]):
        name = os.path.basename(e["file"])
        found = vectorised_lines(e["command"], e["directory"])
        ok = len(found) >= minimum[name]
        failed |= not ok
        where = ", ".join(f"{f}:{n}" for f, n in sorted(found))
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {len(found)} vectorised lines (at least {minimum[name]}): {where}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
