#include "service/app/normalize.h"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/instrument_table.h"
#include "service/capture/jsonl.h"
#include "service/capture/spec_frame.h"
#include "service/venues/codec.h"
#include "service/venues/event_json.h"
#include "service/venues/metadata.h"

namespace levdyn::app {

NormalizeStats normalize_stream(std::istream& in, std::ostream& out, std::ostream& err,
                                std::optional<core::Venue> venue) {
  NormalizeStats stats;
  core::InstrumentTable table;
  // Contract specs: those a recording carried ("channel":"spec" lines, which come before the
  // frames of their venue), then the bundled ones; every other symbol is accepted as seen
  // (empty symbol lists), with quantities that need an unknown contract value left out. A
  // venue's specs go into the table when its codec is made, at its first frame.
  std::vector<core::InstrumentSpec> recorded;
  capture::SpecChanges spec_changes;
  std::array<std::unique_ptr<venues::Codec>, core::kVenueCount> codecs;
  auto codec_for = [&](core::Venue v) -> venues::Codec* {
    auto& c = codecs[static_cast<std::size_t>(v)];
    if (!c) {
      for (const auto& s : recorded) {
        if (s.venue == v) (void)table.add(s);
      }
      for (const auto& s : venues::bundled_instruments(v)) (void)table.add(s);  // not over them
      venues::VenueSettings s = venues::default_settings(v);
      s.venue = v;
      s.symbols.clear();
      c = venues::make_codec(s, table);
      if (c) {
        for (std::size_t e = 0; e < c->ws_endpoints().size(); ++e) {
          c->on_connected(static_cast<std::uint16_t>(e));
        }
      }
    }
    return c.get();
  };
  std::string line, reply, error, buf;
  std::vector<core::NormalizedEvent> events;
  capture::JsonlFrame frame;
  auto report = [&](const std::string& what) {
    ++stats.errors;
    if (stats.errors <= 50) err << "line " << stats.lines << ": " << what << '\n';
  };
  while (std::getline(in, line)) {
    ++stats.lines;
    const auto r = capture::parse_jsonl_line(line, venue.has_value(),
                                             venue.value_or(core::Venue::kBinance), frame, error);
    if (r == capture::JsonlResult::kBlank) continue;
    if (r == capture::JsonlResult::kError) {
      report(error + (venue ? "" : " (give --venue for bare messages)"));
      continue;
    }
    if (frame.channel == capture::FrameChannel::kStatus ||
        frame.channel == capture::FrameChannel::kSettings) {
      continue;  // no market data
    }
    if (frame.channel == capture::FrameChannel::kSpec) {
      core::InstrumentSpec spec;
      if (!capture::parse_spec_payload(frame.frame, frame.venue, spec, error)) {
        report(error);
        continue;
      }
      // A symbol keeps the first spec it was given: its events so far were decoded with it.
      // A later one that differs is named once (every file of a recording repeats its specs).
      std::optional<core::InstrumentSpec> in_use;
      if (codecs[static_cast<std::size_t>(frame.venue)]) {
        const auto id = table.find(spec.venue, spec.symbol);
        if (id == core::kNoInstrument) {
          (void)table.add(spec);  // the venue's instruments are set, but a new symbol is taken
        } else {
          in_use = table.get(id).spec();
        }
      } else {
        const auto it = std::find_if(recorded.begin(), recorded.end(), [&](const auto& s) {
          return s.venue == spec.venue && s.symbol == spec.symbol;
        });
        if (it == recorded.end()) {
          recorded.push_back(spec);
        } else {
          in_use = *it;
        }
      }
      if (in_use && spec_changes.first_difference(spec, *in_use)) {
        err << "line " << stats.lines << ": the contract spec for " << core::to_string(spec.venue)
            << " " << spec.symbol << " (" << capture::describe_contract(spec)
            << ") differs from the one in use (" << capture::describe_contract(*in_use)
            << "), which normalize keeps\n";
      }
      continue;
    }
    ++stats.frames;
    venues::Codec* codec = codec_for(frame.venue);
    if (codec == nullptr) {
      report("venue " + std::string(core::to_string(frame.venue)) + " has no codec");
      continue;
    }
    venues::FrameMeta meta;
    meta.channel = capture::codec_channel(frame.channel);
    meta.endpoint = frame.connection;
    meta.recv_wall_ns = frame.ts_ns;
    events.clear();
    reply.clear();
    const auto res = codec->decode(frame.frame, meta, events, reply);
    if (venues::is_error(res.status)) {
      report(std::string(venues::to_string(res.status)) + ": " + frame.frame.substr(0, 120));
      continue;
    }
    for (const auto& e : events) {
      buf.clear();
      venues::append_event_json(buf, e, table);
      buf += '\n';
      out << buf;
      ++stats.events;
    }
  }
  if (stats.errors > 50) err << "… " << stats.errors - 50 << " more rejected lines\n";
  return stats;
}

}  // namespace levdyn::app
