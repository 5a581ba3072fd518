#pragma once

// The JSONL frame interchange format (DESIGN §6):
//   {"ts_ns": <receive time, ns since epoch>, "venue": "binance", "frame": "<raw message text>"}
// with optional "channel": "ws" | "rest" | "status" | "spec" | "settings" (default "ws") and
// "connection": N. Bare venue messages (one per line) are accepted when a default venue is given.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/events.h"
#include "service/capture/recorded_frame.h"

namespace levdyn::capture {

struct JsonlFrame {
  std::int64_t ts_ns = 0;          // 0 when the line was a bare message
  core::Venue venue = core::Venue::kBinance;
  FrameChannel channel = FrameChannel::kWs;
  bool up = true;  // a status frame: the feed came up
  std::uint16_t connection = 0;
  std::string frame;               // the raw message, unescaped
};

enum class JsonlResult : std::uint8_t { kFrame, kBare, kBlank, kError };

/// Parses one line. A line that is not a JSONL frame object is returned as a bare message of
/// `default_venue` when `has_default` (kBare), else kError with `error` set. Never throws.
JsonlResult parse_jsonl_line(std::string_view line, bool has_default, core::Venue default_venue,
                             JsonlFrame& out, std::string& error);

/// Appends one JSONL frame line (with the trailing newline).
void append_jsonl_frame(std::string& out, const JsonlFrame& frame);

}  // namespace levdyn::capture
