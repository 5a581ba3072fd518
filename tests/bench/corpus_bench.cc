// Decode benchmarks over a generated JSONL corpus (tests/bench/gen_corpus.py, DESIGN §6 frames):
// ns per frame per venue, and over all frames in corpus order (mixed venues), through the real
// codecs with each venue's default settings (its default tracked symbols). The corpus is read
// once from $LEVDYN_BENCH_CORPUS (scripts/bench.sh generates it; unset: the benchmarks skip).
// One iteration is one pass over the frames; the report divides by the `frames` counter.
// bench/tardis/normalize.mjs runs the same frames through tardis-dev's normalizers.
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/instrument_table.h"
#include "service/capture/jsonl.h"
#include "service/venues/codec.h"
#include "service/venues/metadata.h"

namespace {

using namespace levdyn;

struct Frame {
  core::Venue venue;
  venues::FrameMeta meta;
  std::string_view text;  // into its list's arena
};

/// Frames back to back in one buffer, in order, as a capture file's block or a socket buffer
/// holds them: the decode reads memory sequentially, not 1 M scattered heap strings (whose
/// cache misses, not decoding, were a third of a pass over one venue's frames).
struct FrameList {
  std::string arena;
  std::vector<Frame> frames;

  void add(core::Venue venue, const venues::FrameMeta& meta, std::string_view text) {
    frames.push_back(Frame{venue, meta, {}});
    offsets_.push_back(arena.size());
    arena.append(text);
  }
  /// Points every frame at its bytes once the arena stops growing.
  void seal() {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const std::size_t end = i + 1 < frames.size() ? offsets_[i + 1] : arena.size();
      frames[i].text = std::string_view(arena).substr(offsets_[i], end - offsets_[i]);
    }
    offsets_.clear();
    offsets_.shrink_to_fit();
  }

 private:
  std::vector<std::size_t> offsets_;
};

struct Corpus {
  bool loaded = false;
  std::string error;
  FrameList all;
  std::array<FrameList, core::kVenueCount> by_venue;
};

const Corpus& corpus() {
  static const Corpus c = [] {
    Corpus k;
    const char* path = std::getenv("LEVDYN_BENCH_CORPUS");
    if (path == nullptr || *path == '\0') {
      k.error = "LEVDYN_BENCH_CORPUS is not set (scripts/bench.sh sets it)";
      return k;
    }
    std::ifstream in(path);
    if (!in) {
      k.error = std::string("cannot read ") + path;
      return k;
    }
    std::string line, err;
    capture::JsonlFrame f;
    std::size_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      const auto r = capture::parse_jsonl_line(line, false, core::Venue::kBinance, f, err);
      if (r == capture::JsonlResult::kBlank || f.channel == capture::FrameChannel::kStatus) {
        continue;
      }
      if (r != capture::JsonlResult::kFrame) {
        k.error = "line " + std::to_string(n) + ": " + err;
        return k;
      }
      venues::FrameMeta meta;
      meta.channel = capture::codec_channel(f.channel);
      meta.endpoint = f.connection;
      meta.recv_wall_ns = f.ts_ns;
      k.by_venue[static_cast<std::size_t>(f.venue)].add(f.venue, meta, f.frame);
      k.all.add(f.venue, meta, f.frame);
    }
    k.all.seal();
    for (FrameList& l : k.by_venue) l.seal();
    k.loaded = !k.all.frames.empty();
    if (!k.loaded) k.error = std::string("no frames in ") + path;
    return k;
  }();
  return c;
}

/// The codecs of the venues, as the service builds them: default settings and tracked symbols.
struct Codecs {
  core::InstrumentTable table;
  std::array<std::unique_ptr<venues::Codec>, core::kVenueCount> codec;

  /// `fast_path`: false keeps every frame on the codecs' simdjson path (the baseline row).
  explicit Codecs(bool fast_path = true) {
    for (int v = 0; v < core::kVenueCount; ++v) {
      for (const auto& s : venues::bundled_instruments(static_cast<core::Venue>(v))) table.add(s);
    }
    for (int v = 0; v < core::kVenueCount; ++v) {
      auto settings = venues::default_settings(static_cast<core::Venue>(v));
      settings.venue = static_cast<core::Venue>(v);
      settings.fast_path = fast_path;
      codec[static_cast<std::size_t>(v)] = venues::make_codec(settings, table);
    }
  }
  void connect() {
    for (auto& c : codec) {
      if (!c) continue;
      for (std::size_t e = 0; e < c->ws_endpoints().size(); ++e) {
        c->on_connected(static_cast<std::uint16_t>(e));
      }
    }
  }
};

