// Decode benchmarks: ns per frame per venue over the fixture corpus (../shared/fixtures/<venue>),
// frames decoded through the venue's real codec into normalized events.
#include <benchmark/benchmark.h>
#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "service/venues/codec.h"
#include "service/venues/metadata.h"

namespace {

using namespace levdyn;

/// The fixture files of a venue, in file-name order.
std::vector<std::string> fixture_frames(const std::string& venue) {
  std::vector<std::string> names;
  const std::string dir = std::string(LEVDYN_SHARED_DIR) + "/fixtures/" + venue;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return names;
  while (dirent* ent = readdir(d)) {
    const std::string name = ent->d_name;
    if (name.size() >= 5 && name.substr(name.size() - 5) == ".json") names.push_back(name);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  std::vector<std::string> frames;
  for (const auto& name : names) {
    std::ifstream in(dir + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    frames.push_back(ss.str());
  }
  return frames;
}

void BM_Decode_Fixtures(benchmark::State& state, core::Venue venue) {
  core::InstrumentTable table;
  for (const auto& spec : venues::bundled_instruments(venue)) table.add(spec);
  // Two codecs: one accepting every symbol, as `levdyn normalize` does, and one with the
  // venue's default settings. Venues whose streams are per instrument (Deribit, BitMEX) decode
  // only tracked symbols, so the first ignores their fixtures; each fixture frame is decoded by
  // the first codec that turns it into events.
  auto all_settings = venues::default_settings(venue);
  all_settings.symbols.clear();
  std::unique_ptr<venues::Codec> codecs[2] = {
      venues::make_codec(all_settings, table),
      venues::make_codec(venues::default_settings(venue), table)};
  if (!codecs[0] || !codecs[1]) {
    state.SkipWithError("no codec for this venue in this build");
    return;
  }
  for (auto& c : codecs) {
    for (std::size_t e = 0; e < c->ws_endpoints().size(); ++e) {
      c->on_connected(static_cast<std::uint16_t>(e));
    }
  }
  // Only frames a codec turns into events (WebSocket frames; REST bodies go through other
  // paths). A second pass retries the others, now that the first has given the codecs their
  // state: BitMEX table updates and deletes need the partial and the insert before them.
  std::vector<std::pair<venues::Codec*, std::string>> frames;
  std::vector<core::NormalizedEvent> out;
  std::string reply;
  venues::FrameMeta meta;
  meta.recv_wall_ns = 1'700'000'000'000'000'000;
  std::vector<std::string> pending = fixture_frames(std::string(core::to_string(venue)));
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<std::string> rest;
    for (auto& f : pending) {
      bool taken = false;
      for (auto& c : codecs) {
        out.clear();
        if (c->decode(f, meta, out, reply).status == venues::DecodeStatus::kOk && !out.empty()) {
          frames.emplace_back(c.get(), f);
          taken = true;
          break;
        }
      }
      if (!taken) rest.push_back(std::move(f));
    }
    pending = std::move(rest);
  }
  if (frames.empty()) {
    state.SkipWithError("no decodable fixture frames");
    return;
  }
  std::size_t i = 0, events = 0;
  for (auto _ : state) {
    out.clear();
    reply.clear();
    benchmark::DoNotOptimize(frames[i].first->decode(frames[i].second, meta, out, reply));
    events += out.size();
    if (++i == frames.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["frames"] = static_cast<double>(frames.size());
  state.counters["events_per_frame"] =
      static_cast<double>(events) / static_cast<double>(state.iterations());
}

BENCHMARK_CAPTURE(BM_Decode_Fixtures, binance, core::Venue::kBinance)->Repetitions(5)
    ->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(BM_Decode_Fixtures, bybit, core::Venue::kBybit)->Repetitions(5)
    ->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(BM_Decode_Fixtures, okx, core::Venue::kOkx)->Repetitions(5)
    ->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(BM_Decode_Fixtures, deribit, core::Venue::kDeribit)->Repetitions(5)
    ->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(BM_Decode_Fixtures, bitmex, core::Venue::kBitmex)->Repetitions(5)
    ->ReportAggregatesOnly(true);
BENCHMARK_CAPTURE(BM_Decode_Fixtures, hyperliquid, core::Venue::kHyperliquid)->Repetitions(5)
    ->ReportAggregatesOnly(true);

}  // namespace
