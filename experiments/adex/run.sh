#!/usr/bin/env bash
# Runs the AdEx studies into results/adex-<timestamp>/ (or $1) on --backend auto; then: python3 plot.py --results DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
nb=${NB_BIN:-$root/build/neurobatch}
out=${1:-$root/results/adex-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
run() { "$nb" run "$here/$1.json" --backend "${NB_BACKEND:-auto}" --quiet --out "$out/$2" "${@:3}"; }
run naud naud
run naud naud_euler --set integrator=euler
run fI fI
for integ in exponential euler; do
  for dt in 0.2 0.1 0.05 0.025 0.0125 0.00625; do run dt "dt_${integ}_$dt" --set integrator=$integ --set dt_ms=$dt; done
done
run dt dt_reference --set dt_ms=0.0015625
run map_ab map_ab
run map_tauw_Vr map_tauw_Vr
echo "$out"
