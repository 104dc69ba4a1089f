"""neurobatch.run gives the CLI's bits, and open() gives back what run() wrote."""
import json

import numpy as np
import pytest

import neurobatch as nb
from conftest import MODEL_SPECS, MODELS, read_npy_bytes, without_run


@pytest.mark.parametrize("model", MODELS)
def test_python_run_equals_cli_run_bit_for_bit(model, cli, tmp_path):
    spec = MODEL_SPECS / f"{model}.json"
    out = tmp_path / "cli"
    done = cli("run", spec, "--backend", "cpu", "--out", out, "--quiet")
    assert done.returncode == 0, done.stderr
    cli_summary = json.loads((out / "summary.json").read_text())
    result = nb.run(spec, backend="cpu", progress=False)

    assert sorted(result.keys()) == sorted(f[:-4] for f in cli_summary["files"])
    for name, array in result.arrays.items():
        data, dtype, shape = read_npy_bytes(out / f"{name}.npy")
        assert (array.dtype.str, array.shape) == (dtype, shape), name
        assert np.ascontiguousarray(array).tobytes() == data, f"{model}: {name} differs from the CLI's"
    assert without_run(result.summary) == without_run(cli_summary)


@pytest.mark.parametrize("model", MODELS)
def test_open_round_trip_equals_the_in_memory_result(model, tmp_path):
    out = tmp_path / "py"
    result = nb.run(MODEL_SPECS / f"{model}.json", backend="cpu", progress=False, out=out)
    assert result.path == str(out)
    loaded = nb.open(out)
    assert loaded.summary == result.summary
    assert loaded.keys() == result.keys()
    for name in result.keys():
        assert loaded[name].dtype == result[name].dtype and loaded[name].shape == result[name].shape
        assert loaded[name].tobytes() == result[name].tobytes(), name
    assert loaded.dataset.identical(result.dataset)


def test_spec_as_dict_text_or_path_and_overrides_give_the_same_bits(tmp_path):
    path = MODEL_SPECS / "lif.json"
    doc = json.loads(path.read_text())
    by_path = nb.run(path, progress=False, backend="cpu", trials=6, params__V_reset_mV=-62)
    doc["trials"] = 6
    doc.setdefault("params", {})["V_reset_mV"] = -62
    by_dict = nb.run(doc, progress=False, backend="cpu")
    by_text = nb.run(json.dumps(doc), progress=False, backend="cpu")
    by_list = nb.run(path, progress=False, backend="cpu", overrides=["trials=6", "params.V_reset_mV=-62"])
    for other in (by_dict, by_text, by_list):
        for name in by_path.keys():
            assert other[name].tobytes() == by_path[name].tobytes(), name
    assert by_path.spec["trials"] == 6 and by_path.spec["params"]["V_reset_mV"] == -62
    assert by_path.spec["name"] == "lif" and by_dict.spec["name"] == "unnamed"
