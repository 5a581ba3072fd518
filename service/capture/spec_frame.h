#pragma once

// Contract specs in a recording (docs/formats.md, "spec" frames). The live service takes its
// instruments' contract specs from the venues' metadata endpoints; replay has no network. So
// the recorder writes the spec of every tracked instrument at the start of each capture file,
// and replay uses those instead of the bundled ones: a symbol levdyn does not bundle (OKX
// SOL-USDT-SWAP, BitMEX ETHUSDT…), or a contract size a venue has changed, replays as it ran.
//
// Payload: {"symbol":"SOL-USDT-SWAP","asset":"SOL","kind":"linear","contract_value":1}, kind
// linear | inverse | quanto, contract_value as core::InstrumentSpec (null when unknown).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/instrument_table.h"
#include "service/capture/recorded_frame.h"

namespace levdyn::capture {

/// The payload of a spec frame.
[[nodiscard]] std::string spec_payload(const core::InstrumentSpec& spec);

/// Reads a spec frame's payload as a spec of `venue`. False with `error` set when it is not a
/// spec (not JSON, a missing or mistyped field, an unknown kind, a non-positive contract value).
[[nodiscard]] bool parse_spec_payload(std::string_view payload, core::Venue venue,
                                      core::InstrumentSpec& out, std::string& error);

/// True when `spec` gives the contract the kind, contract value (NaN equals NaN) and asset
/// (compared normalized) that `in_use` has: a recording repeats its specs in every file, and
/// only a spec that differs from the one in use is worth a warning.
[[nodiscard]] bool same_contract(const core::InstrumentSpec& spec,
                                 const core::InstrumentSpec& in_use);

/// "BTC linear, contract value 1": a spec as a warning names it.
[[nodiscard]] std::string describe_contract(const core::InstrumentSpec& spec);

/// The symbols whose recorded spec differed from the one in use, so that replay and normalize
/// name each once (every file of a recording repeats its specs).
class SpecChanges {
 public:
  /// True the first time a spec for `spec`'s venue and symbol differs from `in_use`.
  [[nodiscard]] bool first_difference(const core::InstrumentSpec& spec,
                                      const core::InstrumentSpec& in_use);

 private:
  std::vector<std::pair<core::Venue, std::string>> named_;
};

/// Spec frames (channel kSpec, connection 0, receive times 0) for every tracked instrument of
/// `table`, in table order.
[[nodiscard]] std::vector<RecordedFrame> spec_frames(const core::InstrumentTable& table);

}  // namespace levdyn::capture
