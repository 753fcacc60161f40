#!/usr/bin/env bash
# Fuzz every parser of untrusted input (targets in fuzz/, see fuzz/README.md).
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Default: a smoke of 5 s per target (scripts/test.sh runs it); 600 for a real run. Installs
# cargo-fuzz if missing, builds every target once (stable toolchain with RUSTC_BOOTSTRAP=1,
# target dir fuzz/target), runs each target in turn on its corpus (fuzz/corpus/<target>, kept
# between runs, git-ignored) seeded from the crates' real output fixtures and fuzz/seeds/, and
# prints one line per target (runs, seconds, findings) and a total. Exits 1 on any finding; the
# input is in fuzz/artifacts/<target>/ (see fuzz/README.md for turning it into a test).
#
# FUZZ_SANITIZER=address builds with AddressSanitizer (slower; the parsers are safe Rust, so the
# default is none). FUZZ_JOBS limits build jobs.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
secs="${1:-5}"
# The smoke (CI) walks the same mutations every time, so a red CI is reproducible and a new
# finding comes from a change, not from luck; long runs explore with a random seed.
# FUZZ_SEED overrides either way (0 = random).
if [ -n "${FUZZ_SEED:-}" ]; then
  seed_arg=(-seed="$FUZZ_SEED")
elif [ -z "${1:-}" ]; then
  seed_arg=(-seed=1)
else
  seed_arg=()
fi
shift || true
export RUSTC_BOOTSTRAP=1
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
sanitizer="${FUZZ_SANITIZER:-none}"

# target → seed directories (besides fuzz/seeds/<target>, used when it exists).
declare -A seeds=(
  [platform_linux]="crates/deskside-platform/tests/fixtures/linux"
  [platform_windows]="crates/deskside-platform/tests/fixtures/windows"
  [platform_macos]="crates/deskside-platform/tests/fixtures/macos"
  [fixes_facts]="crates/deskside-fixes/tests/fixtures/linux"
  [password_kerberos]="crates/deskside-password/tests/fixtures/kerberos"
  [password_ppolicy]=""
  [password_fields]="crates/deskside-password/tests/fixtures/ad crates/deskside-password/tests/fixtures/nm"
  [config_load]="crates/deskside-config/tests/fixtures/windows crates/deskside-config/tests/fixtures/macos"
  [evidence_redact]="crates/deskside-platform/tests/fixtures/linux crates/deskside-password/tests/fixtures/kerberos"
  [png]=""
  [netprobe_dns]=""
  [netprobe_replies]=""
  [helpdesk_replies]=""
)
order=(platform_linux platform_windows platform_macos fixes_facts password_kerberos
  password_ppolicy password_fields config_load evidence_redact png netprobe_dns
  netprobe_replies helpdesk_replies)
if [ "$#" -gt 0 ]; then
  order=("$@")
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT
start=$(date +%s)
echo "== fuzz: build (sanitizer: $sanitizer)"
if ! (cd fuzz && cargo fuzz build -s "$sanitizer" ${FUZZ_JOBS:+--jobs "$FUZZ_JOBS"}) >"$log_dir/build.log" 2>&1; then
  tail -40 "$log_dir/build.log" >&2
  echo "fuzz: build failed" >&2
  exit 2
fi
build_s=$(( $(date +%s) - start ))
bin="$root/fuzz/target/x86_64-unknown-linux-gnu/release"

echo "== fuzz: ${secs}s per target"
total_runs=0
total_secs=0
total_findings=0
for t in "${order[@]}"; do
  if [ -z "${seeds[$t]+set}" ]; then
    echo "fuzz: unknown target $t" >&2
    exit 2
  fi
  corpus="$root/fuzz/corpus/$t"
  artifacts="$root/fuzz/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  dirs=("$corpus")
  [ -d "fuzz/seeds/$t" ] && dirs+=("$root/fuzz/seeds/$t")
  for d in ${seeds[$t]}; do dirs+=("$root/$d"); done
  before=$(find "$artifacts" -type f | wc -l)
  log="$log_dir/$t.log"
  status=0
  "$bin/$t" "${dirs[@]}" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2048 \
    "${seed_arg[@]}" -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1 || status=$?
  after=$(find "$artifacts" -type f | wc -l)
  findings=$((after - before))
  if [ "$status" -ne 0 ] && [ "$findings" -eq 0 ]; then
    findings=1
  fi
  # libFuzzer's last words: "Done N runs in S second(s)"; after a crash only the final stats.
  runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  ran=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -1)
  if [ -z "$runs" ]; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\)/\1/p' "$log" | tail -1)
    ran=$(sed -n 's/^stat::total_time_in_seconds: *\([0-9]*\)/\1/p' "$log" | tail -1)
  fi
  runs=${runs:-0}
  ran=${ran:-0}
  printf '%-18s runs=%-10s seconds=%-5s findings=%s\n' "$t" "$runs" "$ran" "$findings"
  if [ "$findings" -gt 0 ]; then
    grep -E 'panicked at|ERROR: libFuzzer|SUMMARY|Test unit written|^Running:' "$log" | head -8 | sed 's/^/    /'
  fi
  total_runs=$((total_runs + runs))
  total_secs=$((total_secs + ran))
  total_findings=$((total_findings + findings))
done
printf '%-18s runs=%-10s seconds=%-5s findings=%s (targets=%s, build %ss, wall %ss)\n' total \
  "$total_runs" "$total_secs" "$total_findings" "${#order[@]}" "$build_s" "$(( $(date +%s) - start ))"
if [ "$total_findings" -gt 0 ]; then
  echo "fuzz: findings in fuzz/artifacts/; see fuzz/README.md to reproduce and pin them" >&2
  exit 1
fi
