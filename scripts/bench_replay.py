#!/usr/bin/python3
# usage: scripts/bench_replay.py LEVDYN CORPUS.jsonl FRAMES RUNS > SECTION.md   (make bench)
# Replay throughput (issue 5, point 5) beside tardis-dev normalizing the same frames: the first
# FRAMES lines of CORPUS are exported to a capture file; `levdyn replay --speed max` runs RUNS
# times on the capture and on the JSONL (wall time of the whole process: reading, zstd, decode,
# engine, Hawkes refits and the result document), alternating with RUNS runs of tardis-dev's
# normalizers on the same JSONL (bench/tardis/normalize.mjs, which times JSON.parse + mappers
# only, with the file read outside the timing). Medians; prints a markdown section.
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: bench_replay.py LEVDYN CORPUS.jsonl FRAMES RUNS")
    levdyn, corpus, frames, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    tmp = tempfile.mkdtemp(prefix="levdyn-replay-bench-")
    jsonl = os.path.join(tmp, "frames.jsonl")
    cap = os.path.join(tmp, "frames.ldcap")
    with open(corpus) as src, open(jsonl, "w") as dst:
        for i, line in enumerate(src):
            if i >= frames:
                break
            dst.write(line)
    subprocess.run([levdyn, "export", jsonl, "--format", "capture", "--out", cap], check=True,
                   stderr=subprocess.DEVNULL)

    def replay(path):
        t0 = time.monotonic()
        p = subprocess.run([levdyn, "replay", "--speed", "max", path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, check=True)
        wall = time.monotonic() - t0
        m = re.search(r"replay: (\d+) frames, (\d+) events, (\d+) errors in [\d.]+ s "
                      r"\(\d+ frames/s; replaying thread ([\d.]+) s of CPU, \d+ frames per CPU "
                      r"second; ([\d.]+) s in Hawkes fits on the fit thread\)", p.stderr)
        if not m or int(m.group(3)) != 0:
            sys.exit("bench_replay: unexpected replay summary: " + p.stderr[-300:])
        return wall, int(m.group(1)), float(m.group(5)), float(m.group(4)), p.stdout

    cap_runs, jsonl_runs, node_runs, outputs = [], [], [], set()
    node = None
    for _ in range(runs):
        w, n, fit, cpu, out = replay(cap)
        cap_runs.append((w, fit, cpu))
        outputs.add(out)
        w, _, fit, cpu, out = replay(jsonl)
        jsonl_runs.append((w, fit, cpu))
        outputs.add(out)
        p = subprocess.run(["node", "bench/tardis/normalize.mjs", jsonl, "--runs", "3",
                            "--warmup", "1"], stdout=subprocess.PIPE, check=True, text=True)
        node = json.loads(p.stdout)
        node_runs.append(node["overall"]["wall_ns_per_frame"])
    if len(outputs) != 1:
        sys.exit("bench_replay: replay results differ between runs or formats")

    node_ns = statistics.median(node_runs)
    node_fps = 1e9 / node_ns
    print("## Replay throughput beside tardis-dev\n")
    print("Input: the first %d frames of `%s` (all six venues, %.0f s of recorded time), as JSONL "
          "and exported to a capture file. levdyn: `levdyn replay --speed max FILE` (one thread "
          "decodes and runs the engine; a second one reads ahead: a capture's blocks, decompressed, "
          "or the JSONL lines, parsed; another fits the Hawkes "
          "parameters at most once per recorded second; then the result document), "
          "wall time of the whole process, median of %d runs; the result was byte-identical in "
          "every run and for both formats. tardis-dev %s: `bench/tardis/normalize.mjs` on the same "
          "JSONL (JSON.parse + normalizers, the file read outside the timing), wall ns per frame, "
          "median of %d runs interleaved with levdyn's. One core's throughput (issue 5's 2 M "
          "frames/s): frames per CPU second of the replaying thread, which takes the frames the "
          "reading thread prepared (decompressed blocks or parsed lines), decodes them and runs "
          "the engine; its waits for them and for fits are not CPU time (the summary `levdyn "
          "replay` logs). On a 2-core host the reading thread and the fit thread share the second "
          "core, "
          "so the whole process's wall time includes those waits.\n"
          % (n, corpus, span_s(jsonl), runs, node["tardis_dev_version"], runs))
    print("| input | levdyn wall | levdyn frames/s | tardis-dev frames/s | ratio | goal "
          "| replaying thread CPU | frames per CPU second (one core) | goal | Hawkes fits (fit thread) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, runs_ in (("capture (.ldcap)", cap_runs), ("JSONL", jsonl_runs)):
        wall = statistics.median(r[0] for r in runs_)
        fit = statistics.median(r[1] for r in runs_)
        cpu = statistics.median(r[2] for r in runs_)
        fps = n / wall
        core_fps = n / cpu
        print("| %s | %.3f s | %.0f k/s | %.0f k/s | %.1f× | ≥ 10× %s | %.3f s | %.0f k/s | "
              "≥ 2 M/s %s | %.3f s |"
              % (name, wall, fps / 1e3, node_fps / 1e3, fps / node_fps,
                 "✔" if fps >= 10 * node_fps else "✘", cpu, core_fps / 1e3,
                 "✔" if core_fps >= 2e6 else "✘", fit))
    for p in (jsonl, cap):
        os.unlink(p)
    os.rmdir(tmp)


def span_s(path):
    first = last = None
    with open(path) as f:
        for line in f:
            ts = json.loads(line)["ts_ns"]
            first = ts if first is None else first
            last = ts
    return (last - first) / 1e9


if __name__ == "__main__":
    main()
