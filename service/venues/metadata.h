#pragma once

// Instrument metadata per venue: where to fetch it, how to parse the venue's instruments
// endpoint, and the bundled fallback used offline (normalize, demo, first start without
// network). Pure: the app does the fetching and the on-disk caching.

#include <string>
#include <string_view>
#include <vector>

#include "core/instrument_table.h"
#include "service/venues/codec.h"

namespace levdyn::venues {

/// REST targets (path + query on rest_url) whose responses together describe the venue's
/// instruments. Each response is passed to parse_metadata() with its index.
[[nodiscard]] std::vector<std::string> metadata_targets(core::Venue venue);

/// Parses one metadata response, appending a spec for every instrument it describes.
/// Returns kOk or the error; never throws.
[[nodiscard]] DecodeStatus parse_metadata(core::Venue venue, std::size_t target_index,
                                          std::string_view body,
                                          std::vector<core::InstrumentSpec>& out) noexcept;

/// Specs for the venue's default instruments, compiled in.
[[nodiscard]] std::vector<core::InstrumentSpec> bundled_instruments(core::Venue venue);

/// Default settings of a venue (production URLs, default symbols), DESIGN §6.
[[nodiscard]] VenueSettings default_settings(core::Venue venue);

}  // namespace levdyn::venues
