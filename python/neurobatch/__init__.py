"""NeuroBatch from Python: run many instances of a neuroscience model at once and get labelled arrays back.

    import neurobatch as nb
    r = nb.run("experiments/lif/fI.json", trials=200, params__sigma_mV_sqrt_ms=0.5)
    r.dataset["rate_Hz"].mean("trial").plot()

The same C++ core as the ``neurobatch`` CLI runs underneath, with the GIL released: for the same spec, backend and
math mode the arrays are the CLI's, bit for bit, and ``open(DIR)`` reads what the CLI writes.
"""

import json
import os

import numpy as np

from . import _core
from ._progress import Reporter
from ._result import Result, open_result
from .errors import (BackendUnavailable, Cancelled, InputError, InternalError, NeuroBatchError, PathError,
                     SpecError)

__all__ = ["run", "merge", "open", "load_spec", "models", "info", "compare", "fixed_points", "Result", "NeuroBatchError",
           "SpecError", "InputError", "PathError", "BackendUnavailable", "Cancelled", "InternalError"]
__version__ = _core.__version__


def _json_value(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"an override value must be JSON: {value!r} is a {type(value).__name__}")


def _overrides(overrides, keywords):
    """The CLI's --set texts, "KEY=JSON": from a dict {"params.I_nA": 0.4}, a list of "KEY=VALUE" texts (passed on
    as they are, so that the core parses them as the CLI does), and keyword arguments, where "__" stands for the
    dot (params__I_nA=0.4)."""
    if isinstance(overrides, dict):
        items, texts = list(overrides.items()), []
    else:
        items, texts = [], [str(text) for text in overrides or []]
    items += [(key.replace("__", "."), value) for key, value in keywords.items()]
    return texts + [f"{key}={json.dumps(value, default=_json_value)}" for key, value in items]


def load_spec(spec, overrides=None, **keywords):
    """Parses and validates a spec: a dict, JSON text or the path of a JSON file (its name defaults to the file's
    stem), with overrides applied first. Raises SpecError naming the field."""
    texts = _overrides(overrides, keywords)
    if isinstance(spec, _core.Spec):
        if texts:
            raise InputError("overrides need the spec's document, not a parsed spec")
        return spec
    if isinstance(spec, dict):
        return _core.parse_spec(json.dumps(spec, default=_json_value), texts, "unnamed")
    if isinstance(spec, str) and spec.lstrip().startswith("{"):
        return _core.parse_spec(spec, texts, "unnamed")
    if isinstance(spec, (str, os.PathLike)):
        return _core.load_spec(os.fspath(spec), texts)
    raise TypeError(f"spec must be a dict, JSON text or a path, not {type(spec).__name__}")


def _count(value, name):
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputError(f"{name}: expected a positive integer or None, got {value!r}")
    return int(value)


