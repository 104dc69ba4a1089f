"""A results directory as its files' bytes, for the scripts that compare runs byte for byte (tests/resume/,
tests/dist/): every file as written, summary.json without its "run" section (how the run went: time, threads,
processes, resumes), which is the one part allowed to differ."""
import json
import os


def files_of(directory):
    out = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as f:
            data = f.read()
        if name == "summary.json":
            doc = json.loads(data)
            doc.pop("run", None)
            data = json.dumps(doc, sort_keys=True).encode()
        out[name] = data
    return out


def differing(got, want):
    """The names of the files that differ between two files_of() results (missing on either side included)."""
    return sorted(n for n in set(got) | set(want) if got.get(n) != want.get(n))
