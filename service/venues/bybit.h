#pragma once

// Bybit v5 public linear + inverse: tickers (snapshot + deltas: open interest, mark, funding),
// publicTrade, allLiquidation (and the deprecated liquidation topic), instruments-info
// metadata. See ../shared/venues.md §2.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "service/venues/codec.h"

namespace levdyn::venues::bybit {

/// The Bybit codec, with its venue-specific counters.
class BybitCodec : public Codec {
 public:
  /// Liquidations whose bankruptcy price disagrees with the latest mark of the symbol (a long
  /// liquidated at p >= mark, or a short at p <= mark). Such events are still emitted.
  [[nodiscard]] virtual std::uint64_t bankruptcy_price_disagreements() const noexcept = 0;
};

[[nodiscard]] std::unique_ptr<Codec> make_codec(const VenueSettings& settings,
                                                core::InstrumentTable& table);
[[nodiscard]] std::vector<std::string> metadata_targets();
[[nodiscard]] DecodeStatus parse_metadata(std::size_t target_index, std::string_view body,
                                          std::vector<core::InstrumentSpec>& out) noexcept;
[[nodiscard]] std::vector<core::InstrumentSpec> bundled_instruments();
[[nodiscard]] VenueSettings default_settings();

}  // namespace levdyn::venues::bybit
