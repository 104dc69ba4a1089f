"""One peer run in a fresh process: python run_one.py MODULE THREADS SIZE_JSON OUT_JSON writes the module's
run(size, threads) result to OUT_JSON. The runner starts a process per run so that every run starts alike, and so
that the thread limits (read by NumPy, BLAS, XLA and OpenMP at start-up) and Brian2's global device hold for one run.
"""
import importlib
import json
import pathlib
import sys

module, threads, size, out = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
result = importlib.import_module(module).run(size, threads)
pathlib.Path(out).write_text(json.dumps(result))
