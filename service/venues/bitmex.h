#pragma once

// BitMEX: the realtime table protocol (instrument, trade, liquidation tables merged by their
// keys) on one WebSocket, and REST /api/v1/instrument/active metadata. See
// ../shared/venues.md §5.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "service/venues/codec.h"

namespace levdyn::venues::bitmex {

[[nodiscard]] std::unique_ptr<Codec> make_codec(const VenueSettings& settings,
                                                core::InstrumentTable& table);
[[nodiscard]] std::vector<std::string> metadata_targets();
[[nodiscard]] DecodeStatus parse_metadata(std::size_t target_index, std::string_view body,
                                          std::vector<core::InstrumentSpec>& out) noexcept;
[[nodiscard]] std::vector<core::InstrumentSpec> bundled_instruments();
[[nodiscard]] VenueSettings default_settings();

/// Table-protocol counters of a BitMEX codec (zero for any other codec).
struct TableStats {
  std::uint64_t dropped_before_partial = 0;  // rows of a table/symbol whose partial is missing
  std::uint64_t unknown_orders = 0;          // liquidation update/delete of an unseen orderID
  std::size_t resting_orders = 0;            // liquidation orders currently held
};
[[nodiscard]] TableStats table_stats(const Codec& codec) noexcept;

}  // namespace levdyn::venues::bitmex
