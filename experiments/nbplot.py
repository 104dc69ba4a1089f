"""Shared infrastructure of the experiments' plot scripts (experiments/lif/plot.py, experiments/synapse/plot.py,
experiments/synapse/plot_coba.py): a NeuroBatch results directory as a Study, load/footnote/save helpers and the
[ok]/[MISMATCH] check counter.

The scripts import it after putting experiments/ on sys.path; each subclasses Study where it needs model-specific
methods. Needs only numpy and matplotlib; the scripts select the Agg backend before importing this module.
"""
import json
import os

import numpy as np
import matplotlib.pyplot as plt


class Study:
    """One NeuroBatch output directory: summary.json plus lazily loaded .npy files."""

    def __init__(self, path):
        self.path = path
        with open(os.path.join(path, "summary.json")) as f:
            self.summary = json.load(f)
        self.spec = self.summary["spec"]
        self.run = self.summary["run"]

    def npy(self, name):
        return np.load(os.path.join(self.path, name + ".npy"))

    def param(self, name, point=0):
        """A parameter's value at a sweep point (constant params or swept ones)."""
        if name in self.spec["params"]:
            return self.spec["params"][name]
        return self.summary["points"][point]["params"][name]

    def params_at(self, point=0):
        p = dict(self.spec["params"])
        p.update(self.summary["points"][point]["params"])
        return p

    def axis_values(self, name):
        """The values of a swept parameter as the spec lists them."""
        for ax in self.spec["axes"]:
            if name in ax["params"]:
                return ax["values"][ax["params"].index(name)]
        raise KeyError(name)

    def axis(self, name):
        return np.array(self.axis_values(name))

    def traces(self):
        """(t_ms, V (rows, samples), instance ids)."""
        return self.npy("trace_t_ms"), self.npy("trace_V_mV"), self.npy("trace_instances")

    def point_of(self, instance):
        return int(instance) // int(self.spec["trials"])

    def spike_times(self):
        """{instance: array of spike times in ms}."""
        times, ids = self.npy("spike_times_ms"), self.npy("spike_instances")
        return {int(i): row[np.isfinite(row)] for i, row in zip(ids, times)}

    def describe(self):
        r, s = self.run, self.spec
        dev = r.get("device", "")
        return (f"{s['name']}: {r['backend']} ({dev}), {s['trials']} trial(s) x {s['instances'] // s['trials']} point(s), "
                f"{s['duration_ms'] / 1000:g} s at dt {s['dt_ms']:g} ms, {s['integrator']}; wall {r['wall_s']:.2f} s")


def load(results, name, cls=Study):
    """results/name as a cls (Study or a subclass), or None where it holds no summary.json."""
    path = os.path.join(results, name)
    if not os.path.isfile(os.path.join(path, "summary.json")):
        return None
    return cls(path)


def footnote(fig, studies, y=0.005):
    lines = [s.describe() for s in studies if s is not None]
    fig.text(0.005, y, "\n".join(lines), fontsize=6.5, color="0.35", va="bottom", ha="left", family="monospace")


def save(fig, figdir, name, tag):
    """Writes figdir/name and prints "<tag>: wrote <path>" (tag: the script's name)."""
    path = os.path.join(figdir, name)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"{tag}: wrote {path}")


CHECKS = {"ok": 0, "MISMATCH": 0}


def check(ok, text):
    """Prints one comparison tagged [ok] or [MISMATCH]; the counts (CHECKS) are summarised at the end."""
    tag = "ok" if ok else "MISMATCH"
    CHECKS[tag] += 1
    print(f"  [{tag}] {text}")
    return ok
