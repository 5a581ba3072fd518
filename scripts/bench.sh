#!/bin/sh
# usage: scripts/bench.sh [BUILD_DIR]   (make bench)
# Builds the Release benchmarks, runs them (medians of 5 repetitions) and writes
# bench/RESULTS.md: each figure beside its baseline measured in the same run, as a ratio.
set -eu
cd "$(dirname "$0")/.."
B=${1:-build-bench}
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLEVDYN_BUILD_TESTS=OFF -DLEVDYN_BUILD_BENCH=ON >/dev/null
cmake --build "$B" --target levdyn_bench levdyn
mkdir -p bench
"$B/tests/bench/levdyn_bench" --benchmark_min_time=0.5 --benchmark_format=json \
  --benchmark_out=bench/levdyn_bench.json --benchmark_out_format=json >/dev/null
/usr/bin/python3 scripts/bench_report.py bench/levdyn_bench.json > bench/RESULTS.md
cat bench/RESULTS.md
