#!/usr/bin/env bash
# Measured solution-quality runs: our solver and the peers (PyVRP, VROOM,
# OR-Tools) on the same instances, matrices and budget, in one table per set.
# Long (Solomon 56 x 10 s x 4 solvers is about 40 minutes; X and GH more):
# run it on a quiet machine. Usage:
#   benches/run_quality.sh [solomon|x|gh400|gh200|all] [extra bench_vrp args...]
# Environment: SECONDS_SOLOMON (10), SECONDS_X (30), SECONDS_GH (60), THREADS (2),
# NO_PEERS=1 to skip the peers, OUT (bench-results).
set -euo pipefail
cd "$(dirname "$0")/.."
which_set="${1:-all}"; shift || true
threads="${THREADS:-2}"
out="${OUT:-bench-results}"
mkdir -p "$out"
cargo build --release -p lastmile-benches --bin bench_vrp
bin="${CARGO_TARGET_DIR:-target}/release/bench_vrp"
if [ -z "${NO_PEERS:-}" ]; then
  python3 -c "import pyvrp, vroom, ortools" 2>/dev/null || pip install -r benches/peers/requirements.txt
fi
run() {
  local set="$1" secs="$2"; shift 2
  local peers="$out/peers-$set.csv"
  local peer_args=()
  if [ -z "${NO_PEERS:-}" ]; then
    rm -f "$peers"
    python3 benches/peers/run_peers.py --set "$set" --seconds "$secs" --threads "$threads" --out "$peers" "$@"
    peer_args=(--peers "$peers")
  fi
  "$bin" --set "$set" --seconds "$secs" --threads "$threads" "${peer_args[@]}" "$@" | tee "$out/table-$set.md"
}
case "$which_set" in
  solomon) run solomon "${SECONDS_SOLOMON:-10}" "$@" ;;
  x) run x "${SECONDS_X:-30}" "$@" ;;
  gh400) run gh400 "${SECONDS_GH:-60}" "$@" ;;
  gh200) run gh200 "${SECONDS_GH:-60}" "$@" ;;
  all)
    run solomon "${SECONDS_SOLOMON:-10}" "$@"
    run x "${SECONDS_X:-30}" "$@"
    run gh400 "${SECONDS_GH:-60}" "$@"
    ;;
  *) echo "unknown set $which_set" >&2; exit 2 ;;
esac
