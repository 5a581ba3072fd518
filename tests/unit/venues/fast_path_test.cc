// The codecs' fast paths (service/venues/json_scan.h) against their simdjson paths: one codec
// with settings.fast_path on and one with it off, each with its own instrument table built the
// same way, decode the same frames in the same order and must agree on every status, label,
// reply, event and table entry. The frames: the shared fixtures, the differential frames
// (tests/differential/frames), a generated corpus (tests/bench/gen_corpus.py, the frames the
// decode benchmarks time), and mutations of them (truncations, byte substitutions), which put
// the fast paths' refusals and edge cases to work. The corpus must mostly take the fast path.

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <istream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/events.h"
#include "core/instrument_table.h"
#include "service/venues/codec.h"
#include "service/venues/event_json.h"
#include "service/venues/metadata.h"
#include "tests/support/venue_fixtures.h"

namespace levdyn::venues {
namespace {

struct Side {
  core::InstrumentTable table;
  std::unique_ptr<Codec> codec;
  std::vector<core::NormalizedEvent> out;
  std::string reply;
};

/// A fast and a slow codec of one venue, fed in lockstep.
class PairedCodecs {
 public:
  explicit PairedCodecs(core::Venue venue) : venue_(venue) {
    for (Side* s : {&fast_, &slow_}) {
      for (const auto& spec : bundled_instruments(venue)) s->table.add(spec);
      VenueSettings settings = default_settings(venue);
      settings.venue = venue;
      settings.fast_path = s == &fast_;
      s->codec = make_codec(settings, s->table);
      for (std::size_t e = 0; e < s->codec->ws_endpoints().size(); ++e) {
        s->codec->on_connected(static_cast<std::uint16_t>(e));
      }
    }
    ws_count_ = fast_.codec->ws_endpoints().size();
    rest_count_ = fast_.codec->rest_polls().size();
  }

  /// Decodes `frame` on every WebSocket endpoint and REST poll (`all`), or on the first of
  /// each, with both codecs; reports the first disagreement.
  void decode(std::string_view frame, bool all = false) {
    for (std::size_t ep = 0; ep < (all ? ws_count_ : std::min<std::size_t>(ws_count_, 1)); ++ep) {
      one(frame, Channel::kWs, ep);
    }
    for (std::size_t ep = 0; ep < (all ? rest_count_ : std::min<std::size_t>(rest_count_, 1));
         ++ep) {
      one(frame, Channel::kRest, ep);
    }
  }

  [[nodiscard]] std::uint64_t fast_frames() const { return fast_.codec->fast_frames(); }
  [[nodiscard]] std::uint64_t slow_fast_frames() const { return slow_.codec->fast_frames(); }
  [[nodiscard]] std::size_t decodes() const { return decodes_; }
  [[nodiscard]] std::size_t mismatches() const { return mismatches_; }

 private:
  void one(std::string_view frame, Channel channel, std::size_t endpoint) {
    FrameMeta meta;
    meta.channel = channel;
    meta.endpoint = static_cast<std::uint16_t>(endpoint);
    meta.recv_wall_ns = 1'768'435'200'000'000'000;
    meta.recv_steady_ns = 42'000'000'000;
    DecodeResult r[2];
    std::string events[2];
    int k = 0;
    for (Side* s : {&fast_, &slow_}) {
      s->out.clear();
      s->reply.clear();
      r[k] = s->codec->decode(frame, meta, s->out, s->reply);
      for (const auto& e : s->out) {
        events[k] += std::to_string(e.instrument) + ' ';
        append_event_json(events[k], e, s->table);
        events[k] += '\n';
      }
      ++k;
    }
    ++decodes_;
    const bool same = r[0].status == r[1].status && r[0].channel_label == r[1].channel_label &&
                      fast_.reply == slow_.reply && events[0] == events[1] &&
                      fast_.table.size() == slow_.table.size();
    if (same) return;
    // Every frame after a disagreement may differ through codec state: report the first few.
    if (++mismatches_ > 5) return;
    ADD_FAILURE() << core::to_string(venue_) << (channel == Channel::kWs ? " ws " : " rest ")
                  << endpoint << ": fast path and simdjson path disagree on\n  " << frame
                  << "\n  fast: " << to_string(r[0].status) << " " << r[0].channel_label
                  << " reply '" << fast_.reply << "' table " << fast_.table.size() << "\n"
                  << events[0] << "  slow: " << to_string(r[1].status) << " "
                  << r[1].channel_label << " reply '" << slow_.reply << "' table "
                  << slow_.table.size() << "\n"
                  << events[1];
  }

