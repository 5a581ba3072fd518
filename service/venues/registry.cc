// Dispatch from a venue id to its codec and metadata functions. Each venue's knowledge lives
// in service/venues/<venue>.{h,cc}; this file only routes.

#include "service/venues/binance.h"
#include "service/venues/bybit.h"
#include "service/venues/deribit.h"
#include "service/venues/bitmex.h"
#include "service/venues/codec.h"
#include "service/venues/hyperliquid.h"
#include "service/venues/metadata.h"
#include "service/venues/okx.h"

namespace levdyn::venues {

std::string_view to_string(DecodeStatus s) noexcept {
  switch (s) {
    case DecodeStatus::kOk: return "ok";
    case DecodeStatus::kIgnored: return "ignored";
    case DecodeStatus::kMalformedJson: return "malformed_json";
    case DecodeStatus::kMissingField: return "missing_field";
    case DecodeStatus::kBadNumber: return "bad_number";
    case DecodeStatus::kWrongType: return "wrong_type";
    case DecodeStatus::kUnknownMessage: return "unknown_message";
    case DecodeStatus::kVenueError: return "venue_error";
  }
  return "unknown";
}

std::unique_ptr<Codec> make_codec(const VenueSettings& settings, core::InstrumentTable& table) {
  switch (settings.venue) {
    case core::Venue::kBinance: return binance::make_codec(settings, table);
    case core::Venue::kOkx: return okx::make_codec(settings, table);
    case core::Venue::kHyperliquid: return hyperliquid::make_codec(settings, table);
    case core::Venue::kBybit: return bybit::make_codec(settings, table);
    case core::Venue::kDeribit: return deribit::make_codec(settings, table);
    case core::Venue::kBitmex: return bitmex::make_codec(settings, table);
    default: return nullptr;
  }
}

std::vector<std::string> metadata_targets(core::Venue venue) {
  switch (venue) {
    case core::Venue::kBinance: return binance::metadata_targets();
    case core::Venue::kOkx: return okx::metadata_targets();
    case core::Venue::kHyperliquid: return hyperliquid::metadata_targets();
    case core::Venue::kBybit: return bybit::metadata_targets();
    case core::Venue::kDeribit: return deribit::metadata_targets();
    case core::Venue::kBitmex: return bitmex::metadata_targets();
    default: return {};
  }
}

DecodeStatus parse_metadata(core::Venue venue, std::size_t target_index, std::string_view body,
                            std::vector<core::InstrumentSpec>& out) noexcept {
  switch (venue) {
    case core::Venue::kBinance: return binance::parse_metadata(target_index, body, out);
    case core::Venue::kOkx: return okx::parse_metadata(target_index, body, out);
    case core::Venue::kHyperliquid: return hyperliquid::parse_metadata(target_index, body, out);
    case core::Venue::kBybit: return bybit::parse_metadata(target_index, body, out);
    case core::Venue::kDeribit: return deribit::parse_metadata(target_index, body, out);
    case core::Venue::kBitmex: return bitmex::parse_metadata(target_index, body, out);
    default: return DecodeStatus::kUnknownMessage;
  }
}

std::vector<core::InstrumentSpec> bundled_instruments(core::Venue venue) {
  switch (venue) {
    case core::Venue::kBinance: return binance::bundled_instruments();
    case core::Venue::kOkx: return okx::bundled_instruments();
    case core::Venue::kHyperliquid: return hyperliquid::bundled_instruments();
    case core::Venue::kBybit: return bybit::bundled_instruments();
    case core::Venue::kDeribit: return deribit::bundled_instruments();
    case core::Venue::kBitmex: return bitmex::bundled_instruments();
    default: return {};
  }
}

bool publishes_liquidations(core::Venue venue) noexcept {
  return venue != core::Venue::kHyperliquid;
}

VenueSettings default_settings(core::Venue venue) {
  switch (venue) {
    case core::Venue::kBinance: return binance::default_settings();
    case core::Venue::kOkx: return okx::default_settings();
    case core::Venue::kHyperliquid: return hyperliquid::default_settings();
    case core::Venue::kBybit: return bybit::default_settings();
    case core::Venue::kDeribit: return deribit::default_settings();
    case core::Venue::kBitmex: return bitmex::default_settings();
    default: break;
  }
  VenueSettings s;
  s.venue = venue;
  return s;
}

}  // namespace levdyn::venues
