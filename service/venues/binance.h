#pragma once

// Binance USD-M futures: combined market streams (forceOrder, aggTrade, markPrice@1s) and
// REST open interest / exchangeInfo. See ../shared/venues.md §1.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "service/venues/codec.h"

namespace levdyn::venues::binance {

[[nodiscard]] std::unique_ptr<Codec> make_codec(const VenueSettings& settings,
                                                core::InstrumentTable& table);
[[nodiscard]] std::vector<std::string> metadata_targets();
[[nodiscard]] DecodeStatus parse_metadata(std::size_t target_index, std::string_view body,
                                          std::vector<core::InstrumentSpec>& out) noexcept;
[[nodiscard]] std::vector<core::InstrumentSpec> bundled_instruments();
[[nodiscard]] VenueSettings default_settings();

}  // namespace levdyn::venues::binance
