"""Progress of a run: a tqdm bar where tqdm is installed (tqdm.auto: a widget in Jupyter, text in a terminal),
else one line of plain text on stderr, redrawn at most a few times a second."""

import sys
import time


class TextBar:
    def __init__(self, label):
        self.label = label
        self.last = 0.0

    def update(self, fraction, eta_s):
        now = time.monotonic()
        if now - self.last < 0.25 and fraction < 1:
            return
        self.last = now
        sys.stderr.write(f"\r{self.label}: {100 * fraction:5.1f}%  eta {eta_s:6.1f} s")
        sys.stderr.flush()

    def close(self):
        sys.stderr.write("\n")
        sys.stderr.flush()


class TqdmBar:
    def __init__(self, label, tqdm):
        self.bar = tqdm(total=1000, desc=label, unit="‰", leave=True, bar_format="{l_bar}{bar}| {elapsed}<{remaining}")

    def update(self, fraction, eta_s):
        self.bar.update(int(1000 * fraction) - self.bar.n)

    def close(self):
        self.bar.close()


def make_bar(label):
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return TextBar(label)
    return TqdmBar(label, tqdm)


class Reporter:
    """What the core calls once per time segment: draws the bar and, where given, calls the user's function with
    a dict of the run's progress."""

    def __init__(self, label, show, callback=None):
        self.bar = make_bar(label) if show else None
        self.callback = callback

    @property
    def active(self):
        return self.bar is not None or self.callback is not None

    def __call__(self, work_done, work_total, instances_done, instances_total, elapsed_s, eta_s):
        fraction = work_done / work_total if work_total > 0 else 1.0
        if self.bar is not None:
            self.bar.update(fraction, eta_s)
        if self.callback is not None:
            self.callback({"fraction": fraction, "instances_done": instances_done,
                           "instances_total": instances_total, "elapsed_s": elapsed_s, "eta_s": eta_s})

    def close(self):
        if self.bar is not None:
            self.bar.close()
