// Simulated Binance USD-M: the real combined-stream wire format (venues.md §1).

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "service/sim/venue_protocol.h"

namespace levdyn::sim {

std::string fmt_num(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string query_param(std::string_view target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view kv = rest.substr(0, amp);
    const auto eq = kv.find('=');
    if (kv.substr(0, eq) == key) return eq == std::string_view::npos ? "" : std::string(kv.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return {};
}

namespace {

constexpr int kVenueIndex = static_cast<int>(core::Venue::kBinance);
constexpr double kOiShare = 0.30;  // Binance's share of each asset's open interest

std::string symbol_of(const std::string& asset) { return asset + "USDT"; }

bool ours(const MarketEvent& e) { return e.venue_pick % core::kVenueCount == kVenueIndex; }

class BinanceSession : public ProtocolSession {
 public:
  BinanceSession(std::set<std::string> streams, VenueCounters& counters)
      : streams_(std::move(streams)), counters_(counters) {}

  void on_text(std::string_view text, std::int64_t, Outbox& out) override {
    // SUBSCRIBE/UNSUBSCRIBE over the socket are acknowledged; streams are in the URL here.
    if (text.find("\"method\"") != std::string_view::npos) {
      std::string id = "1";
      if (const auto p = text.find("\"id\":"); p != std::string_view::npos) {
        const auto end = text.find_first_of(",}", p + 5);
        id = std::string(text.substr(p + 5, end - p - 5));
      }
      out.text.push_back("{\"result\":null,\"id\":" + id + "}");
    }
  }

  void on_tick(const std::vector<MarketEvent>& events, const MarketModel& market,
               std::int64_t now_ns, Outbox& out) override {
    const std::int64_t now_ms = now_ns / 1'000'000;
    const bool all_liq = streams_.count("!forceOrder@arr") > 0;
    for (const auto& e : events) {
      if (!ours(e)) continue;
      const std::string& asset = market.assets()[static_cast<std::size_t>(e.asset)].asset;
      const std::string sym = symbol_of(asset);
      std::string lower = sym;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (e.kind == MarketEvent::Kind::kTrade) {
        if (!streams_.count(lower + "@aggTrade")) continue;
        const std::int64_t t = e.t_ns / 1'000'000;
        out.text.push_back("{\"stream\":\"" + lower + "@aggTrade\",\"data\":{\"e\":\"aggTrade\",\"E\":" +
                           std::to_string(t + 3) + ",\"a\":" + std::to_string(e.id) + ",\"s\":\"" +
                           sym + "\",\"p\":\"" + fmt_num(e.price, 2) + "\",\"q\":\"" +
                           fmt_num(e.base_qty, 3) + "\",\"f\":" + std::to_string(e.id * 3) +
                           ",\"l\":" + std::to_string(e.id * 3 + 2) + ",\"T\":" +
                           std::to_string(t) + ",\"m\":" +
                           (e.side == core::Side::kSell ? "true" : "false") + "}}");
      } else if (all_liq || streams_.count(lower + "@forceOrder")) {
        // Binance pushes at most the latest liquidation per symbol per second.
        pending_[sym] = Pending{e, all_liq ? "!forceOrder@arr" : lower + "@forceOrder"};
      }
    }
    // Untracked symbols appear on the all-market stream too (they count under "_other").
    if (all_liq && now_ms / 5000 != last_other_) {
      last_other_ = now_ms / 5000;
      MarketEvent e{};
      e.kind = MarketEvent::Kind::kLiquidation;
      e.t_ns = now_ns;
      e.price = 150.0 + static_cast<double>(last_other_ % 7);
      e.base_qty = 12.0 + static_cast<double>(last_other_ % 5);
      e.side = (last_other_ % 3 == 0) ? core::Side::kBuy : core::Side::kSell;
      pending_["SOLUSDT"] = Pending{e, "!forceOrder@arr"};
    }
    if (now_ms / 1000 != last_second_) {
      last_second_ = now_ms / 1000;
      for (auto& [sym, p] : pending_) out.text.push_back(force_order(sym, p));
      counters_.liquidations_sent += pending_.size();
      pending_.clear();
      for (const auto& a : market.assets()) {
        const std::string sym = symbol_of(a.asset);
        std::string lower = sym;
        for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (!streams_.count(lower + "@markPrice@1s")) continue;
        const std::int64_t next_funding = (now_ms / 28'800'000 + 1) * 28'800'000;
        out.text.push_back("{\"stream\":\"" + lower + "@markPrice@1s\",\"data\":{\"e\":\"markPriceUpdate\",\"E\":" +
                           std::to_string(now_ms) + ",\"s\":\"" + sym + "\",\"p\":\"" +
                           fmt_num(a.price, 8) + "\",\"P\":\"" + fmt_num(a.price * 1.0002, 8) +
                           "\",\"i\":\"" + fmt_num(a.price * 0.9998, 8) + "\",\"r\":\"" +
                           fmt_num(a.funding_8h, 8) + "\",\"T\":" + std::to_string(next_funding) +
                           "}}");
      }
    }
  }

 private:
  struct Pending {
    MarketEvent e;
    std::string stream;
  };

  static std::string force_order(const std::string& sym, const Pending& p) {
    const std::int64_t t = p.e.t_ns / 1'000'000;
    const std::string qty = fmt_num(p.e.base_qty, 3);
    return "{\"stream\":\"" + p.stream + "\",\"data\":{\"e\":\"forceOrder\",\"E\":" +
           std::to_string(t + 5) + ",\"o\":{\"s\":\"" + sym + "\",\"S\":\"" +
           (p.e.side == core::Side::kSell ? "SELL" : "BUY") +
           "\",\"o\":\"LIMIT\",\"f\":\"IOC\",\"q\":\"" + qty + "\",\"p\":\"" +
           fmt_num(p.e.price * (p.e.side == core::Side::kSell ? 0.995 : 1.005), 2) +
           "\",\"ap\":\"" + fmt_num(p.e.price, 2) + "\",\"X\":\"FILLED\",\"l\":\"" + qty +
           "\",\"z\":\"" + qty + "\",\"T\":" + std::to_string(t) + "}}}";
  }

  std::set<std::string> streams_;
  VenueCounters& counters_;
  std::map<std::string, Pending> pending_;
  std::int64_t last_second_ = -1;
  std::int64_t last_other_ = -1;
};

class BinanceProtocol : public VenueProtocol {
 public:
  core::Venue venue() const noexcept override { return core::Venue::kBinance; }
  std::string ws_base() const override { return "/market"; }

  std::unique_ptr<ProtocolSession> open(std::string_view target, std::int64_t,
                                        std::string& error) override {
    // /market/stream?streams=a/b/c  (also /stream?streams=… and /ws/<stream>)
    std::set<std::string> streams;
    std::string_view path = target.substr(0, target.find('?'));
    if (path == "/market/stream" || path == "/stream") {
      std::string list = query_param(target, "streams");
      std::string_view rest = list;
      while (!rest.empty()) {
        const auto slash = rest.find('/');
        streams.emplace(rest.substr(0, slash));
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
      }
    } else if (path.rfind("/market/ws/", 0) == 0) {
      streams.emplace(path.substr(11));
    } else {
      error = "unknown path";
      return nullptr;
    }
    if (streams.empty()) {
      error = "no streams";
      return nullptr;
    }
    ++counters_.connections;
    return std::make_unique<BinanceSession>(std::move(streams), counters_);
  }

  RestReply rest(std::string_view target, const MarketModel& market, std::int64_t now_ns) override {
    RestReply r;
    const std::string_view path = target.substr(0, target.find('?'));
    const std::int64_t now_ms = now_ns / 1'000'000;
    if (path == "/fapi/v1/openInterest") {
      const std::string sym = query_param(target, "symbol");
      for (const auto& a : market.assets()) {
        if (symbol_of(a.asset) != sym) continue;
        r.status = 200;
        r.body = "{\"symbol\":\"" + sym + "\",\"openInterest\":\"" +
                 fmt_num(a.oi_base * kOiShare, 3) + "\",\"time\":" + std::to_string(now_ms) + "}";
        return r;
      }
      r.status = 400;
      r.body = R"({"code":-1121,"msg":"Invalid symbol."})";
      return r;
    }
    if (path == "/fapi/v1/exchangeInfo") {
      r.status = 200;
      r.body = "{\"timezone\":\"UTC\",\"serverTime\":" + std::to_string(now_ms) +
               ",\"rateLimits\":[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\","
               "\"intervalNum\":1,\"limit\":2400}],\"symbols\":[";
      bool first = true;
      for (const char* asset : {"BTC", "ETH", "SOL"}) {
        if (!first) r.body += ',';
        first = false;
        r.body += std::string("{\"symbol\":\"") + asset + "USDT\",\"pair\":\"" + asset +
                  "USDT\",\"contractType\":\"PERPETUAL\",\"status\":\"TRADING\",\"baseAsset\":\"" +
                  asset + "\",\"quoteAsset\":\"USDT\",\"marginAsset\":\"USDT\"}";
      }
      r.body += "]}";
      return r;
    }
    return r;
  }
};

}  // namespace

std::unique_ptr<VenueProtocol> make_binance_protocol() { return std::make_unique<BinanceProtocol>(); }

}  // namespace levdyn::sim
