"""`pip install .` from the repository builds and installs a package that gives the CLI's bits.

The package is built here without CUDA (NB_CUDA=OFF) to keep CI's 2 cores to a couple of minutes; the CUDA flavour
of the same module is built by scripts/build (python/neurobatch in the build tree links the CUDA kernels wherever
nvcc is found) and its import is checked by every other test of this folder."""
import json
import os
import subprocess
import sys

from conftest import MODEL_SPECS, SOURCE_DIR, read_npy_bytes


def test_pip_install_builds_a_package_with_the_clis_bits(cli, tmp_path):
    target, build = tmp_path / "site", tmp_path / "build"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--disable-pip-version-check",
         "--target", str(target), f"-Cbuild-dir={build}", "-Ccmake.define.NB_CUDA=OFF", str(SOURCE_DIR)],
        capture_output=True, text=True, check=False)
    assert install.returncode == 0, install.stdout[-4000:] + install.stderr[-4000:]
    assert (target / "bin" / "neurobatch").exists(), "the CLI is installed with the package"

    spec = MODEL_SPECS / "lif.json"
    out = tmp_path / "cli"
    done = cli("run", spec, "--backend", "cpu", "--out", out, "--quiet")
    assert done.returncode == 0, done.stderr
    script = ("import json, sys, neurobatch as nb; r = nb.run(sys.argv[1], backend='cpu', progress=False); "
              "print(json.dumps({'file': nb.__file__, 'arrays': {k: v.tobytes().hex() for k, v in r.arrays.items()}}))")
    env = dict(os.environ, PYTHONPATH=str(target))
    ran = subprocess.run([sys.executable, "-c", script, str(spec)], capture_output=True, text=True, env=env,
                         check=False, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    got = json.loads(ran.stdout)
    assert got["file"].startswith(str(target)), got["file"]  # the installed package, not the build tree's
    for name, hex_bytes in got["arrays"].items():
        assert bytes.fromhex(hex_bytes) == read_npy_bytes(out / f"{name}.npy")[0], name
