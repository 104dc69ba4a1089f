"""A run into a directory keeps its finished chunks: stopped from Python (Ctrl-C, an exception in the progress
callback), it resumes with resume=True to the bytes of an uninterrupted run, and the CLI can resume it too."""
import json

import numpy as np
import pytest

import neurobatch as nb
from neurobatch.errors import InputError

SPEC = {"model": "lif", "duration_ms": 300, "dt_ms": 0.1, "seed": 11, "trials": 10,
        "params": {"sigma_mV_sqrt_ms": 0.8}, "sweep": {"I_nA": [0.3, 0.4, 0.45, 0.5]},
        "record": {"traces": {"vars": ["V_mV"], "instances": [0, 17, 39], "every": 10},
                   "spikes": {"instances": [3, 17, 25], "max_per_instance": 40}}}


def files(directory):
    out = {}
    for path in sorted(directory.iterdir()):
        data = path.read_bytes()
        if path.name == "summary.json":
            doc = json.loads(data)
            doc.pop("run")
            data = json.dumps(doc)
        out[path.name] = data
    return out


def stop_after(segments):
    seen = []

    def progress(p):
        seen.append(p)
        if len(seen) == segments:
            raise KeyboardInterrupt

    return progress


def test_stopped_run_resumes_to_the_same_bytes(tmp_path):
    whole = nb.run(SPEC, backend="cpu", chunk_instances=8, out=tmp_path / "whole", progress=False)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        nb.run(SPEC, backend="cpu", chunk_instances=8, out=out, progress=stop_after(3))
    assert not out.exists()
    journal = tmp_path / ".out.journal"
    assert sorted(p.name for p in journal.glob("chunk-*.json")) == ["chunk-000000.json", "chunk-000001.json"]

    with pytest.raises(InputError, match="2 of 5 chunks done.*--resume"):
        nb.run(SPEC, backend="cpu", out=out, progress=False)
    with pytest.raises(InputError, match="resolved spec"):
        nb.run(SPEC, backend="cpu", out=out, progress=False, resume=True, trials=11)

    resumed = nb.run(SPEC, backend="cpu", threads=1, out=out, progress=False, resume=True)
    assert not journal.exists()
    assert files(out) == files(tmp_path / "whole")
    assert np.array_equal(resumed["rate_Hz"], whole["rate_Hz"])
    assert resumed.run_info["chunks_from_journal"] == 2
    assert len(resumed.run_info["resumed"]) == 1


def test_the_cli_resumes_a_run_stopped_in_python(tmp_path, cli):
    (tmp_path / "spec.json").write_text(json.dumps(SPEC))
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        nb.run(tmp_path / "spec.json", backend="cpu", chunk_instances=8, out=out, progress=stop_after(4))
    r = cli("run", tmp_path / "spec.json", "--backend", "cpu", "--quiet", "--out", out, "--resume")
    assert r.returncode == 0, r.stderr
    reference = nb.run(tmp_path / "spec.json", backend="cpu", chunk_instances=8, out=tmp_path / "ref", progress=False)
    assert files(out) == files(tmp_path / "ref")
    assert reference.run_info.get("resumed") is None


def test_resume_needs_out_and_checkpoint_interval_is_checked(tmp_path):
    with pytest.raises(InputError, match="out"):
        nb.run(SPEC, backend="cpu", resume=True, progress=False)
    with pytest.raises(ValueError, match="checkpoint_every_min"):
        nb.run(SPEC, backend="cpu", out=tmp_path / "o", checkpoint_every_min=0, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_shards_from_python_and_merge_give_the_bytes_of_one_run(tmp_path):
    one = nb.run(SPEC, backend="cpu", out=tmp_path / "one", progress=False)
    out = tmp_path / "sharded"
    assert nb.run(SPEC, backend="cpu", out=out, shard=(2, 3), progress=False) is None
    with pytest.raises(InputError, match="not done yet"):
        nb.merge(out)
    assert nb.run(SPEC, backend="cpu", out=out, shard=(0, 3), progress=False) is None
    (tmp_path / ".sharded.journal" / "assembly.claim").touch()  # the writing is claimed: merge writes
    assert nb.run(SPEC, backend="cpu", out=out, shard=(1, 3), progress=False) is None
    merged = nb.merge(out)
    assert files(out) == files(tmp_path / "one")
    assert np.array_equal(merged["rate_Hz"], one["rate_Hz"])
    with pytest.raises(ValueError, match="shard"):
        nb.run(SPEC, backend="cpu", out=tmp_path / "x", shard=(3, 3))
