#!/usr/bin/env bash
# The spiking E/I network studies (experiments/network/, docs/models/network.md: COBA, Vogels & Abbott 2005, Brette et
# al. 2007) end to end: runs every spec of this directory with an existing neurobatch binary, prints the wall time of
# each run (summary.json's run.wall_s and the whole command's), then draws the figures and prints the
# [ok]/[MISMATCH] checks with plot.py.
#
#   usage: experiments/network/run.sh [--backend auto|cpu|cuda] [--figures DIR] [--map-trials N] [--map-ms MS]
#                                     RESULTS_DIR
#
#   RESULTS_DIR   where the runs go, one neurobatch output directory per run: RESULTS_DIR/network_<study>/
#                 (created if missing; the run directories must not exist yet)
#   --backend     passed to every `neurobatch run` (default auto: CUDA when a usable GPU exists, else the CPU)
#   --figures     where plot.py writes the PNGs (default RESULTS_DIR/figures/network)
#   --map-trials  networks per point of the survival map (default: the spec's 20; the map's cost is proportional)
#   --map-ms      the survival map's duration (default: 10000 on the GPU, which gives survival at 1 s and 10 s
#                 from one run; 1000 on the CPU, about 1.5 minutes on 2 cores, where 10 s take about 9)
#
# Environment: NB_BIN (the binary; default build/neurobatch, relative to the repository root), NB_PY (default
# /usr/bin/python3: numpy, matplotlib).
#
# About 1.8 minutes on the 2-core development CPU (see README.md for the measured times); the 1 s survival map
# (20480 networks of N = 1000) is 86 s of it (--map-trials 10 halves it). plot.py takes about 5 s.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
usage() { sed -n '7,17p' "$0" | cut -c3-; }
map_trials=()
map_ms=
run_extra_option() {
  case $1 in
    --map-trials) map_trials=(--set "trials=${2:?--map-trials needs a value}"); run_shift=2 ;;
    --map-trials=*) map_trials=(--set "trials=${1#*=}"); run_shift=1 ;;
    --map-ms) map_ms=${2:?--map-ms needs a value}; run_shift=2 ;;
    --map-ms=*) map_ms=${1#*=}; run_shift=1 ;;
    *) return 1 ;;
  esac
}
source "$here/../run_common.sh" "$@"
if [[ -z $map_ms ]]; then
  on_gpu=false
  case $backend in
    cuda) on_gpu=true ;;
    auto) "$nb" info | "$py" -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["backends"]["cuda"]["available"] else 1)' && on_gpu=true ;;
  esac
  map_ms=1000; $on_gpu && map_ms=10000
fi

# report NAME SUMMARY_JSON WALL_S (called by run_common.sh's study): the run's wall times and throughput in
# network-seconds per second.
report() {
  "$py" - "$@" <<'PY'
import json, sys
s = json.load(open(sys.argv[2]))
r, spec = s["run"], s["spec"]
wall = float(sys.argv[3])
N = int(spec["params"]["N"])
net_s = spec["instances"] * spec["duration_ms"] / 1000
print(f"network: {sys.argv[1]:<30} {spec['instances']:>6} networks x {spec['duration_ms'] / 1000:>4g} s x N {N:>6}  "
      f"{r['backend']:>4}  run {r['wall_s']:7.2f} s (total {wall:6.2f} s)  {net_s / r['wall_s']:8.2f} network-s/s")
PY
}

t_all=$(date +%s)
echo "network: $nb, --backend $backend, results -> $results/"
# 1. COBA with and without the kick (raster of every cell, traces of cell 0)
study network_coba coba.json
# 2. survival: the (w_e, w_i) map (N = 1000, p = 0.08: COBA's in-degree and weights; --map-ms), the kick strength
#    (N = 4000, 1 s), and 10 s lifetimes. The map is split into chunks of at most 1 GB (20480 networks at once would
#    hold 6.5 GB of connectivity).
study network_survival_map survival_map.json --memory-budget-MB 1024 --set "duration_ms=$map_ms" \
  ${map_trials[@]+"${map_trials[@]}"}
study network_survival_kick survival_kick.json
study network_lifetime_n1000 lifetime_n1000.json
study network_lifetime_n2000 lifetime_n2000.json
study network_lifetime_n4000 lifetime_n4000.json
# 3. scaling with Brette et al.'s weight factor (4000/N)(0.02/p), one network per size:
#    fixed_p: p = 0.02, w x 4000/N (in-degree 0.02 N); 1 s up to N = 16000, 200 ms above (building 0.02 N^2 synapses
#             dominates there);
#    fixed_K: p = 0.02 x 4000/N (in-degree 80 = 64 E + 16 I), weights unchanged; 1 s.
for N in 1000 2000 4000 8000 16000 32000 64000 100000; do
  f=$(awk -v N="$N" 'BEGIN { printf "%.10g", 4000 / N }')
  T=1000; ((N <= 16000)) || T=200
  study "network_scaling_fixed_p_N$N" scaling.json --set name="\"network_scaling_fixed_p_N$N\"" --set "params.N=$N" \
    --set "duration_ms=$T" --set "params.w_e_nS=$(awk -v f="$f" 'BEGIN { printf "%.10g", 4 * f }')" \
    --set "params.w_i_nS=$(awk -v f="$f" 'BEGIN { printf "%.10g", 51 * f }')"
done
for N in 1000 2000 4000 8000 16000 32000 64000 100000; do
  study "network_scaling_fixed_K_N$N" scaling.json --set name="\"network_scaling_fixed_K_N$N\"" --set "params.N=$N" \
    --set "params.p=$(awk -v N="$N" 'BEGIN { printf "%.10g", 0.02 * 4000 / N }')"
done
echo "network: simulations done in $(($(date +%s) - t_all)) s"

"$py" "$here/plot.py" --results "$results" --figures "$figures"
echo "network: finished in $(($(date +%s) - t_all)) s"
