#pragma once

// Normalized events as DESIGN §6 JSONL objects (output of `levdyn normalize`, items of
// /v1/liquidations). Absent fields are omitted, never invented.

#include <string>
#include <string_view>

#include "core/events.h"
#include "core/instrument_table.h"

namespace levdyn::venues {

/// Appends one JSON object (no trailing newline).
void append_event_json(std::string& out, const core::NormalizedEvent& e,
                       const core::InstrumentTable& table);

/// Symbol to report: "_other" for the untracked buckets.
[[nodiscard]] std::string_view reported_symbol(const core::InstrumentInfo& info) noexcept;

/// JSON helpers shared by the HTTP layer: shortest round-trip doubles, null for absent.
void append_json_number(std::string& out, double v);
void append_json_int(std::string& out, std::int64_t v);
/// A JSON string literal of `s`; bytes that are not well-formed UTF-8 become U+FFFD.
void append_json_string(std::string& out, std::string_view s);

}  // namespace levdyn::venues
