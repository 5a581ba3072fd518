#!/bin/sh
# usage: scripts/bench.sh [BUILD_DIR]   (make bench)
# Builds the Release benchmarks, runs them (medians of 5 repetitions) and writes
# bench/RESULTS.md: each figure beside its baseline measured in the same run, as a ratio.
#
# Decode: a generated JSONL corpus of $LEVDYN_BENCH_FRAMES frames (default 1,000,000,
# tests/bench/gen_corpus.py, deterministic) is checked with `levdyn normalize` (zero rejected
# frames), decoded by levdyn_bench (BM_Decode_Corpus) and normalized by tardis-dev in Node
# (bench/tardis, pinned version installed here with `npm ci`; $LEVDYN_BENCH_NODE_RUNS timed
# runs, default 3, after one warm-up run). Replay: scripts/bench_replay.py on the corpus's first
# 400 k frames beside tardis-dev on the same frames.
set -eu
cd "$(dirname "$0")/.."
B=${1:-build-bench}
FRAMES=${LEVDYN_BENCH_FRAMES:-1000000}
NODE_RUNS=${LEVDYN_BENCH_NODE_RUNS:-3}
# Warnings are not errors here: g++ 12 at -O3 reports a false -Wrestrict inside std::string
# (service/http/router.cc), which `make test`'s RelWithDebInfo build does not see.
cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLEVDYN_BUILD_TESTS=OFF -DLEVDYN_BUILD_BENCH=ON \
  -DLEVDYN_WERROR=OFF >/dev/null
cmake --build "$B" -j "${JOBS:-$(nproc)}" --target levdyn_bench levdyn levdyn_ingest_bench \
  levdyn_hiccup
mkdir -p bench
# Host noise before the benchmarks; `make bench` probes again after the last one.
{
  echo "## Host noise"
  echo
  echo "\`levdyn_hiccup 5\`: on each CPU a pinned thread reads the steady clock in a loop for 5 s;"
  echo "a gap between two readings is time it did not run (an interrupt, another task, or the"
  echo "hypervisor running something else on the vCPU). A quiet host has next to none over 50 µs;"
  echo "latency percentiles taken on a host with many measure the host as much as levdyn."
  echo
  echo "| when | CPU | gaps > 50 µs per s | gaps > 100 µs per s | time lost in them | longest gap |"
  echo "|---|---|---|---|---|---|"
  "$B/tests/bench/levdyn_hiccup" 5 "before the benchmarks"
} >bench/HOST.md

# The corpus (regenerated when the generator changes or the frame count differs).
CORPUS=bench/corpus-$FRAMES.jsonl
if [ ! -s "$CORPUS" ] || [ tests/bench/gen_corpus.py -nt "$CORPUS" ]; then
  /usr/bin/python3 tests/bench/gen_corpus.py --frames "$FRAMES" --out "$CORPUS.tmp"
  mv "$CORPUS.tmp" "$CORPUS"
fi
"$B/levdyn" normalize "$CORPUS" 2>bench/corpus_normalize.txt | wc -l >bench/corpus_events.txt
cat bench/corpus_normalize.txt >&2
if ! grep -q ', 0 rejected' bench/corpus_normalize.txt; then
  echo "bench: levdyn normalize rejected frames of $CORPUS" >&2
  exit 1
fi

# tardis-dev, pinned by bench/tardis/package-lock.json.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  scripts/deps.sh deploy/packages-bench.txt
fi
(cd bench/tardis && npm ci --no-audit --no-fund --loglevel=error >/dev/null)

LEVDYN_BENCH_CORPUS="$PWD/$CORPUS" "$B/tests/bench/levdyn_bench" --benchmark_min_time=0.5 \
  --benchmark_format=json --benchmark_out=bench/levdyn_bench.json \
  --benchmark_out_format=json >/dev/null
node bench/tardis/normalize.mjs "$CORPUS" --runs "$NODE_RUNS" >bench/tardis_normalize.json
# The corpus decode again after Node: levdyn's figure is the median of the repetitions before and
# after, so that load drifting on a shared machine does not favour either side of the ratio.
LEVDYN_BENCH_CORPUS="$PWD/$CORPUS" "$B/tests/bench/levdyn_bench" --benchmark_min_time=0.5 \
  --benchmark_filter='^BM_Decode_Corpus/' --benchmark_format=json \
  --benchmark_out=bench/levdyn_corpus_after.json --benchmark_out_format=json >/dev/null
# The two rings again, each alone in its own process, alternating for 3 rounds: in one process
# the second benchmark inherits the first one's freed memory and thread placement (boost ran
# 18.6 M/s alone and 42-57 M/s after ours in the same binary).
rm -f bench/ring_round_*.json
for round in 1 2 3; do
  for q in Levdyn BoostLockfree; do
    "$B/tests/bench/levdyn_bench" --benchmark_filter="^BM_Ring_$q/" --benchmark_format=json \
      >"bench/ring_round_${round}_$q.json"
  done
done
/usr/bin/python3 scripts/bench_report.py bench/levdyn_bench.json bench/tardis_normalize.json \
  bench/levdyn_corpus_after.json bench/ring_round_*.json > bench/RESULTS.md
# Replay throughput (issue 5): levdyn replay of the corpus's first 400 k frames beside tardis-dev.
echo >>bench/RESULTS.md
/usr/bin/python3 scripts/bench_replay.py "$B/levdyn" "$CORPUS" 400000 3 >>bench/RESULTS.md
echo >>bench/RESULTS.md
cat bench/HOST.md >>bench/RESULTS.md
cat bench/RESULTS.md