  core::Venue venue_;
  Side fast_, slow_;
  std::size_t ws_count_ = 0, rest_count_ = 0;
  std::size_t decodes_ = 0, mismatches_ = 0;
};

/// The `frame` of each JSONL line of `venue` in `in` (DESIGN §6 interchange format).
std::vector<std::string> jsonl_frames(std::istream& in, std::string_view venue, std::size_t limit) {
  std::vector<std::string> frames;
  simdjson::dom::parser parser;
  std::string line;
  while (frames.size() < limit && std::getline(in, line)) {
    simdjson::dom::element doc;
    if (parser.parse(line).get(doc)) continue;
    std::string_view v, f;
    if (doc["venue"].get(v) || v != venue || doc["frame"].get(f)) continue;
    frames.emplace_back(f);
  }
  return frames;
}

/// The same, from a JSONL file.
std::vector<std::string> jsonl_frames(const std::string& path, std::string_view venue,
                                      std::size_t limit) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot read " << path;
  return jsonl_frames(in, venue, limit);
}

/// The frames of `venue` in a generated corpus. The corpus is made once per test process into a
/// temporary file, read into memory and the file removed.
std::vector<std::string> corpus_frames(std::string_view venue) {
  static const std::string lines = [] {
    const std::filesystem::path out = std::filesystem::temp_directory_path() /
                                      ("levdyn_fast_path_" + std::to_string(::getpid()) + ".jsonl");
    const std::string cmd = "/usr/bin/python3 " + std::string(LEVDYN_SOURCE_DIR) +
                            "/tests/bench/gen_corpus.py --frames 24000 --seed 11 --out " +
                            out.string() + " >/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream in(out, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::error_code ec;
    std::filesystem::remove(out, ec);
    return text;
  }();
  std::istringstream in(lines);
  return jsonl_frames(in, venue, 100000);
}

/// Truncations and single-byte substitutions of `frame`.
template <typename Visit>
void for_each_mutation(const std::string& frame, Visit&& visit) {
  static constexpr std::string_view kBytes = "\"\\0-.eE }],:x{[\x80\x01 9tn";
  // One buffer, changed in place: a frame of L bytes has about 21·L mutations, which held at
  // once took O(L²) memory (hundreds of MB for BitMEX's partials, most of the test's time).
  std::string m;
  for (std::size_t n = 0; n < frame.size(); ++n) {
    m.assign(frame, 0, n);
    visit(std::as_const(m));
  }
  m = frame;
  for (std::size_t i = 0; i < frame.size(); ++i) {
    for (const char b : kBytes) {
      if (frame[i] == b) continue;
      m[i] = b;
      visit(std::as_const(m));
    }
    m[i] = frame[i];
  }
  visit(frame + "x");
  visit(frame + " \n");
  visit(" " + frame);
  visit(frame + frame);
}

/// The venues whose codec has a fast path.
bool has_fast_path(core::Venue venue) {
  switch (venue) {
    case core::Venue::kBinance:
    case core::Venue::kOkx:
    case core::Venue::kBitmex:
    case core::Venue::kDeribit:
    case core::Venue::kBybit:
    case core::Venue::kHyperliquid:
      return true;
    default:
      return false;
  }
}

class FastPathTest : public ::testing::TestWithParam<core::Venue> {};

TEST_P(FastPathTest, AgreesWithSimdjsonOnFixturesCorpusAndMutations) {
  const core::Venue venue = GetParam();
  const std::string name(core::to_string(venue));
  PairedCodecs codecs(venue);

  std::vector<std::string> bases;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(LEVDYN_SHARED_DIR) + "/fixtures/" + name)) {
    bases.push_back(test::trim(test::read_fixture_file(entry.path().string())));
  }
  for (auto& f : jsonl_frames(std::string(LEVDYN_SOURCE_DIR) + "/tests/differential/frames/" +
                                  name + ".jsonl",
                              name, 1000)) {
    bases.push_back(std::move(f));
  }
  const std::vector<std::string> corpus = corpus_frames(name);
  ASSERT_GT(corpus.size(), 1000u) << "too few " << name << " frames in the generated corpus";

  // Unchanged frames on every endpoint, in order: the fast path must carry most corpus frames.
  for (const auto& f : bases) codecs.decode(f, /*all=*/true);
  const std::uint64_t fast_before = codecs.fast_frames();
  for (const auto& f : corpus) codecs.decode(f);
  const std::uint64_t corpus_fast = codecs.fast_frames() - fast_before;
  if (has_fast_path(venue)) {
    EXPECT_GT(corpus_fast, corpus.size() * 8 / 10)
        << name << ": only " << corpus_fast << " of " << corpus.size()
        << " corpus frames took the fast path";
  } else {
    EXPECT_EQ(corpus_fast, 0u);
  }
  EXPECT_EQ(codecs.slow_fast_frames(), 0u) << "fast_path: false must keep a codec on simdjson";

  // Mutations of every fixture and of a sample of corpus frames.
  for (std::size_t i = 0; i < corpus.size(); i += corpus.size() / 40) bases.push_back(corpus[i]);
  for (const auto& base : bases) {
    for_each_mutation(base, [&](const std::string& m) { codecs.decode(m); });
    codecs.decode(base);
  }
  EXPECT_EQ(codecs.mismatches(), 0u) << "of " << codecs.decodes() << " decodes";
}

INSTANTIATE_TEST_SUITE_P(AllVenues, FastPathTest,
                         ::testing::Values(core::Venue::kBinance, core::Venue::kBybit,
                                           core::Venue::kOkx, core::Venue::kDeribit,
                                           core::Venue::kBitmex, core::Venue::kHyperliquid),
                         [](const auto& p) { return std::string(core::to_string(p.param)); });

}  // namespace
}  // namespace levdyn::venues
