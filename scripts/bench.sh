#!/usr/bin/env bash
# Benchmarks (root; network lab): full-diagnosis wall time on the healthy lab and under the
# DNS-dead and gateway-dead faults, and device-snapshot time. Prints figures; asserts nothing.
#   RUNS=10 ./scripts/bench.sh
# Budgets (ISSUE 2): healthy ≤ 1 s; DNS-dead or gateway-dead ≤ 3 s; snapshot ≤ 100 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-10}"

cargo build --release --locked -q -p desksidectl -p deskside-lab --bins
cargo build --release --locked -q -p deskside-device --example snapshot_bench
CLI="$PWD/target/release/desksidectl"
export LABD="$PWD/target/release/deskside-labd"
LAB="tests/lab/lab.sh"

ms_now() { echo $(( $(date +%s%N) / 1000000 )); }

# stats LABEL VALUES... → min / median / max
stats() {
  local label="$1"; shift
  printf '%s\n' "$@" | sort -n | awk -v label="$label" '
    { v[NR] = $1 } END { printf "  %-34s n=%-3d min %5d ms  median %5d ms  max %5d ms\n", label, NR, v[1], v[int((NR+1)/2)], v[NR] }'
}

bench_scenario() {
  local fault="$1" id
  id="$(printf 'be%03x' $((RANDOM % 4096)))"
  bash "$LAB" up "$id"
  trap 'bash "$LAB" down "$id"' RETURN
  [ "$fault" = healthy ] || bash "$LAB" fault "$id" "$fault"
  local config="/tmp/deskside-lab/$id/config.toml"
  local engine=() wall=()
  for _ in $(seq "$RUNS"); do
    local t0 t1 json
    t0=$(ms_now)
    json=$(DESKSIDE_SYSTEM_CONFIG= DESKSIDE_USER_CONFIG= bash "$LAB" exec "$id" "$CLI" diagnose --json --config "$config" || true)
    t1=$(ms_now)
    wall+=($((t1 - t0)))
    engine+=("$(printf '%s' "$json" | sed -n 's/^  "duration_ms": \([0-9]*\),*$/\1/p' | head -1)")
  done
  local root
  root=$(printf '%s' "$json" | sed -n 's/.*"root_cause": "\{0,1\}\([a-z_.]*\)"\{0,1\},*$/\1/p' | head -1)
  echo "$fault (root cause: ${root:-none})"
  stats "engine (report duration_ms)" "${engine[@]}"
  stats "process wall (incl. netns exec)" "${wall[@]}"
}

echo "== full diagnosis in the network lab (release build, $RUNS runs each)"
bash "$LAB" cleanup-stale >/dev/null 2>&1 || true
for scenario in healthy dns-down gateway-dead; do
  bench_scenario "$scenario"
done

echo "== device snapshot"
"$PWD/target/release/examples/snapshot_bench" "$((RUNS * 3))" | sed 's/^/  in-process: /'
snap=()
for _ in $(seq "$RUNS"); do
  t0=$(ms_now); "$CLI" info --json >/dev/null; t1=$(ms_now); snap+=($((t1 - t0)))
done
stats "desksidectl info --json (process)" "${snap[@]}"