def run(spec, *, backend="auto", math="exact", threads=None, chunk_instances=None, memory_budget_mb=None,
        out=None, progress=True, resume=False, checkpoint_every_min=None, shard=None, overrides=None, **keywords):
    """Runs every instance of `spec` and returns a Result.

    spec: a dict, JSON text or a path. Overrides are the CLI's --set: `overrides={"params.I_nA": 0.4}` or
    `["trials=1000"]`, or keyword arguments (`trials=1000`, `params__I_nA=0.4`). backend: "auto" (CUDA where a
    usable GPU exists), "cpu" or "cuda"; math: "exact" (CPU and CUDA bit for bit) or "fast". threads,
    chunk_instances and memory_budget_mb as the CLI's flags (None: the default). out: also write the results
    to this directory, as `neurobatch run --out` does (atomically; it must not exist). progress: True draws a bar,
    False is silent, a function is called with a dict of the progress after every time segment.

    With `out`, finished chunks are kept in a journal beside it while the run advances: resume=True goes on with a
    run into the same `out` that was stopped or killed (`neurobatch run --resume`), computing only what is missing;
    checkpoint_every_min also keeps the state of the chunk in progress that often (`--checkpoint-every`).

    shard=(i, n) runs only shard i of n fixed shards into `out`'s journal (`--shard i/n`: one per job of a job
    array); it returns the Result where this shard completes the run (and writes `out`), else None: `merge(out)`
    writes `out` once every shard is done. Under mpirun (with a build that found MPI; mpi4py may be imported, or
    not), a run with `out` is spread over the ranks: rank 0 returns the Result, the other ranks None.

    Ctrl-C stops the run within one time segment and raises KeyboardInterrupt; nothing is written to `out` (its
    journal keeps the finished chunks for resume=True). Other Python threads keep running while it advances.
    """
    parsed = load_spec(spec, overrides, **keywords)
    if checkpoint_every_min is not None and not (0 < float(checkpoint_every_min) <= 1e6):
        raise ValueError(f"checkpoint_every_min: expected minutes in (0, 1e6], got {checkpoint_every_min!r}")
    reporter = Reporter(f"neurobatch {parsed.name}", show=progress is True,
                        callback=progress if callable(progress) else None)
    try:
        output = _core.run(parsed, backend, math, _count(threads, "threads"),
                           _count(chunk_instances, "chunk_instances"), _count(memory_budget_mb, "memory_budget_mb"),
                           None if out is None else os.fspath(out), reporter if reporter.active else None,
                           bool(resume), 60.0 * float(checkpoint_every_min or 0), *_shard(shard))
    finally:
        reporter.close()
    if output.complete_already:
        return open(output.written)
    if output.part_only:
        return None
    return Result(json.loads(output.summary), output.arrays, path=output.written)


def _shard(shard):
    if shard is None:
        return 0, 0
    try:
        i, n = (int(x) for x in shard)
    except (TypeError, ValueError):
        raise ValueError(f"shard: expected (i, n), got {shard!r}") from None
    if not 0 <= i < n:
        raise ValueError(f"shard: expected 0 <= i < n, got {shard!r}")
    return i, n


def merge(directory):
    """Writes `directory` from the journal of a run spread over shards once every chunk is done (`neurobatch merge`),
    and returns its Result; InputError naming the chunks not done yet otherwise."""
    return open(_core.merge(os.fspath(directory)))


def open(directory):  # noqa: A001 -- neurobatch.open(DIR) mirrors xarray.open_dataset and friends
    """Loads a results directory written by `neurobatch run` or `run(..., out=DIR)` into a Result."""
    return open_result(os.fspath(directory))


def info():
    """The build, the backends (with the reason where CUDA is unusable), the CUDA devices and every model."""
    return json.loads(_core.info())


def models():
    """Every model: {name: {description, params: [{name, default, unit, range, description}], observables,
    trace_vars, integrators}}."""
    return {m["name"]: m for m in info()["models"]}


def compare(spec, *, a="cpu:exact", b="cuda:exact", instances=None, threads=None, overrides=None, **keywords):
    """Runs `spec` (or only `instances`, "0,5,10-20" or a list) on two backends, "BACKEND[:MATH]" each, and returns
    the report of `neurobatch compare --json`: per observable the values compared and differing, the largest
    differences, and "identical". Its "exact" key says whether both ran in exact math (where any difference is a
    failure)."""
    parsed = load_spec(spec, overrides, **keywords)
    if instances is not None and not isinstance(instances, str):
        instances = ",".join(str(int(i)) for i in instances)
    report, exact = _core.compare(parsed, a, b, instances or "", _count(threads, "threads"))
    report = json.loads(report)
    report["exact"] = exact
    return report


def fixed_points(spec, overrides=None, **keywords):
    """For a self_sustained spec: every fixed point of each sweep point, and the saddle-node bifurcations of a sweep
    over g_E_nA or I_0_nA (`neurobatch fixed-points`)."""
    return json.loads(_core.fixed_points(load_spec(spec, overrides, **keywords)))
