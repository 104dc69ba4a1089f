"""Shared fixtures: the CLI built beside the package (NB_CLI, set by ctest) and the repository (NB_SOURCE_DIR)."""
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("NB_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
MODEL_SPECS = SOURCE_DIR / "tests" / "models"
MODELS = sorted(p.stem for p in MODEL_SPECS.glob("*.json"))


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("NB_CLI", str(SOURCE_DIR / "build" / "neurobatch"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"the neurobatch CLI is not at {path} (set NB_CLI)")

    def run(*args):
        return subprocess.run([path, *map(str, args)], capture_output=True, text=True, check=False)

    return run


def read_npy_bytes(path):
    """A .npy file's data bytes (header skipped), for byte-for-byte comparisons."""
    array = np.load(path, allow_pickle=False)
    return np.ascontiguousarray(array).tobytes(), array.dtype.str, array.shape


def without_run(summary):
    summary = json.loads(json.dumps(summary))
    summary.pop("run", None)
    return summary
