#pragma once

// OKX v5 public WebSocket (SWAP instruments): open-interest, mark-price, trades, funding-rate
// per instId and liquidation-orders per instType, plus the REST instruments endpoint for
// contract values. See ../shared/venues.md §3.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "service/venues/codec.h"

namespace levdyn::venues::okx {

[[nodiscard]] std::unique_ptr<Codec> make_codec(const VenueSettings& settings,
                                                core::InstrumentTable& table);
[[nodiscard]] std::vector<std::string> metadata_targets();
[[nodiscard]] DecodeStatus parse_metadata(std::size_t target_index, std::string_view body,
                                          std::vector<core::InstrumentSpec>& out) noexcept;
[[nodiscard]] std::vector<core::InstrumentSpec> bundled_instruments();
[[nodiscard]] VenueSettings default_settings();

}  // namespace levdyn::venues::okx
