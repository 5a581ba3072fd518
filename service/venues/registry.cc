// Dispatch from a venue id to its codec and metadata functions. Each venue's knowledge lives
// in service/venues/<venue>.{h,cc}; this file only routes.

#include "service/venues/binance.h"
#include "service/venues/codec.h"
#include "service/venues/metadata.h"

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
    default: return nullptr;
  }
}

std::vector<std::string> metadata_targets(core::Venue venue) {
  switch (venue) {
    case core::Venue::kBinance: return binance::metadata_targets();
    default: return {};
  }
}

DecodeStatus parse_metadata(core::Venue venue, std::size_t target_index, std::string_view body,
                            std::vector<core::InstrumentSpec>& out) noexcept {
  switch (venue) {
    case core::Venue::kBinance: return binance::parse_metadata(target_index, body, out);
    default: return DecodeStatus::kUnknownMessage;
  }
}

std::vector<core::InstrumentSpec> bundled_instruments(core::Venue venue) {
  switch (venue) {
    case core::Venue::kBinance: return binance::bundled_instruments();
    default: return {};
  }
}

VenueSettings default_settings(core::Venue venue) {
  switch (venue) {
    case core::Venue::kBinance: return binance::default_settings();
    default: {
      VenueSettings s;
      s.venue = venue;
      return s;
    }
  }
}

}  // namespace levdyn::venues
