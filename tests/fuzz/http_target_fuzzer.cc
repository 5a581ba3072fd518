// Fuzz target of the HTTP request-target handling: path splitting, percent-decoding, query
// parsing and routing (http::route_request), against a published state with instruments of
// every venue and a few liquidations.
//
// The input is "METHOD TARGET" (split at the first space; without one, the method is GET).
// Every answer must be one of the documented statuses, name a route, and a JSON body must be
// valid JSON (UTF-8 included: names from the request are echoed in error messages).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/instrument_table.h"
#include "core/published_state.h"
#include "service/feed/feed_stats.h"
#include "service/http/prom_exposition.h"
#include "service/http/router.h"
#include "service/venues/metadata.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using namespace levdyn;

constexpr std::int64_t kNow = 1'700'000'000'000'000'000;

struct World {
  core::InstrumentTable table;
  std::int64_t windows[2] = {60'000'000'000, 300'000'000'000};
  std::unique_ptr<core::PublishedState> state;
  feed::FeedStats feeds;
  std::unique_ptr<http::Exposition> exposition;
  http::ApiContext ctx;

  World() {
    for (int v = 0; v < core::kVenueCount; ++v) {
      for (const auto& spec : venues::bundled_instruments(static_cast<core::Venue>(v))) {
        table.add(spec);
      }
    }
    state = std::make_unique<core::PublishedState>(table, 2, windows);
    for (std::size_t i = 0; i < table.size() && i < 8; ++i) {
      core::NormalizedEvent e{};
      e.exchange_ts_ns = kNow - static_cast<std::int64_t>(i) * 1'000'000'000;
      e.recv_wall_ns = e.exchange_ts_ns;
      e.instrument = static_cast<core::InstrumentId>(i);
      e.venue = table.get(e.instrument).venue;
      e.type = core::EventType::kLiquidation;
      e.liq = core::Liquidation{100.0 + static_cast<double>(i), 0.5, 50.0, core::Position::kLong,
                                core::Side::kSell, core::Completeness::kFull};
      state->publish_liquidation(e);
    }
    state->end_round(kNow);
    feeds.of(core::Venue::kBinance).enabled = true;
    http::ExpositionSources src;
    src.state = state.get();
    src.feeds = &feeds;
    exposition = std::make_unique<http::Exposition>(std::move(src));
    ctx.state = state.get();
    ctx.feeds = &feeds;
    ctx.exposition = exposition.get();
    ctx.ready = [](std::string&) { return true; };
    ctx.wall_now_ns = [] { return kNow; };
    ctx.steady_now_ns = [] { return std::int64_t{42'000'000'000}; };
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World* world = new World();  // lives for the process (no teardown order issues)
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view method = "GET", target = input;
  if (const auto sp = input.find(' '); sp != std::string_view::npos) {
    method = input.substr(0, sp);
    target = input.substr(sp + 1);
  }

  const http::ApiResponse r = http::route_request(method, target, world->ctx);
  LEVDYN_FUZZ_CHECK(r.status == 200 || r.status == 400 || r.status == 404 || r.status == 405 ||
                    r.status == 503 || (r.status == 426 && r.route == "/v1/stream"));
  LEVDYN_FUZZ_CHECK(!r.route.empty());
  if (r.content_type == "application/json") LEVDYN_FUZZ_CHECK(fuzz::is_valid_json(r.body));
  if (r.status == 405) LEVDYN_FUZZ_CHECK(method != "GET" && method != "HEAD");

  std::string decoded;
  if (http::percent_decode(target, decoded)) LEVDYN_FUZZ_CHECK(decoded.size() <= target.size());
  return 0;
}
