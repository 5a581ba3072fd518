// Fuzz target of the JSONL frame reader (capture::parse_jsonl_line) and writer.
//
// The first byte picks the reader's mode (bare messages allowed or not, and the default
// venue); the rest is split into lines as `levdyn replay` / `normalize` read a file. Every
// frame read back must survive a write and a re-read unchanged: the capture format must carry
// any frame the reader accepts. Each line is also read with a space after its first '{', which
// sends it past the reader's DOM-less fast path to simdjson: both must read the same frame.
// A spec line's frame that reads as a contract spec must be written back to the same spec.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/events.h"
#include "service/capture/jsonl.h"
#include "service/capture/spec_frame.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace levdyn;

void round_trip(const capture::JsonlFrame& f) {
  std::string line;
  capture::append_jsonl_frame(line, f);
  LEVDYN_FUZZ_CHECK(!line.empty() && line.back() == '\n');
  line.pop_back();
  LEVDYN_FUZZ_CHECK(line.find('\n') == std::string::npos);  // one frame, one line
  LEVDYN_FUZZ_CHECK(fuzz::is_valid_json(line));
  capture::JsonlFrame back;
  std::string error;
  const auto r = capture::parse_jsonl_line(line, false, core::Venue::kBinance, back, error);
  LEVDYN_FUZZ_CHECK(r == capture::JsonlResult::kFrame);
  LEVDYN_FUZZ_CHECK(back.venue == f.venue);
  LEVDYN_FUZZ_CHECK(back.ts_ns == f.ts_ns);
  LEVDYN_FUZZ_CHECK(back.channel == f.channel);
  LEVDYN_FUZZ_CHECK(back.connection == f.connection);
  // Bytes that are not UTF-8 cannot travel in a JSON string; they are replaced, so only
  // frames that are valid UTF-8 come back byte for byte.
  if (simdjson::validate_utf8(f.frame.data(), f.frame.size())) {
    LEVDYN_FUZZ_CHECK(back.frame == f.frame);
  }
}

/// A spec frame that reads as a spec is written back to a payload that reads the same.
void spec_round_trip(const capture::JsonlFrame& f) {
  core::InstrumentSpec spec, back;
  std::string error;
  if (!capture::parse_spec_payload(f.frame, f.venue, spec, error)) {
    LEVDYN_FUZZ_CHECK(!error.empty());
    return;
  }
  LEVDYN_FUZZ_CHECK(!spec.symbol.empty() && !spec.asset.empty());
  LEVDYN_FUZZ_CHECK(!(spec.contract_value <= 0));  // positive, or NaN (unknown)
  const std::string payload = capture::spec_payload(spec);
  LEVDYN_FUZZ_CHECK(capture::parse_spec_payload(payload, f.venue, back, error));
  LEVDYN_FUZZ_CHECK(back.venue == spec.venue && back.kind == spec.kind);
  // Strings that are not UTF-8 are replaced when written, as for frames.
  if (simdjson::validate_utf8(spec.symbol.data(), spec.symbol.size()) &&
      simdjson::validate_utf8(spec.asset.data(), spec.asset.size())) {
    LEVDYN_FUZZ_CHECK(back.symbol == spec.symbol && back.asset == spec.asset);
  }
  LEVDYN_FUZZ_CHECK(
      back.contract_value == spec.contract_value ||
      (back.contract_value != back.contract_value && spec.contract_value != spec.contract_value));
}

/// The line read again with a space after its first '{' (simdjson's reading of it).
void same_as_simdjson(std::string_view line, bool has_default, core::Venue default_venue,
                      capture::JsonlResult r, const capture::JsonlFrame& f) {
  const auto brace = line.find('{');
  if (brace == std::string_view::npos) return;
  std::string spaced(line);
  spaced.insert(brace + 1, " ");
  capture::JsonlFrame g;
  std::string error;
  const auto r2 = capture::parse_jsonl_line(spaced, has_default, default_venue, g, error);
  LEVDYN_FUZZ_CHECK((r == capture::JsonlResult::kFrame) == (r2 == capture::JsonlResult::kFrame));
  if (r != capture::JsonlResult::kFrame) return;
  LEVDYN_FUZZ_CHECK(g.ts_ns == f.ts_ns && g.venue == f.venue && g.channel == f.channel);
  LEVDYN_FUZZ_CHECK(g.up == f.up && g.connection == f.connection);
  LEVDYN_FUZZ_CHECK(g.frame == f.frame);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool has_default = (data[0] & 0x80) != 0;
  const auto default_venue = static_cast<core::Venue>((data[0] & 0x7f) % core::kVenueCount);
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  while (true) {
    const auto nl = rest.find('\n');
    capture::JsonlFrame f;
    std::string error;
    const auto r = capture::parse_jsonl_line(rest.substr(0, nl), has_default, default_venue, f,
                                             error);
    same_as_simdjson(rest.substr(0, nl), has_default, default_venue, r, f);
    switch (r) {
      case capture::JsonlResult::kFrame:
      case capture::JsonlResult::kBare:
        if (r == capture::JsonlResult::kBare) LEVDYN_FUZZ_CHECK(has_default);
        round_trip(f);
        if (f.channel == capture::FrameChannel::kSpec) spec_round_trip(f);
        break;
      case capture::JsonlResult::kError:
        LEVDYN_FUZZ_CHECK(!error.empty());
        break;
      case capture::JsonlResult::kBlank:
        break;
    }
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return 0;
}
