#pragma once

// The simulator's fault schedule: which fault hits which venue when, read from a small YAML or
// JSON file (`levdyn sim --faults FILE`). The file format is documented in README.md
// ("Reliability") and by deploy/sim-faults.yaml:
//
//   faults:
//     - {venue: binance, at: 3s, fault: malformed, count: 2}
//     - {venue: okx, at: 5s, fault: close, code: 1011}
//
// `at` counts from the simulator's start. Plain data, no I/O except load_fault_plan().

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"

namespace levdyn::sim {

enum class FaultKind : std::uint8_t {
  kReset,      // drop the venue's connections with a TCP reset (no close frame)
  kClose,      // a close frame with `code`
  kSilence,    // stop sending and stop answering pings for `for`, then drop the connection
  kOversize,   // one text frame of `bytes` bytes
  kMalformed,  // `count` frames of truncated JSON
  kWrongType,  // `count` frames in the venue's real message shape, the price an object
  kBinary,     // `count` binary frames
  kBurst,      // market events at `rate` times the rate for `for`
  kDuplicate,  // every market frame sent twice for `for` (only where levdyn deduplicates)
  kReorder,    // market frames of consecutive ticks swapped for `for` (timestamps go back)
  kRest,       // the next `count` REST requests answered `status` (Retry-After for 429/418)
  kTls,        // TLS handshakes on the port answered with plain HTTP for `for` (and a reset)
  kDown,       // a reset, then WebSocket upgrades refused with 503 for `for`
  kPause,      // no more trades or liquidations (heartbeats go on), for `for` or for good
  kQuiet,      // nothing sent for `for` but answers to the client (pongs, its requests)
};

[[nodiscard]] const char* to_string(FaultKind kind) noexcept;

struct Fault {
  core::Venue venue = core::Venue::kBinance;
  bool all_venues = false;  // venue: all (every venue; not for duplicate)
  std::int64_t at_ms = 0;   // since the simulator's start
  FaultKind kind = FaultKind::kReset;
  int count = 1;
  std::uint16_t code = 1000;     // close
  std::int64_t for_ms = 0;       // silence, burst, duplicate, reorder, tls, down, pause, quiet
  int status = 429;              // rest
  int retry_after_s = 1;         // rest 429/418
  std::size_t bytes = 5u << 20;  // oversize (levdyn refuses frames over 4 MiB)
  double rate = 10.0;            // burst
};

struct FaultPlan {
  std::vector<Fault> faults;  // in file order
};

/// Parses a fault file's text (YAML, or JSON which YAML reads too). Throws
/// std::invalid_argument naming the entry and key for anything unknown or out of range.
[[nodiscard]] FaultPlan parse_fault_plan(std::string_view text);
/// Reads and parses FILE. Throws std::invalid_argument (also when it cannot be read).
[[nodiscard]] FaultPlan load_fault_plan(const std::string& path);

/// A frame of truncated JSON starting like the venue's own messages.
[[nodiscard]] std::string malformed_frame(core::Venue venue);
/// Valid JSON in the venue's real liquidation (Hyperliquid: trade) message shape with the
/// price an object: levdyn must reject it as a decode error.
[[nodiscard]] std::string wrong_type_frame(core::Venue venue, std::int64_t now_ms);

}  // namespace levdyn::sim
