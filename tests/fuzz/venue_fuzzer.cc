// Fuzz target of one venue codec (LEVDYN_FUZZ_VENUE) and its metadata parser.
//
// The input is one frame, or several separated by NUL bytes: they go in order to one fresh
// codec (stateful protocols such as BitMEX tables and delta caches), each as a WebSocket
// frame of every endpoint and as the answer of every REST poll. The whole input is also parsed
// as each metadata response and the specs are added to a table, as the app does.
//
// Invariants beyond "no crash, no UB, no leak": decode() never throws (it is noexcept, so a
// throw terminates), returns a known status, and every appended event belongs to the venue,
// names an instrument of the table and serializes to valid JSON. A second codec with its fast
// path off (settings.fast_path, json_scan.h) decodes every frame beside the first, with a table
// of its own: both must agree on status, label, reply, events and table size.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument_table.h"
#include "service/venues/codec.h"
#include "service/venues/event_json.h"
#include "service/venues/metadata.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace levdyn;

core::Venue fuzz_venue() {
  core::Venue v{};
  LEVDYN_FUZZ_CHECK(core::parse_venue(LEVDYN_FUZZ_VENUE, v));
  return v;
}

void check_events(const std::vector<core::NormalizedEvent>& out, std::size_t from,
                  core::Venue venue, const core::InstrumentTable& table) {
  std::string json;
  for (std::size_t i = from; i < out.size(); ++i) {
    const auto& e = out[i];
    LEVDYN_FUZZ_CHECK(e.venue == venue);
    LEVDYN_FUZZ_CHECK(e.instrument < table.size());
    LEVDYN_FUZZ_CHECK(table.get(e.instrument).venue == venue);
    json.clear();
    venues::append_event_json(json, e, table);
    LEVDYN_FUZZ_CHECK(fuzz::is_valid_json(json));
  }
}

/// One codec and its table, with the last frame's result.
struct Side {
  venues::Codec* codec;
  core::InstrumentTable* table;
  std::vector<core::NormalizedEvent> out;
  std::string reply;
  std::string events;  // the last frame's events as JSON lines
  venues::DecodeResult result;
};

void decode_one(Side& s, std::string_view frame, const venues::FrameMeta& meta,
                core::Venue venue) {
  s.out.clear();
  s.reply.clear();
  s.events.clear();
  s.result = s.codec->decode(frame, meta, s.out, s.reply);
  LEVDYN_FUZZ_CHECK(s.result.status <= venues::DecodeStatus::kVenueError);
  LEVDYN_FUZZ_CHECK(venues::to_string(s.result.status) != "unknown");
  check_events(s.out, 0, venue, *s.table);
  for (const auto& e : s.out) {
    s.events += std::to_string(e.instrument);
    venues::append_event_json(s.events, e, *s.table);
    s.events += '\n';
  }
}

void decode_all(Side& fast, Side& slow, std::string_view frame, core::Venue venue,
                std::size_t ws_count, std::size_t rest_count) {
  venues::FrameMeta meta;
  meta.recv_wall_ns = 1'700'000'000'000'000'000;
  meta.recv_steady_ns = 42'000'000'000;
  auto one = [&](venues::Channel channel, std::size_t endpoint) {
    meta.channel = channel;
    meta.endpoint = static_cast<std::uint16_t>(endpoint);
    decode_one(fast, frame, meta, venue);
    decode_one(slow, frame, meta, venue);
    LEVDYN_FUZZ_CHECK(fast.result.status == slow.result.status);
    LEVDYN_FUZZ_CHECK(fast.result.channel_label == slow.result.channel_label);
    LEVDYN_FUZZ_CHECK(fast.reply == slow.reply);
    LEVDYN_FUZZ_CHECK(fast.events == slow.events);
    LEVDYN_FUZZ_CHECK(fast.table->size() == slow.table->size());
  };
  for (std::size_t ep = 0; ep < ws_count; ++ep) one(venues::Channel::kWs, ep);
  for (std::size_t ep = 0; ep < rest_count; ++ep) one(venues::Channel::kRest, ep);
}

/// An empty table per input without a fresh 600 kB allocation (under ASan each one is an
/// mmap and dominated the run time): the same storage is destroyed and built again.
core::InstrumentTable& fresh_table(int slot) {
  static std::optional<core::InstrumentTable> tables[3];
  tables[slot].reset();
  return tables[slot].emplace();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const core::Venue venue = fuzz_venue();
  static const std::vector<core::InstrumentSpec> bundled = venues::bundled_instruments(venue);
  static const venues::VenueSettings settings = venues::default_settings(venue);
  static const std::size_t metadata_count = venues::metadata_targets(venue).size();
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // Fresh tables per input: the codecs add "_other" buckets, which must not leak between
  // inputs (a crash has to reproduce from its input alone).
  core::InstrumentTable* table = &fresh_table(0);
  core::InstrumentTable* slow_table = &fresh_table(2);
  for (const auto& spec : bundled) {
    table->add(spec);
    slow_table->add(spec);
  }
  const auto codec = venues::make_codec(settings, *table);
  venues::VenueSettings slow_settings = settings;
  slow_settings.fast_path = false;
  const auto slow_codec = venues::make_codec(slow_settings, *slow_table);
  LEVDYN_FUZZ_CHECK(codec != nullptr && slow_codec != nullptr);
  LEVDYN_FUZZ_CHECK(codec->venue() == venue);
  const std::size_t ws_count = codec->ws_endpoints().size();
  const std::size_t rest_count = codec->rest_polls().size();
  for (std::size_t ep = 0; ep < ws_count; ++ep) {
    codec->on_connected(static_cast<std::uint16_t>(ep));
    slow_codec->on_connected(static_cast<std::uint16_t>(ep));
  }
  Side fast{codec.get(), table, {}, {}, {}, {}};
  Side slow{slow_codec.get(), slow_table, {}, {}, {}, {}};

  std::string_view rest = input;
  while (true) {
    const auto nul = rest.find('\0');
    decode_all(fast, slow, rest.substr(0, nul), venue, ws_count, rest_count);
    if (nul == std::string_view::npos) break;
    rest.remove_prefix(nul + 1);
  }

  for (std::size_t i = 0; i < metadata_count; ++i) {
    std::vector<core::InstrumentSpec> specs;
    const venues::DecodeStatus s = venues::parse_metadata(venue, i, input, specs);
    LEVDYN_FUZZ_CHECK(s <= venues::DecodeStatus::kVenueError);
    core::InstrumentTable* meta_table = &fresh_table(1);
    for (const auto& spec : specs) {
      LEVDYN_FUZZ_CHECK(spec.venue == venue);
      const core::InstrumentId id = meta_table->add(spec);
      if (id != core::kNoInstrument) LEVDYN_FUZZ_CHECK(id < meta_table->size());
    }
  }
  return 0;
}
