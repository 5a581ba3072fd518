#pragma once

// Deribit (JSON-RPC 2.0 over one WebSocket): ticker.{instr}.100ms (open interest, mark price,
// funding) and trades.{instr}.100ms (trades, liquidation flags), the server-driven
// public/set_heartbeat test_request protocol, and get_instruments metadata. See
// ../shared/venues.md §4.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "service/venues/codec.h"

namespace levdyn::venues::deribit {

[[nodiscard]] std::unique_ptr<Codec> make_codec(const VenueSettings& settings,
                                                core::InstrumentTable& table);
[[nodiscard]] std::vector<std::string> metadata_targets();
[[nodiscard]] DecodeStatus parse_metadata(std::size_t target_index, std::string_view body,
                                          std::vector<core::InstrumentSpec>& out) noexcept;
[[nodiscard]] std::vector<core::InstrumentSpec> bundled_instruments();
[[nodiscard]] VenueSettings default_settings();

/// Trades a Deribit codec dropped as replays (same trade_id seen before on that instrument,
/// e.g. after a reconnect). 0 for a codec of another venue.
[[nodiscard]] std::uint64_t duplicate_trades(const Codec& codec) noexcept;

}  // namespace levdyn::venues::deribit
