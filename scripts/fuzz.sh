#!/bin/sh
# usage: scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]
# Runs each libFuzzer target of BUILD_DIR (a -DLEVDYN_FUZZ=ON clang build) for SECONDS under
# ASan+UBSan, FUZZ_JOBS at a time (default: the CPUs this process may use; each fuzzer is one
# process on one core). The corpus of a target is BUILD_DIR/fuzz-corpus/<target>:
# seeded at every run from the shared fixtures (codec targets), tests/fuzz/seeds/<target> and
# tests/fuzz/regressions/<target>, and kept between runs. A crash leaves its input in
# BUILD_DIR/fuzz-artifacts/<target>/; minimize it (-minimize_crash=1) and commit it under
# tests/fuzz/regressions/<target>/ with the fix. Exit status: 1 when any target failed.
set -eu
build=$1
seconds=$2
shift 2
src=$(cd "$(dirname "$0")/.." && pwd)
fixtures=${LEVDYN_FIXTURES:-$src/../shared/fixtures}
targets=${*:-"binance bybit okx deribit bitmex hyperliquid config jsonl capture_frame http_target"}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}

# fuzz_one TARGET: one target's run; its summary line goes to $build/fuzz-TARGET.summary.
fuzz_one() {
  t=$1
  exe=$build/tests/fuzz/fuzz_$t
  corpus=$build/fuzz-corpus/$t
  artifacts=$build/fuzz-artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  for seeds in "$fixtures/$t" "$src/tests/fuzz/seeds/$t" "$src/tests/fuzz/regressions/$t"; do
    [ -d "$seeds" ] && find "$seeds" -maxdepth 1 -type f ! -name '.*' -exec cp -f {} "$corpus/" \;
  done
  dict=""
  [ -f "$src/tests/fuzz/dict/$t.dict" ] && dict="-dict=$src/tests/fuzz/dict/$t.dict"
  echo "fuzz: $t for ${seconds}s ($(ls "$corpus" | wc -l) corpus inputs)"
  log=$build/fuzz-$t.log
  start=$(date +%s)
  if "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$artifacts/" $dict "$corpus" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    tail -n 60 "$log" >&2
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
  echo "$t: $status, $(( $(date +%s) - start ))s, ${runs:-?} runs, $cov, corpus $(ls "$corpus" | wc -l)" \
    >"$build/fuzz-$t.summary"
}

for t in $targets; do
  [ -x "$build/tests/fuzz/fuzz_$t" ] || { echo "fuzz: $build/tests/fuzz/fuzz_$t is not built" >&2; exit 2; }
  rm -f "$build/fuzz-$t.summary"
done
running=0
for t in $targets; do
  fuzz_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait
    running=0
  fi
done
wait

failed=""
summary=""
for t in $targets; do
  line=$(cat "$build/fuzz-$t.summary" 2>/dev/null || echo "$t: FAILED, no summary")
  case $line in "$t: FAILED"*) failed="$failed $t" ;; esac
  summary="$summary
  $line"
done
echo "fuzz summary:$summary"
if [ -n "$failed" ]; then
  echo "fuzz: FAILED:$failed (inputs in $build/fuzz-artifacts/, logs in $build/fuzz-*.log)" >&2
  exit 1
fi
