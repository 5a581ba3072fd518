// tardis-dev's normalizers over levdyn JSONL frames, one output line per input frame, for the
// differential test (tests/differential/differential_test.py, issue 3).
//
// usage: node tests/differential/tardis_normalize.mjs FRAMES.jsonl
//
// Each JSONL line {"ts_ns":…,"venue":…,"frame":"<raw text>"} is parsed (JSON.parse of the raw
// frame) and offered to the mappers that tardis-dev's exported factories normalizeTrades,
// normalizeLiquidations and normalizeDerivativeTickers build for the venue's exchange — the
// same calls as bench/tardis/normalize.mjs and as tardis-dev's own normalizeMessages: for each
// mapper, canHandle(message) and, when true, the map(message, localTimestamp) generator.
//
// levdyn normalizes live feeds, so the peer is tardis-dev's real-time path: one set of mappers
// per venue made with `new Date()`, as streamNormalized does (dist/stream.js). The factories pick
// a mapper by date — for a historical replay by the dates tardis.dev's own recordings switched
// API (Bybit V5 from 2023-04-05, allLiquidation from 2025-02-26) — and "now" selects the current
// mappers, the ones for the message formats in these frames. Mapper state (pending tickers,
// "first message" skips) carries across a venue's frames, as in a stream. Each frame's receive
// time (ts_ns, ms precision) is the localTimestamp handed to map().
//
// Prints one JSON line per frame: {"line": n (1-based input line), "venue", "outputs": [...]}
// with tardis-dev's normalized messages (Dates as ISO strings). Resolves tardis-dev from
// tests/peers/node (npm ci there first).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(join(here, '..', 'peers', 'node', 'package.json'))
const tardis = require('tardis-dev')
const tardisVersion = require('tardis-dev/package.json').version

// levdyn venue id -> tardis-dev exchange id (as bench/tardis/normalize.mjs)
const EXCHANGE = {
  binance: 'binance-futures',
  bybit: 'bybit',
  okx: 'okex-swap',
  deribit: 'deribit',
  bitmex: 'bitmex',
  hyperliquid: 'hyperliquid'
}
const FACTORIES = [
  ['normalizeTrades', tardis.normalizeTrades],
  ['normalizeLiquidations', tardis.normalizeLiquidations],
  ['normalizeDerivativeTickers', tardis.normalizeDerivativeTickers]
]

function mappersFor(venue, localTimestamp) {
  const mappers = []
  for (const [name, factory] of FACTORIES) {
    try {
      mappers.push({ name, mapper: factory(EXCHANGE[venue], localTimestamp) })
    } catch (e) {
      if (!String(e.message).includes('not supported')) throw e
    }
  }
  return mappers
}

const path = process.argv[2]
if (!path) {
  console.error('usage: node tardis_normalize.mjs FRAMES.jsonl')
  process.exit(2)
}
const lines = readFileSync(path, 'utf8').split('\n')
const mappers = {}
console.log(JSON.stringify({ tardis_dev_version: tardisVersion, node_version: process.version }))
lines.forEach((line, i) => {
  if (line.trim().length === 0) return
  const env = JSON.parse(line)
  if (env.channel === 'status') return
  if (!(env.venue in EXCHANGE)) throw new Error(`line ${i + 1}: unknown venue ${env.venue}`)
  // replay.js hands mappers a Date of the receive time; ms precision here.
  const localTimestamp = new Date(Math.floor(Number(env.ts_ns) / 1e6))
  if (mappers[env.venue] === undefined) mappers[env.venue] = mappersFor(env.venue, new Date())
  const message = JSON.parse(env.frame)
  const outputs = []
  for (const { name, mapper } of mappers[env.venue]) {
    if (!mapper.canHandle(message)) continue
    const mapped = mapper.map(message, localTimestamp)
    if (!mapped) continue
    for (const out of mapped) outputs.push({ normalizer: name, ...out })
  }
  console.log(JSON.stringify({ line: i + 1, venue: env.venue, outputs }))
})
