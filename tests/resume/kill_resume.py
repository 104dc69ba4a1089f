#!/usr/bin/env python3
"""Kills runs at random moments and resumes them: the final files must be the bytes of an uninterrupted run.

    kill_resume.py --nb build/neurobatch [--kills 20] [--signal KILL|TERM] [--models decision,lif,network] [--seed S]
    kill_resume.py --nb build/neurobatch --checkpoint      one long chunk killed after a checkpoint, resumed
    kill_resume.py --nb build/neurobatch --disk-full       a small tmpfs (root only; skipped with the reason otherwise)

Each model's spec runs once uninterrupted (the reference), then `--kills` times: started, killed at a moment
drawn from one of three phases in turn, resumed with --resume (sometimes killed again while resuming), and
compared file by file (summary.json without its "run" section). The phases:
  compute   a random time within the run's duration
  write     the moment a chunk file appears under its temporary name (*.tmp-*) in the journal
  assembly  the moment the output directory appears inside the journal (.<name>.partial-*)
With SIGKILL nothing of the process runs after the signal; with SIGTERM the run must stop with status 75 and say
how to resume. Exit status 0 when every resume gives the reference's bytes, 1 otherwise, 77 where skipped.
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

HERE = os.path.dirname(os.path.abspath(__file__))
EXIT_STOPPED = 75  # host/cli/main.cpp

# Small specs with several chunks each, and every kind of recording the models have.
SPECS = {
    "decision": ({"model": "decision", "duration_ms": 2000, "trials": 300, "seed": 4,
                  "sweep": {"coherence": [0.0, 0.064, 0.256]},
                  "record": {"binned": {"bin_ms": 50}, "traces": {"vars": ["r1_Hz", "S2"], "instances": [0, 450, 899],
                                                                  "every": 2}}},
                 150),
    "lif": ({"model": "lif", "duration_ms": 500, "dt_ms": 0.05, "seed": 8, "trials": 400,
             "params": {"sigma_mV_sqrt_ms": 1.0},
             "sweep": {"I_nA": [0.3, 0.4, 0.5, 0.6, 0.7]},
             "record": {"traces": {"vars": ["V_mV"], "instances": list(range(0, 2000, 10)), "every": 1},
                        "spikes": {"instances": "all", "max_per_instance": 64}}},
            250),
    "network": ({"model": "network", "duration_ms": 200, "dt_ms": 0.1, "seed": 3, "trials": 4,
                 "params": {"N": 400, "p": 0.05, "raster_neurons": 100, "raster_max_spikes": 2000, "bin_ms": 5},
                 "sweep": {"kick_rate_Hz": [100, 300]},
                 "record": {"traces": {"vars": ["V_mV", "g_e_nS"], "instances": [0, 5], "every": 2}}},
                2),
}


class Campaign:
    def __init__(self, nb, work, model, signal_name, rng, extra=()):
        self.nb, self.work, self.model, self.rng = nb, work, model, rng
        self.sig = signal.SIGKILL if signal_name == "KILL" else signal.SIGTERM
        doc, chunk = SPECS[model]
        self.spec = os.path.join(work, model + ".json")
        with open(self.spec, "w") as f:
            json.dump(doc, f)
        self.args = ["--backend", "cpu", "--quiet", "--threads", "2", "--chunk-instances", str(chunk), *extra]
        ref = os.path.join(work, model + "-reference")
        t0 = time.monotonic()
        self.cmd(ref).check_returncode()
        self.duration = time.monotonic() - t0
        self.reference = files_of(ref)
        self.hits = {"compute": 0, "write": 0, "assembly": 0}

    def cmd(self, out, *more, wait=True):
        argv = [self.nb, "run", self.spec, "--out", out, *self.args, *more]
        if not wait:
            return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def journal(self, out):
        return os.path.join(os.path.dirname(out), "." + os.path.basename(out) + ".journal")

    def kill_at(self, proc, out, phase):
        """Kills `proc` at a moment of `phase`; returns the phase actually hit (None: the run ended first)."""
        journal = self.journal(out)
        if phase == "compute":
            deadline = time.monotonic() + self.rng.uniform(0.05, 0.9) * self.duration
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.002)
        else:
            skip = self.rng.randrange(3)  # not always the first chunk file
            while proc.poll() is None:
                try:
                    names = os.listdir(journal)
                except FileNotFoundError:
                    names = []
                if phase == "write" and any(".tmp-" in n for n in names):
                    if skip == 0:
                        break
                    skip -= 1
                    time.sleep(0.01)
                if phase == "assembly" and any(".partial-" in n for n in names):
                    time.sleep(self.rng.uniform(0, 0.01))
                    break
        if proc.poll() is not None:
            return None
        proc.send_signal(self.sig)
        output = proc.communicate()[0].decode()
        if proc.returncode == 0:
            return None  # it finished between the last look and the signal
        if self.sig == signal.SIGKILL:
            assert proc.returncode == -signal.SIGKILL, (proc.returncode, output)
        elif proc.returncode not in (EXIT_STOPPED, 0):  # 0: the signal came during the final write, which finishes
            raise AssertionError("SIGTERM: status %d, expected %d: %s" % (proc.returncode, EXIT_STOPPED, output))
        elif proc.returncode == EXIT_STOPPED and "--resume" not in output:
            raise AssertionError("a stopped run did not say how to resume: " + output)
        return phase

    def trial(self, k):
        out = os.path.join(self.work, "%s-%02d" % (self.model, k))
        phase = ["compute", "write", "assembly"][k % 3]
        hit = self.kill_at(self.cmd(out, wait=False), out, phase)
        if hit:
            self.hits[hit] += 1
        if k % 4 == 3 and hit and not os.path.isdir(out):  # kill the resumed run too, mid-way
            self.kill_at(self.cmd(out, "--resume", wait=False), out, "compute")
        if not os.path.isdir(out):
            r = self.cmd(out, "--resume")
            if r.returncode != 0:
                raise AssertionError("resume failed (%d): %s" % (r.returncode, r.stdout.decode()))
        elif os.path.exists(self.journal(out)):
            # Killed between the rename of the results and the removal of the journal: a resume says the run is
            # complete and removes the journal.
            r = self.cmd(out, "--resume")
            if r.returncode != 0 or b"complete already" not in r.stdout:
                raise AssertionError("resume of a written run (%d): %s" % (r.returncode, r.stdout.decode()))
            self.hits["after rename"] = self.hits.get("after rename", 0) + 1
        if os.path.exists(self.journal(out)):
            raise AssertionError("the journal outlived the results: " + self.journal(out))
        got = files_of(out)
        if got != self.reference:
            bad = differing(got, self.reference)
            raise AssertionError("%s trial %d (%s): files differ from the uninterrupted run: %s" % (self.model, k, hit, bad))
        shutil.rmtree(out)


def kills(nb, work, models, n, signal_name, rng):
    for model in models:
        c = Campaign(nb, work, model, signal_name, rng)
        for k in range(n):
            c.trial(k)
        print("%s, SIG%s: %d kills and resumes, byte-identical; phases hit: %s (run %.2f s)" %
              (model, signal_name, n, c.hits, c.duration))


def checkpoint(nb, work, rng):
    doc = {"model": "decision", "duration_ms": 600000, "trials": 100, "seed": 2, "sweep": {"coherence": [0.0, 0.1]},
           "record": {"binned": {"bin_ms": 500}}}
    c = Campaign.__new__(Campaign)
    c.nb, c.work, c.model, c.rng, c.sig = nb, work, "decision", rng, signal.SIGKILL
    c.spec = os.path.join(work, "long.json")
    with open(c.spec, "w") as f:
        json.dump(doc, f)
    c.args = ["--backend", "cpu", "--quiet", "--threads", "2"]
    ref = os.path.join(work, "long-reference")
    c.cmd(ref).check_returncode()
    out = os.path.join(work, "long")
    p = c.cmd(out, "--checkpoint-every", "0.002", wait=False)  # every 0.12 s
    journal = c.journal(out)

    def records():
        try:
            return [n for n in os.listdir(journal) if n.startswith("checkpoint-") and n.endswith(".json")]
        except FileNotFoundError:
            return []

    while len(records()) < 2 and p.poll() is None:  # both slots written once
        time.sleep(0.005)
    time.sleep(rng.uniform(0, 0.2))
    assert p.poll() is None, "the run ended before its checkpoints"
    p.send_signal(signal.SIGKILL)
    p.communicate()
    steps = []
    for name in records():
        with open(os.path.join(journal, name)) as f:
            steps.append(json.load(f)["step"])
    assert steps, "no checkpoint survived the kill (one of the two slots always should)"
    r = c.cmd(out, "--resume")
    assert r.returncode == 0, r.stdout.decode()
    assert files_of(out) == files_of(ref), "checkpointed run differs from the uninterrupted run"
    with open(os.path.join(out, "summary.json")) as f:
        resumed_steps = json.load(f)["run"]["steps_from_checkpoints"]
    assert resumed_steps == max(steps), (resumed_steps, steps)
    print("checkpoint: one chunk of 1200000 steps killed after checkpoints at steps %s, resumed from step %d: "
          "byte-identical" % (sorted(steps), resumed_steps))


def disk_full(nb, work):
    mnt = os.path.join(work, "tmpfs")
    os.makedirs(mnt)
    # 8 MiB: the filled run's results (3 MiB) twice, its chunks and the assembled output, with room for the records.
    # (6 MiB left the resume's free-space check to chance: it needs the results plus the journal's unfinished share.)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt], capture_output=True).returncode != 0:
        print("SKIPPED: cannot mount a tmpfs here (needs root and mount rights)")
        return 77
    try:
        # 1. Results known to exceed the file system: refused before the run, nothing written.
        doc = {"model": "lif", "duration_ms": 100, "trials": 1000000, "seed": 1}
        big = os.path.join(work, "big.json")
        with open(big, "w") as f:
            json.dump(doc, f)
        r = subprocess.run([nb, "run", big, "--out", os.path.join(mnt, "big"), "--quiet", "--backend", "cpu"],
                           capture_output=True, text=True)
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert "MiB are free" in r.stderr, r.stderr
        assert os.listdir(mnt) == [], os.listdir(mnt)
        print("disk: refused up front: " + r.stderr.strip().splitlines()[-1][:160] + "...")

        # 2. The disk fills during the run (another writer): finished chunks are kept, and a resume after space is
        # freed gives the uninterrupted run's bytes.
        doc = {"model": "lif", "duration_ms": 300, "dt_ms": 0.1, "trials": 200, "seed": 5,
               "params": {"sigma_mV_sqrt_ms": 1.0}, "sweep": {"I_nA": [0.3, 0.4, 0.5, 0.6, 0.7]},
               "record": {"traces": {"vars": ["V_mV"], "instances": list(range(0, 1000, 4)), "every": 1}}}
        spec = os.path.join(work, "fill.json")
        with open(spec, "w") as f:
            json.dump(doc, f)
        args = ["--quiet", "--backend", "cpu", "--threads", "1", "--chunk-instances", "50"]
        ref = os.path.join(work, "fill-reference")
        subprocess.run([nb, "run", spec, "--out", ref, *args], check=True)
        out = os.path.join(mnt, "fill")
        p = subprocess.Popen([nb, "run", spec, "--out", out, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        journal = os.path.join(mnt, ".fill.journal")
        while p.poll() is None and not os.path.exists(os.path.join(journal, "chunk-000002.json")):
            time.sleep(0.002)
        # The run is held while the disk is filled, so that it cannot finish first (a run of 0.1 s races a filler).
        p.send_signal(signal.SIGSTOP)
        filler = os.path.join(mnt, "filler")
        try:
            with open(filler, "wb") as f:  # fill what is left
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
        except OSError:
            pass
        p.send_signal(signal.SIGCONT)
        output = p.communicate()[0].decode()
        assert p.returncode == 2, (p.returncode, output)
        assert "No space left" in output and "--resume" in output, output
        kept = len([n for n in os.listdir(journal) if n.startswith("chunk-") and n.endswith(".json")])
        assert kept >= 3, kept
        assert not os.path.exists(out)
        os.remove(filler)
        r = subprocess.run([nb, "run", spec, "--out", out, *args, "--resume"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert files_of(out) == files_of(ref), "resumed after a full disk: files differ"
        print("disk: filled during the run: %d of 20 chunks kept, exit 2 with the resume command; resumed after "
              "freeing space: byte-identical" % kept)
    finally:
        subprocess.run(["umount", mnt])
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nb", required=True)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--signal", choices=["KILL", "TERM"], default="KILL")
    ap.add_argument("--models", default="decision,lif,network")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--checkpoint", action="store_true")
    ap.add_argument("--disk-full", action="store_true")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    print("seed %d" % seed)
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="nb-kill-resume-")
    try:
        if a.disk_full:
            return disk_full(a.nb, work)
        if a.checkpoint:
            checkpoint(a.nb, work, rng)
            return 0
        kills(a.nb, work, a.models.split(","), a.kills, a.signal, rng)
        return 0
    except AssertionError as e:
        print("FAILED (seed %d): %s" % (seed, e))
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
