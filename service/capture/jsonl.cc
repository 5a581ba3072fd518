#include "service/capture/jsonl.h"

#include <simdjson.h>

#include <cstring>
#include <string>

#include "service/venues/event_json.h"

namespace levdyn::capture {

JsonlResult parse_jsonl_line(std::string_view line, bool has_default, core::Venue default_venue,
                             JsonlFrame& out, std::string& error) {
  std::size_t b = 0, e = line.size();
  while (b < e && (line[b] == ' ' || line[b] == '\t' || line[b] == '\r')) ++b;
  while (e > b && (line[e - 1] == ' ' || line[e - 1] == '\t' || line[e - 1] == '\r')) --e;
  line = line.substr(b, e - b);
  if (line.empty()) return JsonlResult::kBlank;
  out = JsonlFrame{};
  auto bare = [&](const char* why) {
    if (!has_default) {
      error = why;
      return JsonlResult::kError;
    }
    out.venue = default_venue;
    out.frame.assign(line);
    return JsonlResult::kBare;
  };
  // A frame object has "frame" and "venue" keys; anything else is a bare message.
  if (line.find("\"frame\"") == std::string_view::npos) return bare("not a JSONL frame object");
  thread_local simdjson::dom::parser parser;
  // A padded copy in a buffer kept from line to line: parse(data, size) would allocate one per
  // line.
  thread_local std::string padded;
  if (padded.size() < line.size() + simdjson::SIMDJSON_PADDING) {
    padded.resize(line.size() + simdjson::SIMDJSON_PADDING);
  }
  std::memcpy(padded.data(), line.data(), line.size());
  std::memset(padded.data() + line.size(), 0, simdjson::SIMDJSON_PADDING);
  simdjson::dom::element doc;
  if (parser.parse(padded.data(), line.size(), false).get(doc) != simdjson::SUCCESS) {
    return bare("not valid JSON");
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return bare("not a JSON object");
  std::string_view frame, venue;
  if (obj["frame"].get_string().get(frame) != simdjson::SUCCESS ||
      obj["venue"].get_string().get(venue) != simdjson::SUCCESS) {
    return bare("a JSONL frame needs string \"venue\" and \"frame\"");
  }
  if (!core::parse_venue(venue, out.venue)) {
    error = "unknown venue '" + std::string(venue) + "'";
    return JsonlResult::kError;
  }
  std::int64_t ts = 0;
  if (auto v = obj["ts_ns"]; v.error() != simdjson::NO_SUCH_FIELD) {
    if (v.get_int64().get(ts) != simdjson::SUCCESS || ts < 0) {
      error = "\"ts_ns\" must be a non-negative integer";
      return JsonlResult::kError;
    }
  }
  out.ts_ns = ts;
  std::string_view channel = "ws";
  if (auto c = obj["channel"]; c.error() != simdjson::NO_SUCH_FIELD) {
    if (c.get_string().get(channel) != simdjson::SUCCESS) {
      error = "\"channel\" must be a string";
      return JsonlResult::kError;
    }
  }
  if (channel == "ws") {
    out.channel = venues::Channel::kWs;
  } else if (channel == "rest") {
    out.channel = venues::Channel::kRest;
  } else if (channel == "status") {
    out.status = true;
    out.up = frame == "up" || frame.rfind("up", 0) == 0 || frame == "connected";
  } else {
    error = "\"channel\" must be ws, rest or status";
    return JsonlResult::kError;
  }
  std::int64_t conn = 0;
  if (auto c = obj["connection"]; c.error() != simdjson::NO_SUCH_FIELD) {
    if (c.get_int64().get(conn) != simdjson::SUCCESS || conn < 0 || conn > 65535) {
      error = "\"connection\" must be an integer 0..65535";
      return JsonlResult::kError;
    }
  }
  out.connection = static_cast<std::uint16_t>(conn);
  out.frame.assign(frame);
  return JsonlResult::kFrame;
}

void append_jsonl_frame(std::string& out, const JsonlFrame& f) {
  out += "{\"ts_ns\":";
  venues::append_json_int(out, f.ts_ns);
  out += ",\"venue\":";
  venues::append_json_string(out, core::to_string(f.venue));
  if (f.status) {
    out += ",\"channel\":\"status\"";
  } else if (f.channel == venues::Channel::kRest) {
    out += ",\"channel\":\"rest\"";
  }
  if (f.connection != 0) {
    out += ",\"connection\":";
    venues::append_json_int(out, f.connection);
  }
  out += ",\"frame\":";
  venues::append_json_string(out, f.frame);
  out += "}\n";
}

}  // namespace levdyn::capture
