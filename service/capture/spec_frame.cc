#include "service/capture/spec_frame.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>

#include "service/venues/event_json.h"

namespace levdyn::capture {

std::string spec_payload(const core::InstrumentSpec& spec) {
  std::string out = "{\"symbol\":";
  venues::append_json_string(out, spec.symbol);
  out += ",\"asset\":";
  venues::append_json_string(out, spec.asset);
  out += ",\"kind\":";
  venues::append_json_string(out, core::to_string(spec.kind));
  out += ",\"contract_value\":";
  venues::append_json_number(out, spec.contract_value);  // null when unknown
  out += '}';
  return out;
}

bool same_contract(const core::InstrumentSpec& spec, const core::InstrumentSpec& in_use) {
  const bool same_value = spec.contract_value == in_use.contract_value ||
                          (std::isnan(spec.contract_value) && std::isnan(in_use.contract_value));
  return spec.kind == in_use.kind && same_value &&
         core::normalize_asset(spec.asset) == core::normalize_asset(in_use.asset);
}

std::string describe_contract(const core::InstrumentSpec& spec) {
  char value[32];
  std::snprintf(value, sizeof value, "%g", spec.contract_value);
  return core::normalize_asset(spec.asset) + " " + std::string(core::to_string(spec.kind)) +
         ", contract value " + value;
}

bool SpecChanges::first_difference(const core::InstrumentSpec& spec,
                                   const core::InstrumentSpec& in_use) {
  if (same_contract(spec, in_use)) return false;
  const auto key = std::make_pair(spec.venue, spec.symbol);
  if (std::find(named_.begin(), named_.end(), key) != named_.end()) return false;
  named_.push_back(key);
  return true;
}

bool parse_spec_payload(std::string_view payload, core::Venue venue, core::InstrumentSpec& out,
                        std::string& error) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::object obj;
  if (parser.parse(payload.data(), payload.size()).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(obj) != simdjson::SUCCESS) {
    error = "a spec frame must be a JSON object";
    return false;
  }
  std::string_view symbol, asset, kind;
  if (obj["symbol"].get_string().get(symbol) != simdjson::SUCCESS || symbol.empty() ||
      symbol.size() >= sizeof(core::InstrumentInfo::symbol)) {
    error = "a spec frame needs \"symbol\", a string of 1 to 31 bytes";
    return false;
  }
  if (obj["asset"].get_string().get(asset) != simdjson::SUCCESS || asset.empty() ||
      asset.size() >= sizeof(core::InstrumentInfo::asset_name)) {
    error = "a spec frame needs \"asset\", a string of 1 to 15 bytes";
    return false;
  }
  if (obj["kind"].get_string().get(kind) != simdjson::SUCCESS) kind = {};
  // The names spec_payload writes: core::to_string of each kind.
  const core::ContractKind kinds[] = {core::ContractKind::kLinear, core::ContractKind::kInverse,
                                      core::ContractKind::kQuanto};
  const auto* k = std::find_if(std::begin(kinds), std::end(kinds),
                               [&](core::ContractKind c) { return core::to_string(c) == kind; });
  if (k == std::end(kinds)) {
    error = "a spec frame's \"kind\" must be linear, inverse or quanto";
    return false;
  }
  double value = core::kAbsent;
  simdjson::dom::element cv;
  if (obj["contract_value"].get(cv) != simdjson::SUCCESS ||
      (!cv.is_null() &&
       (cv.get_double().get(value) != simdjson::SUCCESS || !std::isfinite(value) || value <= 0))) {
    error = "a spec frame's \"contract_value\" must be a positive number or null";
    return false;
  }
  out = core::InstrumentSpec{};
  out.venue = venue;
  out.symbol.assign(symbol);
  out.asset.assign(asset);
  out.kind = *k;
  out.contract_value = value;
  out.tracked = true;
  return true;
}

std::vector<RecordedFrame> spec_frames(const core::InstrumentTable& table) {
  std::vector<RecordedFrame> out;
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& info = table.get(static_cast<core::InstrumentId>(i));
    if (!info.tracked) continue;
    const core::InstrumentSpec spec = info.spec();
    RecordedFrame f;
    f.venue = info.venue;
    f.channel = FrameChannel::kSpec;
    f.payload = spec_payload(spec);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace levdyn::capture
