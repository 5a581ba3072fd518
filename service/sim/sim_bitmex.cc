// Simulated BitMEX: the realtime table protocol on /realtime (venues.md §5).
//
// Sessions get the welcome on their first tick, a success ack plus a filtered `partial` per
// subscribed "table:SYMBOL", then instrument updates every tick (100 ms: openInterest,
// openValue, markPrice, fundingRate), trade inserts, and liquidation orders as a lifecycle:
// insert (no fill) -> next tick an update lowering leavesQty by half (one inferred fill) ->
// the tick after, a delete (the remainder: one more inferred fill). A one-contract order skips
// the update. `liquidations_sent` counts one per frame that the codec turns into a fill, i.e.
// per lowering update and per delete of an order with leavesQty > 0.
//
// Heartbeat: BitMEX puts the burden on the client (text `ping` after 5 s of silence); the
// server answers `pong` and has no rule of its own to drop clients that stay silent while it
// streams, so this simulator answers pings and never closes for heartbeats.
//
// Symbols: XBTUSD (inverse, 1 USD per contract) for BTC and ETHUSD (quanto, 100 XBt per USD
// point) for ETH. BitMEX's share of each asset's open interest: 10 %.

#include <cmath>
#include <cstdio>
#include <ctime>
#include <deque>
#include <map>
#include <set>

#include "service/sim/venue_protocol.h"

namespace levdyn::sim {
namespace {

constexpr int kVenueIndex = static_cast<int>(core::Venue::kBitmex);
constexpr double kOiShare = 0.10;
constexpr double kQuantoMultiplier = 100.0;  // XBt per USD point (ETHUSD)

bool ours(const MarketEvent& e) { return e.venue_pick % core::kVenueCount == kVenueIndex; }

std::string symbol_of(const std::string& asset) {
  if (asset == "BTC") return "XBTUSD";
  if (asset == "ETH") return "ETHUSD";
  return {};
}

std::string iso(std::int64_t ns) {
  const std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>((ns / 1'000'000) % 1000));
  return buf;
}

double btc_price(const MarketModel& m) {
  for (const auto& a : m.assets()) {
    if (a.asset == "BTC") return a.price;
  }
  return 60'000.0;
}

/// Contracts for a base quantity of an asset.
double contracts_of(const std::string& sym, double base, double price, double btc) {
  double c = 0.0;
  if (sym == "XBTUSD") {
    c = std::round(base * price);
  } else {
    c = std::round(base / (kQuantoMultiplier * 1e-8 * btc));
  }
  return c < 1.0 ? 1.0 : c;
}

/// USD value of contracts (the codec's rule, so both sides agree).
double usd_of(const std::string& sym, double contracts, double price, double btc) {
  if (sym == "XBTUSD") return contracts;
  return contracts * kQuantoMultiplier * price * 1e-8 * btc;
}

std::string instrument_row(const std::string& sym, const AssetState& a, double btc,
                           std::int64_t now_ns, bool full) {
  const double oi = contracts_of(sym, a.oi_base * kOiShare, a.price, btc);
  const double open_value = sym == "XBTUSD" ? std::round(oi / a.price * 1e8)
                                            : std::round(oi * kQuantoMultiplier * a.price);
  std::string r = "{\"symbol\":\"" + sym + "\"";
  if (full) {
    const bool inverse = sym == "XBTUSD";
    r += ",\"rootSymbol\":\"" + std::string(inverse ? "XBT" : "ETH") +
         "\",\"state\":\"Open\",\"typ\":\"FFWCSX\",\"positionCurrency\":\"USD\",\"underlying\":\"" +
         (inverse ? "XBT" : "ETH") +
         "\",\"quoteCurrency\":\"USD\",\"lotSize\":1,\"tickSize\":" + (inverse ? "0.5" : "0.05") +
         ",\"multiplier\":" + (inverse ? "-100000000" : "100") +
         ",\"settlCurrency\":\"XBt\",\"underlyingToPositionMultiplier\":null,"
         "\"underlyingToSettleMultiplier\":" +
         (inverse ? "100000000" : "null") + ",\"quoteToSettleMultiplier\":" +
         (inverse ? "null" : "null") + ",\"isQuanto\":" + (inverse ? "false" : "true") +
         ",\"isInverse\":" + (inverse ? "true" : "false") +
         ",\"fundingInterval\":\"2000-01-01T08:00:00.000Z\",\"indicativeSettlePrice\":" +
         fmt_num(a.price * 0.9998, 2);
  }
  r += ",\"openInterest\":" + fmt_num(oi, 0) + ",\"openValue\":" + fmt_num(open_value, 0) +
       ",\"fundingRate\":" + fmt_num(a.funding_8h, 6) + ",\"fairPrice\":" + fmt_num(a.price, 2) +
       ",\"markPrice\":" + fmt_num(a.price, 2) + ",\"timestamp\":\"" + iso(now_ns) + "\"}";
  return r;
}

class BitmexSession : public ProtocolSession {
 public:
  explicit BitmexSession(VenueCounters& counters) : counters_(counters) {}

