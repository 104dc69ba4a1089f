"""Every error class of the core arrives as the package's exception, and nothing is written."""
import json
import os

import pytest

import neurobatch as nb
from conftest import MODEL_SPECS

SMALL = {"model": "lif", "duration_ms": 20, "trials": 2, "seed": 1}


def test_spec_error_is_a_value_error_with_the_field_and_the_clis_message(cli, tmp_path):
    bad = dict(SMALL, params={"C_nF": -1})
    out = tmp_path / "out"
    with pytest.raises(nb.SpecError) as caught:
        nb.run(bad, out=out, progress=False)
    assert isinstance(caught.value, ValueError)
    assert caught.value.field == "params.C_nF"
    spec_file = tmp_path / "bad.json"
    spec_file.write_text(json.dumps(bad))
    done = cli("run", spec_file, "--out", tmp_path / "cli-out", "--quiet")
    assert done.returncode == 2
    assert done.stderr.strip() == f"neurobatch: error: {caught.value}"
    assert not out.exists() and not (tmp_path / "cli-out").exists()
    assert os.listdir(tmp_path) == ["bad.json"]  # no temporary directory either


def test_bad_overrides_and_options_name_what_is_wrong(tmp_path):
    with pytest.raises(nb.SpecError, match="sweep.I_nA"):
        nb.run(SMALL, sweep__I_nA="high", progress=False)
    with pytest.raises(nb.InputError, match="expected KEY=VALUE"):
        nb.run(SMALL, overrides=["trials"], progress=False)
    with pytest.raises(nb.InputError, match="unknown math mode 'exactly'"):
        nb.run(SMALL, math="exactly", progress=False)
    with pytest.raises(nb.InputError, match="threads"):
        nb.run(SMALL, threads=0, progress=False)
    with pytest.raises(nb.InputError, match="allowed: auto, cpu, cuda"):
        nb.run(SMALL, backend="gpu", progress=False)
    with pytest.raises(nb.PathError, match="cannot"):
        nb.run(tmp_path / "missing.json", progress=False)
    with pytest.raises(nb.SpecError):
        nb.run("{not json", progress=False)
    assert os.listdir(tmp_path) == []


def test_an_unavailable_backend_raises_its_own_exception(tmp_path):
    reason = nb.info()["backends"]["cuda"]["reason"]
    if not reason:
        pytest.skip("a usable GPU is present: backend='cuda' is available here")
    out = tmp_path / "out"
    with pytest.raises(nb.BackendUnavailable) as caught:
        nb.run(SMALL, backend="cuda", out=out, progress=False)
    assert reason in str(caught.value)
    assert not isinstance(caught.value, ValueError)
    assert not out.exists()
    with pytest.raises(nb.BackendUnavailable):
        nb.compare(SMALL, a="cpu", b="cuda")


def test_an_unwritable_or_existing_out_is_refused_before_the_run(tmp_path):
    existing = tmp_path / "taken"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine")
    with pytest.raises(nb.PathError, match="exists") as caught:
        nb.run(SMALL, out=existing, progress=False)
    assert isinstance(caught.value, OSError)
    assert os.listdir(existing) == ["keep.txt"]
    a_file = tmp_path / "file"
    a_file.write_text("")
    with pytest.raises(nb.PathError):
        nb.run(SMALL, out=a_file / "out", progress=False)
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(nb.PathError):
            nb.run(SMALL, out=locked / "out", progress=False)
        assert os.listdir(locked) == []
    assert sorted(os.listdir(tmp_path)) == sorted(["taken", "file"] + (["locked"] if os.geteuid() != 0 else []))


def test_compare_and_fixed_points_as_the_cli_has_them(cli, tmp_path):
    report = nb.compare(MODEL_SPECS / "lif.json", a="cpu:exact", b="cpu:exact", instances=[0, 5, 13], threads=1)
    assert report["identical"] and report["exact"] and report["instances"] == 3
    assert {f["name"] for f in report["fields"]} >= {"spike_count", "rate_Hz", "trace_V_mV"}
    fast = nb.compare(MODEL_SPECS / "lif.json", a="cpu", b="cpu:fast", instances="0-9")
    assert not fast["exact"] and fast["b"]["math"] == "fast"
    with pytest.raises(nb.InputError, match="--instances"):
        nb.compare(MODEL_SPECS / "lif.json", a="cpu", b="cpu", instances="0-999999")

    spec = MODEL_SPECS / "self_sustained.json"
    done = cli("fixed-points", spec)
    assert done.returncode == 0, done.stderr
    assert nb.fixed_points(spec) == json.loads(done.stdout)
    with pytest.raises(nb.InputError, match="self_sustained"):
        nb.fixed_points(MODEL_SPECS / "lif.json")


def test_models_lists_parameters_with_units_defaults_ranges_and_observables():
    models = nb.models()
    assert set(models) == {p.stem for p in MODEL_SPECS.glob("*.json")}
    lif = models["lif"]
    C = next(p for p in lif["params"] if p["name"] == "C_nF")
    assert C["unit"] == "nF" and C["default"] > 0 and C["range"]
    assert "rate_Hz" in lif["observables"] and "V_mV" in lif["trace_vars"]
