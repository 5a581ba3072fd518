#pragma once

// Hyperliquid perps: one WebSocket (`activeAssetCtx` for open interest / mark / oracle /
// funding, `trades` for trades) and no public liquidations. See ../shared/venues.md §6.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "service/venues/codec.h"

namespace levdyn::venues::hyperliquid {

[[nodiscard]] std::unique_ptr<Codec> make_codec(const VenueSettings& settings,
                                                core::InstrumentTable& table);
/// Empty: Hyperliquid's metadata is `POST /info {"type":"meta"}` and the metadata fetcher
/// only does GET, so the bundled instruments are used.
[[nodiscard]] std::vector<std::string> metadata_targets();
/// Parses a `{"type":"meta"}` response (`universe[].name`, `szDecimals`), for a future POST
/// fetch. Any target index other than 0 is kUnknownMessage.
[[nodiscard]] DecodeStatus parse_metadata(std::size_t target_index, std::string_view body,
                                          std::vector<core::InstrumentSpec>& out) noexcept;
[[nodiscard]] std::vector<core::InstrumentSpec> bundled_instruments();
[[nodiscard]] VenueSettings default_settings();

/// Trades dropped as duplicates of an already-emitted (time, coin, tid), mostly the ~30-trade
/// replay the venue sends on every subscribe. 0 for a codec that is not Hyperliquid's.
[[nodiscard]] std::uint64_t duplicate_trades(const Codec& codec) noexcept;

}  // namespace levdyn::venues::hyperliquid
