// tardis-dev's normalizers over levdyn's JSONL corpus: the peer baseline of the decode
// benchmark (issue 7 point 1) and of replay throughput (issue 5 point 5).
//
// usage: node bench/tardis/normalize.mjs CORPUS.jsonl [--runs N] [--warmup N]
//
// Each JSONL line {"ts_ns":…,"venue":…,"frame":"<raw text>"} is read (outside the timing)
// into the raw frame text and its receive time. The timed work per frame is what tardis-dev's
// own normalizeMessages (dist/handy.js, used by replayNormalized and streamNormalized) does for a
// message after reading it: JSON.parse of the raw frame, then for each mapper of the exchange
// canHandle(message) and, when true, iterating the map(message, localTimestamp) generator. The
// mappers are made by tardis-dev's exported factories normalizeTrades, normalizeLiquidations and
// normalizeDerivativeTickers for the exchange, with the first frame's receive time, as
// replay.js's createMappers does (a factory that throws "not supported" is skipped).
//
// Prints JSON: CPU and wall ns per frame per venue (each venue's frames alone, in corpus order, fresh
// mappers) and overall (all frames in corpus order, mixed venues), medians of N timed runs after
// the warm-up runs, with the normalized messages counted by type and the frames that produced
// none.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import {
  normalizeTrades,
  normalizeLiquidations,
  normalizeDerivativeTickers
} from 'tardis-dev'

const require = createRequire(import.meta.url)
const tardisVersion = require('tardis-dev/package.json').version

// levdyn venue id -> tardis-dev exchange id
const EXCHANGE = {
  binance: 'binance-futures',
  bybit: 'bybit',
  okx: 'okex-swap',
  deribit: 'deribit',
  bitmex: 'bitmex',
  hyperliquid: 'hyperliquid'
}
const VENUES = Object.keys(EXCHANGE)
const FACTORIES = [
  ['normalizeTrades', normalizeTrades],
  ['normalizeLiquidations', normalizeLiquidations],
  ['normalizeDerivativeTickers', normalizeDerivativeTickers]
]

function parseArgs(argv) {
  const a = { corpus: undefined, runs: 3, warmup: 1 }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') a.runs = Math.max(3, Number(argv[++i]))
    else if (argv[i] === '--warmup') a.warmup = Math.max(0, Number(argv[++i]))
    else a.corpus = argv[i]
  }
  if (!a.corpus) {
    console.error('usage: node normalize.mjs CORPUS.jsonl [--runs N>=3] [--warmup N]')
    process.exit(2)
  }
  return a
}

function loadCorpus(path) {
  const text = readFileSync(path, 'utf8')
  const all = [] // { venue, frame, localTimestamp }
  let start = 0
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    const line = text.slice(start, end)
    start = end + 1
    if (line.length === 0) continue
    const env = JSON.parse(line)
    if (env.channel === 'status') continue
    if (!(env.venue in EXCHANGE)) throw new Error(`unknown venue ${env.venue}`)
    // replay.js gives mappers a Date of the receive time (with .μs); ms precision here.
    const localTimestamp = new Date(Math.floor(Number(env.ts_ns) / 1e6))
    all.push({ venue: env.venue, frame: env.frame, localTimestamp })
  }
  return all
}

function mappersFor(venue, localTimestamp, used) {
  const mappers = []
  for (const [name, factory] of FACTORIES) {
    try {
      mappers.push(factory(EXCHANGE[venue], localTimestamp))
      used.add(name)
    } catch (e) {
      if (!String(e.message).includes('not supported')) throw e
    }
  }
  return mappers
}

let sink = 0 // keeps the normalized messages alive

// Runs frames through the venue mappers; returns { ns (wall), cpuNs (process CPU time: the
// main thread plus V8's GC and compiler threads, work the normalization causes), outputs:
// {type: n}, noOutput }.
function run(frames, factoriesUsed) {
  const mappers = {}
  const outputs = {}
  let noOutput = 0
  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]
    let ms = mappers[f.venue]
    if (ms === undefined) {
      ms = mappers[f.venue] = mappersFor(f.venue, f.localTimestamp, factoriesUsed[f.venue])
    }
    const message = JSON.parse(f.frame)
    let produced = 0
    for (let m = 0; m < ms.length; m++) {
      const mapper = ms[m]
      if (mapper.canHandle(message)) {
        const mapped = mapper.map(message, f.localTimestamp)
        if (!mapped) continue
        for (const out of mapped) {
          produced++
          outputs[out.type] = (outputs[out.type] || 0) + 1
          sink += out.localTimestamp === f.localTimestamp ? 1 : 0
        }
      }
    }
    if (produced === 0) noOutput++
  }
  const ns = Number(process.hrtime.bigint() - t0)
  const c = process.cpuUsage(c0)
  return { ns, cpuNs: (c.user + c.system) * 1000, outputs, noOutput }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const n = s.length
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
}

const args = parseArgs(process.argv.slice(2))
const all = loadCorpus(args.corpus)
const byVenue = Object.fromEntries(VENUES.map((v) => [v, all.filter((f) => f.venue === v)]))
const factoriesUsed = Object.fromEntries(VENUES.map((v) => [v, new Set()]))

const samples = { overall: [] }
const wall = { overall: [] }
for (const v of VENUES) {
  samples[v] = []
  wall[v] = []
}
let last = {}
for (let r = 0; r < args.warmup + args.runs; r++) {
  const timed = r >= args.warmup
  for (const v of VENUES) {
    if (byVenue[v].length === 0) continue
    const res = run(byVenue[v], factoriesUsed)
    if (timed) {
      samples[v].push(res.cpuNs / byVenue[v].length)
      wall[v].push(res.ns / byVenue[v].length)
    }
    last[v] = res
  }
  const res = run(all, factoriesUsed)
  if (timed) {
    samples.overall.push(res.cpuNs / all.length)
    wall.overall.push(res.ns / all.length)
  }
  last.overall = res
}

const result = {
  tool: 'tardis-dev normalizers (normalizeTrades, normalizeLiquidations, normalizeDerivativeTickers)',
  tardis_dev_version: tardisVersion,
  node_version: process.version,
  corpus: args.corpus,
  frames: all.length,
  warmup_runs: args.warmup,
  runs: args.runs,
  venues: {},
  overall: {
    frames: all.length,
    cpu_ns_per_frame: median(samples.overall),
    wall_ns_per_frame: median(wall.overall),
    runs_cpu_ns_per_frame: samples.overall,
    runs_wall_ns_per_frame: wall.overall,
    outputs: last.overall.outputs,
    frames_without_output: last.overall.noOutput
  },
  sink
}
for (const v of VENUES) {
  if (byVenue[v].length === 0) continue
  result.venues[v] = {
    exchange: EXCHANGE[v],
    normalizers: [...factoriesUsed[v]],
    frames: byVenue[v].length,
    cpu_ns_per_frame: median(samples[v]),
    wall_ns_per_frame: median(wall[v]),
    runs_cpu_ns_per_frame: samples[v],
    runs_wall_ns_per_frame: wall[v],
    outputs: last[v].outputs,
    frames_without_output: last[v].noOutput
  }
}
console.log(JSON.stringify(result, null, 2))
