"""Brian2's C++ standalone device, shared by the Brian2 peers: the generated project goes to a directory per
workload and size (under $BENCH_PEERS_WORK), so that a repetition recompiles nothing; only the simulation loop
(Brian2's own timer, last_run_info.txt) counts as simulation time."""
import os
import pathlib
import tempfile

_directory = None


def start(name, size, threads):
    import brian2
    work = pathlib.Path(os.environ.get("BENCH_PEERS_WORK", tempfile.gettempdir()))
    tag = "-".join(f"{k}{v:g}" for k, v in sorted(size.items()))
    global _directory
    _directory = str(work / "brian2" / f"{name}-{tag}-t{threads}")
    brian2.set_device("cpp_standalone", build_on_run=False)
    # 0 = no OpenMP: Brian2's single-threaded code, not an OpenMP build with one thread
    brian2.prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0


def finish():
    """Compile and run; returns (simulation seconds, dict(compile_seconds=...))."""
    import brian2
    brian2.device.build(directory=_directory, run=True)
    dev = brian2.device
    compile_s = sum(v for v in dev.timers["compile"].values() if v is not None)
    return dev._last_run_time, dict(compile_seconds=compile_s)
