#!/usr/bin/env bash
# The Ben-Yishai ring-model studies (experiments/ring/, docs/models/ring.md) end to end: runs every spec of this
# directory with an existing neurobatch binary, prints the wall time of each run (summary.json's run.wall_s and the
# whole command's), then draws the figures and prints the [ok]/[MISMATCH] checks with plot.py.
#
#   usage: experiments/ring/run.sh [--backend auto|cpu|cuda] [--figures DIR] RESULTS_DIR
#
#   RESULTS_DIR   where the runs go, one neurobatch output directory per study: RESULTS_DIR/ring_<study>/
#                 (created if missing; the study directories must not exist yet)
#   --backend     passed to every `neurobatch run` (default auto: CUDA when a usable GPU exists, else the CPU)
#   --figures     where plot.py writes the PNGs (default RESULTS_DIR/figures/ring)
#
# Environment: NB_BIN (the binary; default build/neurobatch, relative to the repository root), NB_PY (default
# /usr/bin/python3: numpy, scipy, matplotlib).
#
# About 3.9e10 neuron-steps in all (the two 256 x 256 phase diagrams at N 128: 3.4e10 of them): about 30 s on the
# 2-core development CPU, 45 s while other jobs hold a core (see README.md for the measured times), plus about 6 s
# for plot.py.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
usage() { sed -n '6,14p' "$0" | cut -c3-; }
source "$here/../run_common.sh" "$@"

# report NAME SUMMARY_JSON WALL_S (called by run_common.sh's study): the run's wall times and throughput in
# neuron-steps per second.
report() {
  "$py" - "$@" <<'PY'
import json, sys
s = json.load(open(sys.argv[2]))
r, spec = s["run"], s["spec"]
wall = float(sys.argv[3])
N = int(spec["params"]["N"])
steps = spec["instances"] * spec["n_steps"] * N
print(f"ring: {sys.argv[1]:<26} {spec['instances']:>6} rings x {spec['n_steps']:>5} steps x N {N:>4}  "
      f"{r['backend']:>4}  run {r['wall_s']:7.2f} s (total {wall:6.2f} s)  {steps / r['wall_s']:.2e} neuron-steps/s")
PY
}

t_all=$(date +%s)
echo "ring: $nb, --backend $backend, results -> $results/"
study ring_panels_weak panels_weak.json
study ring_panels_strong panels_strong.json
study ring_panels_untuned panels_untuned.json
study ring_contrast_weak contrast_weak.json
study ring_contrast_strong contrast_strong.json
study ring_marginal_width marginal_width.json
study ring_marginal_width_n1024 marginal_width_n1024.json
study ring_phase_eps0 phase_eps0.json
study ring_phase_eps01 phase_eps01.json
study ring_diffusion diffusion.json
echo "ring: simulations done in $(($(date +%s) - t_all)) s"

"$py" "$here/plot.py" --results "$results" --figures "$figures"
echo "ring: finished in $(($(date +%s) - t_all)) s"
