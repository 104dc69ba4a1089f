#!/usr/bin/env python3
"""NeuroBatch against peer tools (NumPy, Brian2, JAX) on the same workloads; run by scripts/bench-peers, which
makes the environment and the build. See README.md in this directory.

    python bench.py --nb build/neurobatch [--only lif,decision] [--repeats 3] [--smoke] [--json-out FILE]
                    [--math exact|fast|exact,fast]

Per workload, each repetition runs every tool once in turn (interleaved, so that a load that comes and goes on the
machine falls on all of them alike); the median of the repetitions is reported. Every run is its own process,
pinned to as many cores as it has threads (sched_setaffinity: the one limit every tool obeys). Simulation time is
the tool's own: NeuroBatch's summary.json run.wall_s, Brian2's run loop, the peers' timed loop (JAX: the compiled
call, compilation apart); the process wall time is reported beside it. Prints a ratio table and one JSON line per
tool x workload x thread setting; exits 1 when a run failed or a tool disagreed with NeuroBatch.

--math fast adds (or, alone, runs only) NeuroBatch in its fast math mode as the tool "neurobatch-fast": its outputs
are checked against the reference (NeuroBatch exact at 1 thread, when run) like a peer's, and each peer's ratio is
also given against it (ratio_nb_fast_over_tool).
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import time

import workloads as wl

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PEER_MODULES = {"numpy": "{}_numpy", "brian2": "{}_brian2", "jax": "{}_jax"}
NB_THREADS = (1, 2)
NB_TOOL = {"exact": "neurobatch", "fast": "neurobatch-fast"}  # NeuroBatch's math mode -> its tool name


def print_best_setting_table(lines, nb_tools):
    """How a user with this machine would compare: NeuroBatch on every core (the most threads it ran) against each
    peer's fastest setting (NumPy has one thread; Brian2 and JAX may be faster with more)."""
    print(f"\nNeuroBatch on {max(NB_THREADS)} threads / each peer's best setting (the issue's acceptance table)")
    print(f"{'workload':<9} {'peer':<7} {'best':<5} {'peer s':>9} " + " ".join(f"{nt:>16}" for nt in nb_tools))
    timed = [l for l in lines if "sim_seconds" in l]
    for name in dict.fromkeys(l["workload"] for l in timed):
        nb_s = {l["tool"]: l["sim_seconds"] for l in timed
                if l["workload"] == name and l["tool"] in nb_tools and l["threads"] == max(NB_THREADS)}
        for peer in dict.fromkeys(l["tool"] for l in timed if l["workload"] == name and l["tool"] not in nb_tools):
            best = min((l for l in timed if l["workload"] == name and l["tool"] == peer),
                       key=lambda l: l["sim_seconds"])
            ratios = " ".join(f"{best['sim_seconds'] / nb_s[nt]:>15.2f}x" if nt in nb_s else f"{'-':>16}"
                              for nt in nb_tools)
            print(f"{name:<9} {peer:<7} x{best['threads']:<4} {best['sim_seconds']:>9.3f} {ratios}")


def machine():
    cpu = "unknown"
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return dict(cpu=cpu, cores=len(os.sched_getaffinity(0)), os=platform.platform())


def probe(module):
    """(version, None) when `module` imports in this interpreter (in a child: a failed import must not leave
    half a module here), else (None, reason)."""
    code = f"import {module} as m; print(getattr(m, '__version__', '?'))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if r.returncode == 0:
        return r.stdout.strip(), None
    lines = (r.stderr.strip() or "import failed").splitlines()
    return None, lines[-1]


def versions_and_skips():
    git = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True)
    versions, skips = {"python": platform.python_version(), "neurobatch_git": git.stdout.strip() or None}, {}
    for module in ("numpy", "brian2", "jax", "jaxlib", "threadpoolctl"):
        v, why = probe(module)
        versions[module] = v
        if module in ("brian2", "jax") and why:
            skips[module] = why
    cxx = shutil.which("g++") or shutil.which("c++")
    if cxx:
        versions["c++"] = subprocess.run([cxx, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    elif "brian2" not in skips:
        skips["brian2"] = "no C++ compiler for Brian2's standalone device"
    return versions, skips


def pinned(threads):
    cores = sorted(os.sched_getaffinity(0))[:threads]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    return dict(env=env, preexec_fn=lambda: os.sched_setaffinity(0, cores))


def run_nb(nb, name, size, threads, outdir, math="exact", backend="cpu"):
    """NeuroBatch on the CPU with `threads` pinned cores, or (backend "cuda") on the GPU with every core."""
    shutil.rmtree(outdir, ignore_errors=True)  # `run --out` refuses an existing directory
    cmd = [nb, "run", str(wl.SPECS / wl.WORKLOADS[name]["spec"]), "--backend", backend, "--math", math,
           "--out", str(outdir), "--quiet"]
    if backend == "cpu":
        cmd += ["--threads", str(threads)]
    for s in wl.nb_overrides(name, size):
        cmd += ["--set", s]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, **(pinned(threads) if backend == "cpu" else {}))
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"neurobatch exited {r.returncode}: {r.stderr.strip()[-500:]}")
    summary = json.loads((outdir / "summary.json").read_text())
    differ = wl.check_resolved_params(name, summary)
    if differ:
        raise RuntimeError(f"NeuroBatch's resolved parameters differ from the peers': {differ}")
    return dict(sim_seconds=summary["run"]["wall_s"], process_wall_s=wall, outputs=wl.nb_outputs(name, outdir),
                version=summary["neurobatch"])


