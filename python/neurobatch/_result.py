"""A run's results: the arrays of its output directory plus summary.json, whether they come from a run in this
process or from a directory the CLI (or ``out=``) wrote. Both give the same object, so notebooks and scripts work
on either."""

import json
import math
import os

import numpy as np


class Result:
    """The results of one run.

    ``result["rate_Hz"]`` is a NumPy array as the .npy file of that name holds it; ``result.dataset`` labels them
    (an ``xarray.Dataset``: one dimension per sweep axis, named after its parameter, then ``trial``).
    ``summary`` is summary.json; ``spec`` the resolved spec, ``run_info`` the run's facts (backend, device, wall
    time). ``path`` is the directory the results were written to or opened from (None for a run kept in memory).
    """

    def __init__(self, summary, arrays, path=None):
        self.summary = summary
        self.arrays = dict(arrays)
        self.path = path
        self._dataset = None

    @property
    def spec(self):
        return self.summary["spec"]

    @property
    def run_info(self):
        return self.summary["run"]

    @property
    def build(self):
        return self.summary["neurobatch"]

    def __getitem__(self, name):
        return self.arrays[name]

    def __contains__(self, name):
        return name in self.arrays

    def keys(self):
        return self.arrays.keys()

    @property
    def dataset(self):
        """The results as an ``xarray.Dataset`` (built once, on first use, without copying the arrays)."""
        if self._dataset is None:
            self._dataset = to_dataset(self.summary, self.arrays)
        return self._dataset

    def to_xarray(self):
        return self.dataset

    def _repr_html_(self):  # Jupyter shows the labelled view
        return self.dataset._repr_html_()

    def __repr__(self):
        run = self.run_info
        where = f", path={self.path!r}" if self.path else ""
        return (f"<neurobatch.Result {self.spec['model']!r} {self.spec['instances']} instances on {run['backend']} "
                f"({run['math']}), arrays: {', '.join(self.arrays)}{where}>")


def open_result(directory):
    """Loads an output directory (summary.json and its .npy files) into a Result."""
    from .errors import PathError

    summary_path = os.path.join(directory, "summary.json")
    try:
        with open(summary_path, encoding="utf-8") as f:
            summary = json.load(f)
    except OSError as e:
        raise PathError(f"cannot read '{summary_path}': {e.strerror or e}") from None
    arrays = {}
    for file in summary.get("files", {}):
        arrays[file[:-len(".npy")]] = np.load(os.path.join(directory, file), allow_pickle=False)
    return Result(summary, arrays, path=os.fspath(directory))


# ---- The labelled view --------------------------------------------------------------------------------------------

_UNITS = {"Hz", "ms", "mV", "nA", "nS", "nF", "pA", "deg"}  # the suffixes that name a unit ("rate_Hz")


def _unit_attrs(name):
    """{"units": ...} from the name's suffix, or {} where it names none."""
    suffix = name.rsplit("_", 1)[-1]
    return {"units": suffix} if suffix in _UNITS else {}


def _shaped(array, dims, labels):
    """The file's array with its last axis split into the model's dims where the file flattens them."""
    if len(dims) == array.ndim:
        return array
    inner = dims[array.ndim - 1:]
    known = math.prod(len(labels[d]) for d in inner if d in labels)
    sizes = [len(labels[d]) if d in labels else array.shape[-1] // known for d in inner]
    return array.reshape(array.shape[:-1] + tuple(sizes))


def _axis_coords(summary):
    spec = summary["spec"]
    coords = {}
    for dim, axis in zip(summary["axis_dims"], spec.get("axes", [])):
        if len(axis["params"]) == 1:
            coords[dim] = (dim, list(axis["values"][0]))
        else:  # a zip group: one dimension, each of its parameters a coordinate along it
            for param, values in zip(axis["params"], axis["values"]):
                coords[param] = (dim, list(values))
    return coords


def to_dataset(summary, arrays):
    import xarray as xr

    files = summary["files"]
    if any("dims" not in entry for entry in files.values()):
        raise ValueError("these results predate named dimensions (summary.json 'files' has no 'dims'); "
                         "use the arrays by name, or rerun them with this version")
    coords = _axis_coords(summary)
    spec = summary["spec"]
    coords["trial"] = ("trial", np.arange(spec["trials"]))
    data_vars = {}
    for file, entry in files.items():
        name = file[:-len(".npy")]
        dims = tuple(entry["dims"])
        labels = entry.get("labels", {})
        for dim, dim_labels in labels.items():
            coords[dim] = (dim, list(dim_labels))
        if dims == (name,):  # a 1-D array named after its dimension indexes it: trace_t_ms, spike_instances, ...
            coords[name] = (name, arrays[name], _unit_attrs(name))
            continue
        data_vars[name] = (dims, _shaped(arrays[name], dims, labels), _unit_attrs(name))
    used = {d for dims, _, _ in data_vars.values() for d in dims}
    coords = {k: v for k, v in coords.items() if v[0] in used}  # no coordinate along a dimension nothing has
    run = summary["run"]
    attrs = {
        "model": spec["model"], "name": spec.get("name", ""), "seed": spec["seed"], "dt_ms": spec["dt_ms"],
        "duration_ms": spec["duration_ms"], "instances": spec["instances"], "backend": run["backend"],
        "math": run["math"],
        # JSON text, so that the dataset can be written with to_netcdf(); Result.spec etc. hold them parsed.
        "spec": json.dumps(spec), "run": json.dumps(run), "neurobatch": json.dumps(summary["neurobatch"]),
    }
    return xr.Dataset(data_vars=data_vars, coords=coords, attrs=attrs)
