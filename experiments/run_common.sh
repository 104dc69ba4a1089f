# Shared by experiments/*/run.sh (source it with the script's arguments, after defining `usage` and setting `here`
# to the study's folder): parses --backend, --figures (default RESULTS_DIR/figures/<study folder>, never the
# committed experiments/*/figures/ unless named on purpose) and the RESULTS_DIR argument, finds the binaries (NB_BIN,
# default build/neurobatch relative to the repository root; NB_PY, default /usr/bin/python3) and creates
# RESULTS_DIR. A study with options of its own defines `run_extra_option "$@"`, which handles "$1" (and its value),
# sets run_shift to the number of arguments it used and returns 0, or returns 1 for an option it does not know.
# Sets: root, backend, figures, results, nb, py; defines `study` (below), which calls the study's own `report`.
root=$(cd "$here/../.." && pwd)
backend=auto
figures=
results=
while (($#)); do
  case $1 in
    --backend) backend=${2:?--backend needs a value}; shift 2 ;;
    --backend=*) backend=${1#*=}; shift ;;
    --figures) figures=${2:?--figures needs a value}; shift 2 ;;
    --figures=*) figures=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    -*)
      run_shift=0
      if declare -F run_extra_option >/dev/null && run_extra_option "$@"; then
        shift "$run_shift"
      else
        echo "run.sh: unknown option $1" >&2; usage >&2; exit 2
      fi ;;
    *) [[ -z $results ]] || { echo "run.sh: one RESULTS_DIR only" >&2; exit 2; }; results=$1; shift ;;
  esac
done
[[ -n $results ]] || { usage >&2; exit 2; }
[[ -n $figures ]] || figures=$results/figures/$(basename "$here")

nb=${NB_BIN:-build/neurobatch}
[[ $nb == /* ]] || nb=$root/$nb
py=${NB_PY:-/usr/bin/python3}
[[ -x $nb ]] || { echo "run.sh: $nb not found or not executable (set NB_BIN, or build it)" >&2; exit 1; }
[[ -x $py ]] || { echo "run.sh: $py not found (set NB_PY)" >&2; exit 1; }
mkdir -p "$results"

# study NAME SPEC [neurobatch options...]: runs SPEC (in the study's folder) into $results/NAME with the chosen backend
# (extra options such as --set KEY=VALUE are passed on), then calls the study's `report NAME SUMMARY_JSON WALL_S`
# to print one line: summary.json holds the simulation's own wall time; WALL_S is the shell's, start-up and writing
# the results included.
study() {
  local name=$1 spec=$2 t0 t1
  shift 2
  t0=$(date +%s.%N)
  "$nb" run "$here/$spec" --backend "$backend" --out "$results/$name" --quiet "$@"
  t1=$(date +%s.%N)
  report "$name" "$results/$name/summary.json" "$("$py" -c "print($t1 - $t0)")"
}
