"""Long runs from Python: Ctrl-C stops them within a time segment and writes nothing but the run's journal (for
resume=True: test_resume.py), other threads keep running while they advance, and progress shows (tqdm, plain text)
or stays silent."""
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np

import neurobatch as nb

# About 0.1 s per time segment on one thread of a 2-core machine (5e8 neuron-steps/s), half a minute in all: far
# longer than any test waits.
LONG = {"model": "lif", "duration_ms": 200000, "dt_ms": 0.1, "trials": 8000, "seed": 3}


def test_ctrl_c_raises_keyboard_interrupt_within_a_segment_and_writes_nothing_but_the_journal(tmp_path):
    # No progress function: the core's own check for signals, between two segments, has to notice.
    script = textwrap.dedent(f"""
        import sys, neurobatch as nb
        print("starting", flush=True)
        nb.run({LONG!r}, threads=1, out=sys.argv[1], progress=False)
        print("finished", flush=True)
    """)
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-c", script, str(out)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    assert child.stdout.readline().strip() == "starting"
    time.sleep(1.0)  # well into the run, which takes about a minute
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    stopped_after_s = time.monotonic() - sent
    assert child.returncode != 0
    assert "KeyboardInterrupt" in stderr, stderr
    assert stopped_after_s < 10, f"the run took {stopped_after_s:.1f} s to stop (a segment is about 0.2 s)"
    assert os.listdir(tmp_path) == [".out.journal"], "a cancelled run left something but its journal"


def test_other_python_threads_run_while_a_run_advances():
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.001)

    segments = []
    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        nb.run(dict(LONG, duration_ms=20000), threads=1, progress=lambda p: segments.append(time.monotonic()))
    finally:
        stop.set()
        thread.join()
    start, end = segments[0], segments[-1]
    assert end - start > 0.5, "the run is too short to tell"
    during = np.array([t for t in ticks if start <= t <= end])
    # The ticker needs the GIL for every tick. Were it held while the run advances, the ticker would run only in
    # the moments between segments (about one 20 ms window in ten); with it released, in nearly every window.
    windows = np.arange(start, end, 0.02)
    busy = np.mean([np.any((during >= w) & (during < w + 0.02)) for w in windows])
    assert busy > 0.5, f"the ticker ran in only {100 * busy:.0f}% of the run's 20 ms windows"


def test_progress_function_sees_the_run_advance():
    seen = []
    nb.run(dict(LONG, duration_ms=2000, trials=200), progress=seen.append)
    fractions = [p["fraction"] for p in seen]
    assert len(seen) >= 4 and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert seen[-1]["instances_done"] == seen[-1]["instances_total"] == 200


def test_an_exception_in_the_progress_function_stops_the_run_and_is_raised(tmp_path):
    def fail(p):
        raise RuntimeError("stop here")

    try:
        nb.run(dict(LONG, duration_ms=2000, trials=200), out=tmp_path / "out", progress=fail)
    except RuntimeError as e:
        assert str(e) == "stop here"
    else:
        raise AssertionError("the run did not stop")
    assert os.listdir(tmp_path) == [".out.journal"]


def test_progress_is_a_bar_with_tqdm_plain_text_without_and_silent_when_off(capfd, monkeypatch):
    spec = dict(LONG, duration_ms=1000, trials=50)
    nb.run(spec, progress=False)
    assert capfd.readouterr().err == ""
    nb.run(spec, progress=True)
    err = capfd.readouterr().err
    assert "neurobatch unnamed" in err and "100%" in err
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # import fails: as where tqdm is not installed
    nb.run(spec, progress=True)
    err = capfd.readouterr().err
    assert "neurobatch unnamed: 100.0%" in err