  void on_text(std::string_view text, std::int64_t now_ns, Outbox& out) override {
    if (text == "ping") {
      out.text.emplace_back("pong");
      return;
    }
    if (text.find("\"op\"") == std::string_view::npos ||
        text.find("\"subscribe\"") == std::string_view::npos) {
      out.text.emplace_back(R"({"status":400,"error":"Unknown or invalid op","meta":{}})");
      return;
    }
    const auto args_at = text.find("\"args\"");
    if (args_at == std::string_view::npos) {
      out.text.emplace_back(R"({"status":400,"error":"Missing args","meta":{}})");
      return;
    }
    std::string_view rest = text.substr(args_at + 6);
    const auto close = rest.find(']');
    rest = rest.substr(0, close);
    pending_subs_.clear();
    while (true) {
      const auto q1 = rest.find('"');
      if (q1 == std::string_view::npos) break;
      const auto q2 = rest.find('"', q1 + 1);
      if (q2 == std::string_view::npos) break;
      pending_subs_.emplace_back(rest.substr(q1 + 1, q2 - q1 - 1));
      rest.remove_prefix(q2 + 1);
    }
    request_ = std::string(text);
    (void)now_ns;
    answered_ = false;
  }

  void on_tick(const std::vector<MarketEvent>& events, const MarketModel& market,
               std::int64_t now_ns, Outbox& out) override {
    if (!welcomed_) {
      welcomed_ = true;
      out.text.push_back(
          "{\"info\":\"Welcome to the BitMEX Realtime API.\",\"version\":\"2.0.0\",\"timestamp\":\"" +
          iso(now_ns) +
          "\",\"docs\":\"https://www.bitmex.com/app/wsAPI\",\"heartbeatEnabled\":false,"
          "\"limit\":{\"remaining\":719}}");
    }
    const double btc = btc_price(market);
    if (!answered_) {
      answered_ = true;
      answer_subscriptions(market, btc, now_ns, out);
    }

    // Liquidation lifecycle steps decided on earlier ticks.
    std::vector<Order> still;
    for (Order& o : orders_) {
      if (o.stage == 0 && o.leaves >= 2.0) {
        const double fill = std::floor(o.leaves / 2.0);
        o.leaves -= fill;
        out.text.push_back("{\"table\":\"liquidation\",\"action\":\"update\",\"data\":[{\"orderID\":\"" +
                           o.id + "\",\"symbol\":\"" + o.sym + "\",\"leavesQty\":" +
                           fmt_num(o.leaves, 0) + "}]}");
        ++counters_.liquidations_sent;
        o.stage = 1;
        still.push_back(o);
      } else {
        out.text.push_back("{\"table\":\"liquidation\",\"action\":\"delete\",\"data\":[{\"orderID\":\"" +
                           o.id + "\",\"symbol\":\"" + o.sym + "\"}]}");
        ++counters_.liquidations_sent;  // the remainder (leaves > 0 always here)
      }
    }
    orders_ = std::move(still);

    for (const auto& e : events) {
      if (!ours(e)) continue;
      const AssetState& a = market.assets()[static_cast<std::size_t>(e.asset)];
      const std::string sym = symbol_of(a.asset);
      if (sym.empty()) continue;
      const double contracts = contracts_of(sym, e.base_qty, e.price, btc);
      const char* side = e.side == core::Side::kSell ? "Sell" : "Buy";
      if (e.kind == MarketEvent::Kind::kTrade) {
        if (!subs_.count("trade:" + sym)) continue;
        const double usd = usd_of(sym, contracts, e.price, btc);
        char id[40];
        std::snprintf(id, sizeof id, "00000000-0000-0000-0000-%012llx",
                      static_cast<unsigned long long>(e.id));
        out.text.push_back("{\"table\":\"trade\",\"action\":\"insert\",\"data\":[{\"timestamp\":\"" +
                           iso(e.t_ns) + "\",\"symbol\":\"" + sym + "\",\"side\":\"" + side +
                           "\",\"size\":" + fmt_num(contracts, 0) + ",\"price\":" +
                           fmt_num(e.price, 2) + ",\"tickDirection\":\"PlusTick\",\"trdMatchID\":\"" +
                           id + "\",\"grossValue\":0,\"homeNotional\":" + fmt_num(usd / e.price, 8) +
                           ",\"foreignNotional\":" + fmt_num(usd, 4) + "}]}");
      } else {
        if (!subs_.count("liquidation:" + sym)) continue;
        char id[40];
        std::snprintf(id, sizeof id, "%08llx-5eed-4000-8000-%012llx",
                      static_cast<unsigned long long>(e.id & 0xffffffffULL),
                      static_cast<unsigned long long>(e.id));
        Order o{id, sym, contracts, 0};
        const double px = e.price * (e.side == core::Side::kSell ? 0.999 : 1.001);
        out.text.push_back("{\"table\":\"liquidation\",\"action\":\"insert\",\"data\":[{\"orderID\":\"" +
                           o.id + "\",\"symbol\":\"" + sym + "\",\"side\":\"" + side +
                           "\",\"price\":" + fmt_num(std::round(px * 2.0) / 2.0, 1) +
                           ",\"leavesQty\":" + fmt_num(contracts, 0) + "}]}");
        orders_.push_back(o);
      }
    }

    for (const auto& a : market.assets()) {
      const std::string sym = symbol_of(a.asset);
      if (sym.empty() || !subs_.count("instrument:" + sym)) continue;
      out.text.push_back("{\"table\":\"instrument\",\"action\":\"update\",\"data\":[" +
                         instrument_row(sym, a, btc, now_ns, false) + "]}");
    }
  }