void decode_corpus(benchmark::State& state, const std::vector<Frame>& frames,
                   bool fast_path = true) {
  const Corpus& c = corpus();
  if (!c.loaded) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  if (frames.empty()) {
    state.SkipWithError("no frames of this venue in the corpus");
    return;
  }
  Codecs codecs(fast_path);
  std::vector<core::NormalizedEvent> out;
  out.reserve(64);
  std::string reply;
  std::size_t events = 0, errors = 0, ignored = 0;
  std::uint64_t passes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    codecs.connect();  // each pass replays one connection from its start
    state.ResumeTiming();
    for (const Frame& f : frames) {
      venues::Codec* codec = codecs.codec[static_cast<std::size_t>(f.venue)].get();
      out.clear();
      reply.clear();
      const auto r = codec->decode(f.text, f.meta, out, reply);
      benchmark::DoNotOptimize(out.data());
      events += out.size();
      errors += venues::is_error(r.status) ? 1 : 0;
      ignored += r.status == venues::DecodeStatus::kIgnored ? 1 : 0;
    }
    ++passes;
  }
  const double n = static_cast<double>(frames.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(passes * frames.size()));
  state.counters["frames"] = n;
  state.counters["events_per_frame"] = static_cast<double>(events) / (n * static_cast<double>(passes));
  state.counters["errors"] = static_cast<double>(errors) / static_cast<double>(passes);
  state.counters["ignored"] = static_cast<double>(ignored) / static_cast<double>(passes);
  if (errors != 0) state.SkipWithError("decode errors on the corpus (see the errors counter)");
}

void BM_Decode_Corpus(benchmark::State& state, int venue) {
  const Corpus& c = corpus();
  decode_corpus(state,
                venue < 0 ? c.all.frames : c.by_venue[static_cast<std::size_t>(venue)].frames);
}

/// The same mixed frames with every codec's fast path off (json_scan.h): what the simdjson
/// On-Demand path alone costs, in the same run.
void BM_Decode_Corpus_SimdjsonPath(benchmark::State& state) {
  decode_corpus(state, corpus().all.frames, /*fast_path=*/false);
}
BENCHMARK(BM_Decode_Corpus_SimdjsonPath)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(5)
    ->DisplayAggregatesOnly(true);

/// The floor under any decoder built on simdjson: a padded copy and a full DOM parse of each
/// frame, with no field read and nothing normalized. bench_report.py sets it beside the 20×
/// goal's budget (tardis-dev's ns per frame / 20).
void BM_Parse_Corpus_SimdjsonDom(benchmark::State& state) {
  const Corpus& c = corpus();
  if (!c.loaded) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  simdjson::dom::parser parser;
  std::string buffer(64 * 1024 + simdjson::SIMDJSON_PADDING, '\0');
  std::size_t errors = 0;
  std::uint64_t passes = 0;
  for (auto _ : state) {
    for (const Frame& f : c.all.frames) {
      if (f.text.size() + simdjson::SIMDJSON_PADDING > buffer.size()) {
        buffer.resize(f.text.size() + simdjson::SIMDJSON_PADDING);
      }
      std::memcpy(buffer.data(), f.text.data(), f.text.size());
      simdjson::dom::element root;
      errors += parser.parse(buffer.data(), f.text.size(), false).get(root) ? 1 : 0;
      benchmark::DoNotOptimize(root);
    }
    ++passes;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(passes * c.all.frames.size()));
  state.counters["frames"] = static_cast<double>(c.all.frames.size());
  if (errors != 0) state.SkipWithError("simdjson rejected corpus frames");
}
BENCHMARK(BM_Parse_Corpus_SimdjsonDom)
    ->Unit(benchmark::kMillisecond)
    ->Repetitions(5)
    ->DisplayAggregatesOnly(true);

#define LEVDYN_CORPUS_BENCH(name, v)                                          \
  BENCHMARK_CAPTURE(BM_Decode_Corpus, name, v)                                \
      ->Unit(benchmark::kMillisecond)                                         \
      ->Repetitions(5)                                                        \
      ->DisplayAggregatesOnly(true)

LEVDYN_CORPUS_BENCH(binance, static_cast<int>(core::Venue::kBinance));
LEVDYN_CORPUS_BENCH(bybit, static_cast<int>(core::Venue::kBybit));
LEVDYN_CORPUS_BENCH(okx, static_cast<int>(core::Venue::kOkx));
LEVDYN_CORPUS_BENCH(deribit, static_cast<int>(core::Venue::kDeribit));
LEVDYN_CORPUS_BENCH(bitmex, static_cast<int>(core::Venue::kBitmex));
LEVDYN_CORPUS_BENCH(hyperliquid, static_cast<int>(core::Venue::kHyperliquid));
LEVDYN_CORPUS_BENCH(all, -1);

}  // namespace
