"""Arrays cross from C++ to numpy, and from numpy into the Dataset, without a copy; the result owns the memory."""
import gc
import json
import subprocess
import sys
import textwrap

import numpy as np

import neurobatch as nb
from conftest import MODEL_SPECS


def test_arrays_view_the_cores_memory_and_the_dataset_views_the_arrays():
    r = nb.run(MODEL_SPECS / "lif.json", backend="cpu", progress=False)
    for name, array in r.arrays.items():
        assert not array.flags.owndata, f"{name} is a copy that numpy owns"
        # numpy -> memoryview -> nanobind's ndarray, whose capsule holds the core's buffer
        assert type(array.base).__name__ == "memoryview" and type(array.base.obj).__name__ == "nb_ndarray", name
    ds = r.dataset
    for name in ("rate_Hz", "spike_count", "trace_V_mV", "spike_times_ms"):
        assert np.shares_memory(ds[name].values, r[name]), f"the Dataset copied {name}"
    # (1-D coordinates such as trace_t_ms become pandas indexes, xarray's own small copies)


def test_arrays_outlive_the_result_that_made_them():
    r = nb.run(MODEL_SPECS / "ring.json", backend="cpu", progress=False)
    profile, trace = r["profile_Hz"], r["trace_r_Hz"]
    expected = profile.copy(), trace.copy()
    del r
    gc.collect()
    junk = [np.full(profile.size, 7.0, profile.dtype) for _ in range(20)]  # would reuse freed memory
    assert np.array_equal(profile, expected[0], equal_nan=True) and np.array_equal(trace, expected[1], equal_nan=True)
    del junk


def test_resident_memory_grows_by_the_results_not_by_a_second_copy():
    # 2e6 instances x 10 steps: the results (float64 columns and the instance list) are about 120 MB; a copy into
    # numpy would add the arrays' 88 MB again. Measured in a fresh process, from its resident set.
    script = textwrap.dedent("""
        import json, neurobatch as nb
        def rss():
            with open("/proc/self/status") as f:
                return next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmRSS:"))
        before = rss()
        r = nb.run({"model": "lif", "duration_ms": 1, "dt_ms": 0.1, "trials": 2000000, "seed": 1}, progress=False)
        print(json.dumps({"grown": rss() - before, "arrays": sum(a.nbytes for a in r.arrays.values())}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    m = json.loads(done.stdout)
    assert m["arrays"] > 50e6
    assert m["grown"] < 1.6 * m["arrays"], f"resident memory grew by {m['grown'] / 1e6:.0f} MB for " \
                                           f"{m['arrays'] / 1e6:.0f} MB of arrays"
