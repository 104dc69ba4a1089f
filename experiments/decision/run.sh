#!/usr/bin/env bash
# The Wong & Wang (2006) decision-model studies (experiments/decision/, docs/models/decision.md) end to end: runs every
# spec of this directory with an existing neurobatch binary, prints the wall time of each run, then draws the figures
# and prints the [ok]/[MISMATCH] checks with plot.py.
#
#   usage: experiments/decision/run.sh [--backend auto|cpu|cuda] [--figures DIR] RESULTS_DIR
#
#   RESULTS_DIR   where the runs go, one neurobatch output directory per study: RESULTS_DIR/decision_<study>/
#                 (created if missing; the study directories must not exist yet)
#   --backend     passed to every `neurobatch run` (default auto: CUDA when a usable GPU exists, else the CPU)
#   --figures     where plot.py writes the PNGs (default RESULTS_DIR/figures/decision)
#
# Environment: NB_BIN (the binary; default build/neurobatch, relative to the repository root), NB_PY (default
# /usr/bin/python3: numpy, scipy, matplotlib), NB_DECISION_TRIALS (trials per condition for every noisy study
# instead of the specs' 1e5; at least 400, the traced trials of the protocol specs).
#
# Every noisy condition runs 1e5 trials: 1.3e10 trial-steps in all, about 3 minutes on the 2-core development CPU
# (the psychometric run, 8 coherences x 1e5 trials of 2 s, about 50 s of it; see README.md for the measured times).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
usage() { sed -n '6,15p' "$0" | cut -c3-; }
source "$here/../run_common.sh" "$@"

overrides=()
if [[ -n ${NB_DECISION_TRIALS:-} ]]; then
  ((NB_DECISION_TRIALS >= 400)) || { echo "run.sh: NB_DECISION_TRIALS must be >= 400" >&2; exit 2; }
  overrides=(--set "trials=$NB_DECISION_TRIALS")
fi

# report NAME SUMMARY_JSON WALL_S (called by run_common.sh's study): the run's wall times and throughput.
report() {
  "$py" - "$@" <<'PY'
import json, sys
s = json.load(open(sys.argv[2]))
r, spec = s["run"], s["spec"]
wall = float(sys.argv[3])
points = spec["instances"] // spec["trials"]
print(f"decision: {sys.argv[1]:<28} {points:>2} x {spec['trials']:>6} trials x {spec['n_steps']:>5} steps  "
      f"{r['backend']:>4}  run {r['wall_s']:7.2f} s (total {wall:6.2f} s)  {r['neuron_steps_per_s']:.2e} trial-steps/s")
PY
}

t_all=$(date +%s)
echo "decision: $nb, --backend $backend, results -> $results/${NB_DECISION_TRIALS:+ (trials $NB_DECISION_TRIALS)}"
study decision_protocols_clean protocols_clean.json
study decision_spontaneous spontaneous.json ${overrides[@]+"${overrides[@]}"}
study decision_working_memory working_memory.json ${overrides[@]+"${overrides[@]}"}
study decision_two_inputs two_inputs.json ${overrides[@]+"${overrides[@]}"}
study decision_reset reset.json ${overrides[@]+"${overrides[@]}"}
study decision_psychometric psychometric.json ${overrides[@]+"${overrides[@]}"}
study decision_phi phi.json ${overrides[@]+"${overrides[@]}"}
study decision_duration duration.json ${overrides[@]+"${overrides[@]}"}
echo "decision: simulations done in $(($(date +%s) - t_all)) s"

"$py" "$here/plot.py" --results "$results" --figures "$figures"
echo "decision: finished in $(($(date +%s) - t_all)) s"