 private:
  struct Order {
    std::string id;
    std::string sym;
    double leaves;
    int stage;
  };

  void answer_subscriptions(const MarketModel& market, double btc, std::int64_t now_ns,
                            Outbox& out) {
    for (const std::string& sub : pending_subs_) {
      const auto colon = sub.find(':');
      const std::string table = sub.substr(0, colon);
      const std::string sym = colon == std::string::npos ? "" : sub.substr(colon + 1);
      const AssetState* asset = nullptr;
      for (const auto& a : market.assets()) {
        if (symbol_of(a.asset) == sym) asset = &a;
      }
      if (asset == nullptr || (table != "instrument" && table != "trade" && table != "liquidation")) {
        out.text.push_back("{\"status\":400,\"error\":\"Unknown table or symbol: " + sub +
                           "\",\"meta\":{},\"request\":" + request_ + "}");
        continue;
      }
      if (!subs_.insert(sub).second) continue;  // already subscribed
      out.text.push_back("{\"success\":true,\"subscribe\":\"" + sub + "\",\"request\":" +
                         request_ + "}");
      std::string partial = "{\"table\":\"" + table + "\",\"action\":\"partial\",\"keys\":";
      if (table == "instrument") {
        partial += "[\"symbol\"],\"types\":{},\"filter\":{\"symbol\":\"" + sym + "\"},\"data\":[" +
                   instrument_row(sym, *asset, btc, now_ns, true) + "]}";
      } else if (table == "trade") {
        partial += "[],\"types\":{},\"filter\":{\"symbol\":\"" + sym + "\"},\"data\":[]}";
      } else {
        partial += "[\"orderID\"],\"types\":{\"orderID\":\"guid\",\"symbol\":\"symbol\","
                   "\"side\":\"symbol\",\"price\":\"float\",\"leavesQty\":\"long\"},"
                   "\"filter\":{\"symbol\":\"" +
                   sym + "\"},\"data\":[]}";
      }
      out.text.push_back(std::move(partial));
    }
    pending_subs_.clear();
  }

  VenueCounters& counters_;
  bool welcomed_ = false;
  bool answered_ = true;
  std::vector<std::string> pending_subs_;
  std::string request_;
  std::set<std::string> subs_;
  std::vector<Order> orders_;
};

class BitmexProtocol : public VenueProtocol {
 public:
  core::Venue venue() const noexcept override { return core::Venue::kBitmex; }
  std::string ws_base() const override { return "/realtime"; }

  std::unique_ptr<ProtocolSession> open(std::string_view target, std::int64_t,
                                        std::string& error) override {
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != "/realtime") {
      error = "unknown path";
      return nullptr;
    }
    ++counters_.connections;
    return std::make_unique<BitmexSession>(counters_);
  }

  RestReply rest(std::string_view target, const MarketModel& market, std::int64_t now_ns) override {
    RestReply r;
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == "/api/v1/instrument/active") {
      const double btc = btc_price(market);
      r.status = 200;
      r.body = "[";
      bool first = true;
      for (const auto& a : market.assets()) {
        const std::string sym = symbol_of(a.asset);
        if (sym.empty()) continue;
        if (!first) r.body += ',';
        first = false;
        r.body += instrument_row(sym, a, btc, now_ns, true);
      }
      r.body += "]";
      return r;
    }
    r.body = R"({"error":{"message":"Not Found","name":"HTTPError"}})";
    return r;
  }
};

}  // namespace

std::unique_ptr<VenueProtocol> make_bitmex_protocol() { return std::make_unique<BitmexProtocol>(); }

}  // namespace levdyn::sim
