#!/usr/bin/env python3
"""A run spread over processes writes the bytes of a run in one process.

    same_bits.py --nb build/neurobatch [--models lif,network] [--ranks 1,2,3,4] [--shards 1,2,3,7]
    same_bits.py --nb build/neurobatch --killed-rank      a rank killed mid-run, resumed with another rank count

For every model's small spec (tests/models/<model>.json): one process (the reference), then `mpirun
--oversubscribe -np K` for each K, then N job-array shards for each N (run in a shuffled order; the shard that completes the
run writes the directory; with 7 shards the writing is claimed beforehand and `neurobatch merge` writes it).
Every .npy and summary.json without its "run" section must be the reference's bytes. The MPI part is skipped, with
the reason, where the build has no MPI or mpirun is missing. Runs as root are allowed to Open MPI here
(OMPI_ALLOW_RUN_AS_ROOT), as CI runs as root. Exit status 0 when all agree, 1 otherwise, 77 where nothing could run.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from result_files import differing, files_of  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MPI_ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1",
               # Waiting ranks yield their core: on a shared 2-core machine a busy-waiting rank slows the others.
               OMPI_MCA_mpi_yield_when_idle="1")


def run(argv, env=None, check=True):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    if check and r.returncode != 0:
        raise AssertionError("%s exited %d: %s" % (" ".join(argv), r.returncode, r.stdout.decode()[-2000:]))
    return r


def compare(got_dir, reference, what):
    got = files_of(got_dir)
    if got != reference:
        bad = differing(got, reference)
        raise AssertionError("%s: files differ from the one-process run: %s" % (what, bad))


def mpi_available(nb):
    info = json.loads(run([nb, "info"]).stdout)
    if not info["backends"].get("mpi", {}).get("available"):
        return "this neurobatch was built without MPI"
    if shutil.which("mpirun") is None:
        return "mpirun is not installed"
    return None


def same_bits(nb, work, models, ranks, shards, rng, python=None, pythonpath=""):
    skipped = mpi_available(nb)
    if skipped:
        print("MPI part SKIPPED: " + skipped)
    for model in models:
        spec = os.path.join(ROOT, "tests", "models", model + ".json")
        base = [nb, "run", spec, "--backend", "cpu", "--quiet"]
        ref_dir = os.path.join(work, model + "-one")
        run(base + ["--out", ref_dir])
        reference = files_of(ref_dir)
        done = []
        for k in ([] if skipped else ranks):
            out = os.path.join(work, "%s-k%d" % (model, k))
            run(["mpirun", "--oversubscribe", "-np", str(k)] + base + ["--out", out], env=MPI_ENV)
            compare(out, reference, "%s, %d MPI ranks" % (model, k))
            with open(os.path.join(out, "summary.json")) as f:
                processes = json.load(f)["run"].get("processes", "")
            assert k == 1 or processes == "%d MPI ranks" % k, processes
            done.append("K=%d" % k)
        for n in shards:
            out = os.path.join(work, "%s-n%d" % (model, n))
            order = list(range(n))
            rng.shuffle(order)
            # With 7 shards the writing is claimed before they start (as if its claimant had died): no shard may
            # write, merge refuses until every chunk is done, then writes. Otherwise the shard that completes the
            # run writes it.
            claimed = n == 7
            for pos, i in enumerate(order):
                run(base + ["--out", out, "--shard", "%d/%d" % (i, n)])
                if claimed and pos == 0:
                    open(os.path.join(work, ".%s-n%d.journal" % (model, n), "assembly.claim"), "w").close()
                    r = run([nb, "merge", out], check=False)
                    assert r.returncode == 2 and b"not done yet" in r.stdout, r.stdout
            if claimed:
                assert not os.path.isdir(out), "a shard wrote the directory despite the claim"
                run([nb, "merge", out, "--quiet"])
            compare(out, reference, "%s, %d shards (order %s)" % (model, n, order))
            done.append("N=%d" % n)
        if python and not skipped and model == "decision":
            out = os.path.join(work, model + "-python-k2")
            script = ("import sys, neurobatch as nb\n"
                      "r = nb.run(sys.argv[1], backend='cpu', out=sys.argv[2], progress=False)\n"
                      "print('result' if r is not None else 'part')\n")
            env = dict(MPI_ENV, PYTHONPATH=pythonpath)
            r = run(["mpirun", "--oversubscribe", "-np", "2", python, "-c", script, spec, out], env=env)
            assert sorted(r.stdout.decode().split()) == ["part", "result"], r.stdout
            compare(out, reference, "%s, Python under mpirun -np 2" % model)
            done.append("Python K=2")
        print("%s: one process = %s, byte for byte" % (model, ", ".join(done)))
    return 0


def killed_rank(nb, work):
    skipped = mpi_available(nb)
    if skipped:
        print("SKIPPED: " + skipped)
        return 77
    doc = {"model": "decision", "duration_ms": 20000, "trials": 4000, "seed": 7, "sweep": {"coherence": [0.0, 0.1, 0.2]},
           "record": {"binned": {"bin_ms": 100}}}
    spec = os.path.join(work, "long.json")
    with open(spec, "w") as f:
        json.dump(doc, f)
    base = [nb, "run", spec, "--backend", "cpu", "--quiet", "--chunk-instances", "500"]
    ref_dir = os.path.join(work, "long-one")
    run(base + ["--out", ref_dir])
    out = os.path.join(work, "long")
    journal = os.path.join(work, ".long.journal")
    p = subprocess.Popen(["mpirun", "--oversubscribe", "-np", "3"] + base + ["--out", out], env=MPI_ENV,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def kept():
        try:
            return len([n for n in os.listdir(journal) if n.startswith("chunk-") and n.endswith(".json")])
        except FileNotFoundError:
            return 0

    while kept() < 4 and p.poll() is None:
        time.sleep(0.01)
    assert p.poll() is None, "the run ended before a rank could be killed"
    ranks = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
    assert ranks, "no rank processes under mpirun"
    os.kill(int(ranks[-1]), signal.SIGKILL)
    output = p.communicate()[0].decode()
    assert p.returncode != 0, "mpirun succeeded although a rank was killed"
    before = kept()
    assert not os.path.isdir(out)
    r = run(["mpirun", "--oversubscribe", "-np", "2"] + base + ["--out", out, "--resume"], env=MPI_ENV)
    compare(out, files_of(ref_dir), "killed with 3 ranks, resumed with 2")
    print("a rank of 3 killed with %d of 24 chunks kept (mpirun exited %d); resumed with 2 ranks: byte for byte"
          % (before, p.returncode))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nb", required=True)
    ap.add_argument("--models", default=",".join(sorted(f[:-5] for f in os.listdir(os.path.join(ROOT, "tests", "models")))))
    ap.add_argument("--ranks", default="1,2,3,4")
    ap.add_argument("--shards", default="1,2,3,7")
    ap.add_argument("--killed-rank", action="store_true")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--python", help="also run the decision spec from Python under mpirun with this interpreter")
    ap.add_argument("--pythonpath", default="", help="where that interpreter finds the neurobatch package")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    print("seed %d" % seed)
    work = tempfile.mkdtemp(prefix="nb-dist-")
    try:
        if a.killed_rank:
            return killed_rank(a.nb, work)
        return same_bits(a.nb, work, a.models.split(","), [int(k) for k in a.ranks.split(",")],
                         [int(n) for n in a.shards.split(",")], random.Random(seed), a.python, a.pythonpath)
    except AssertionError as e:
        print("FAILED (seed %d): %s" % (seed, e))
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