def run_peer(tool, name, size, threads, work, env=None):
    """A peer in its own process pinned to `threads` cores; `env` adds variables (JAX_PLATFORMS for the GPU)."""
    module = PEER_MODULES[tool].format("coba" if name.startswith("coba") else name)
    out = work / f"{name}-{tool}-t{threads}.json"
    out.unlink(missing_ok=True)
    kw = pinned(threads)
    kw["env"]["BENCH_PEERS_WORK"] = str(work)
    kw["env"].update(env or {})
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, str(HERE / "run_one.py"), module, str(threads), json.dumps(size), str(out)],
                       capture_output=True, text=True, **kw)
    wall = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"{module} exited {r.returncode}: {r.stderr.strip()[-800:]}")
    return dict(json.loads(out.read_text()), process_wall_s=wall)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nb", default=str(ROOT / "build" / "neurobatch"), help="the neurobatch CLI")
    ap.add_argument("--only", help=f"comma-separated workloads of {', '.join(wl.WORKLOADS)}; 'coba' is both cobas")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, one repetition")
    ap.add_argument("--json-out", help="also write the JSON lines to this file")
    ap.add_argument("--math", default="exact",
                    help="NeuroBatch's math modes, comma-separated: exact (default), fast, or exact,fast")
    ap.add_argument("--work", default=str(ROOT / "results" / "bench-peers"),
                    help="outputs and Brian2's generated projects (kept: a rerun does not recompile)")
    args = ap.parse_args()
    names = list(wl.WORKLOADS)
    if args.only:
        wanted = args.only.split(",")
        unknown = [w for w in wanted if w not in wl.WORKLOADS and w != "coba"]
        if unknown:
            ap.error(f"unknown workload(s) {unknown}; choose from {', '.join(wl.WORKLOADS)} or coba")
        names = [n for n in names if n in wanted or ("coba" in wanted and n.startswith("coba"))]
    size_key, repeats = ("smoke", 1) if args.smoke else ("full", args.repeats)
    maths = args.math.split(",")
    if not maths or any(m not in NB_TOOL for m in maths):
        ap.error(f"--math: exact, fast or exact,fast, not {args.math}")
    nb_tools = [NB_TOOL[m] for m in ("exact", "fast") if m in maths]
    work = pathlib.Path(args.work).resolve()
    work.mkdir(parents=True, exist_ok=True)
    versions, skips = versions_and_skips()
    date, host = datetime.datetime.now().astimezone().isoformat(timespec="seconds"), machine()
    print(f"# {date} on {host['cpu']} ({host['cores']} cores); {sys.executable}; "
          + ", ".join(f"{k} {v}" for k, v in versions.items() if v), file=sys.stderr)

    runs, errors, nb_version = {}, {}, None  # runs[(workload, tool, threads)] = [result per repetition]
    for name in names:
        w = wl.WORKLOADS[name]
        size = w[size_key]
        tools = [(nt, t) for nt in nb_tools for t in NB_THREADS] + [(p, t) for p, t in w["peers"] if p not in skips]
        for rep in range(repeats):
            for tool, threads in tools:
                key = (name, tool, threads)
                if key in errors:
                    continue
                try:
                    if tool in nb_tools:
                        math = "fast" if tool == NB_TOOL["fast"] else "exact"
                        r = run_nb(args.nb, name, size, threads, work / "nb" / f"{name}-{math}-t{threads}", math)
                        nb_version = r.pop("version")
                    else:
                        r = run_peer(tool, name, size, threads, work)
                except Exception as e:  # one tool failing must not stop the others
                    errors[key] = str(e)
                    print(f"[{name} {rep + 1}/{repeats}] {tool} x{threads}: FAILED: {e}", file=sys.stderr)
                    continue
                runs.setdefault(key, []).append(r)
                print(f"[{name} {rep + 1}/{repeats}] {tool} x{threads}: {r['sim_seconds']:.3f} s simulated, "
                      f"{r['process_wall_s']:.2f} s process", file=sys.stderr)

    lines, table, failed = [], [], bool(errors)
    for name in names:
        w = wl.WORKLOADS[name]
        size, units = w[size_key], wl.work(name, w[size_key])
        ref_tool = nb_tools[0]  # exact when it runs, else fast
        ref_runs = runs.get((name, ref_tool, 1))
        nb_median = {(nt, t): statistics.median(r["sim_seconds"] for r in runs[(name, nt, t)])
                     for nt in nb_tools for t in NB_THREADS if (name, nt, t) in runs}
        base = dict(date=date, machine=host, versions=dict(versions, neurobatch=nb_version), workload=name,
                    size=size, size_name=size_key, work=units, unit=w["unit"], repeats=repeats)
        for tool, threads in [(nt, t) for nt in nb_tools for t in NB_THREADS] + w["peers"]:
            key = (name, tool, threads)
            line = dict(base, tool=tool, threads=threads)
            if tool in skips:
                lines.append(dict(line, skipped=skips[tool]))
                continue
            if key in errors:
                lines.append(dict(line, error=errors[key]))
                continue
            rs = runs[key]
            sim = statistics.median(r["sim_seconds"] for r in rs)
            line.update(sim_seconds=sim, sim_seconds_all=[r["sim_seconds"] for r in rs],
                        process_wall_s=statistics.median(r["process_wall_s"] for r in rs),
                        throughput=units / sim)
            if "compile_seconds" in rs[0]:  # the first repetition's: Brian2 recompiles nothing after it
                line["compile_seconds_first"] = rs[0]["compile_seconds"]
            if key == (name, ref_tool, 1):
                line["reference"] = True  # what the other tools are checked against
            elif tool in nb_tools and threads != 1 and (name, tool, 1) in runs:
                # NeuroBatch's results must not depend on the thread count (in either math mode)
                same = all(r["outputs"] == runs[(name, tool, 1)][0]["outputs"] for r in rs)
                line.update(agree=same, agree_detail=f"outputs {'identical to' if same else 'differ from'} 1 thread")
                failed |= not same
            elif ref_runs:  # every repetition is checked; the text is the first failing one's, else the first's
                checks = [wl.agree(name, ref_runs[0]["outputs"], r["outputs"]) for r in rs]
                ok = all(c[0] for c in checks)
                line.update(agree=ok, agree_detail=next((c[1] for c in checks if not c[0]), checks[0][1]))
                failed |= not ok
            if tool not in nb_tools:
                for nt in nb_tools:
                    if (nt, threads) not in nb_median:
                        continue
                    nb_s = nb_median[(nt, threads)]
                    field = "ratio_nb_over_tool" if nt == "neurobatch" else "ratio_nb_fast_over_tool"
                    line[field] = sim / nb_s  # same work: throughput ratio
                    table.append((name, f"{tool} x{threads}", "fast" if nt != "neurobatch" else "exact", sim, nb_s,
                                  sim / nb_s, "yes" if line.get("agree") else "NO"))
            line["outputs"] = wl.summarize(name, rs[0]["outputs"])
            lines.append(line)

    print(f"\nNeuroBatch throughput / peer throughput (same work, same thread count; median of {repeats}; "
          f"{size_key} sizes)")
    print(f"{'workload':<9} {'peer':<11} {'NB math':<7} {'peer s':>9} {'NB s':>9} {'NB/peer':>8}  agree")
    for name, peer, math, s, nb, ratio, agree in table:
        print(f"{name:<9} {peer:<11} {math:<7} {s:>9.3f} {nb:>9.3f} {ratio:>8.2f}  {agree}")
    print_best_setting_table(lines, nb_tools)
    for line in lines:
        if line["tool"] == NB_TOOL["fast"] and "agree" in line:
            print(f"{line['workload']:<9} neurobatch-fast x{line['threads']} against the reference: "
                  f"{'agrees' if line['agree'] else 'DISAGREES'} ({line['agree_detail']})")
    for line in lines:
        if "skipped" in line or "error" in line:
            print(f"{line['workload']:<9} {line['tool']} x{line['threads']}: "
                  f"{'skipped' if 'skipped' in line else 'FAILED'}: {line.get('skipped') or line.get('error')}")
    print()
    for line in lines:
        print(json.dumps(line))
    if args.json_out:
        pathlib.Path(args.json_out).write_text("".join(json.dumps(line) + "\n" for line in lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
