#pragma once

// `levdyn normalize`: raw venue frames (JSONL frames or bare messages, one per line) through
// the venue codecs, printed as normalized events (DESIGN §6), one JSON object per line.

#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>

#include "core/events.h"

namespace levdyn::app {

struct NormalizeStats {
  std::uint64_t lines = 0;
  std::uint64_t frames = 0;
  std::uint64_t events = 0;
  std::uint64_t errors = 0;
};

/// Reads `in` to the end, writes events to `out` and one line per rejected frame to `err`
/// (the first 50, then a count). `venue` is the default for bare messages.
NormalizeStats normalize_stream(std::istream& in, std::ostream& out, std::ostream& err,
                                std::optional<core::Venue> venue);

}  // namespace levdyn::app
