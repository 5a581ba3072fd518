// Simulated Bybit v5 public linear + inverse: the real wire format (venues.md §2). Tickers as a
// snapshot then field-level deltas every 100 ms, publicTrade batches, allLiquidation batches
// every 500 ms (S = position side), op ping/pong and subscribe acks, a ping-timeout rule, and
// GET /v5/market/instruments-info.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "service/sim/venue_protocol.h"

namespace levdyn::sim {
namespace {

constexpr int kVenueIndex = static_cast<int>(core::Venue::kBybit);
// Bybit's share of each asset's open interest: 20% on the linear (USDT) perpetual and 5% on
// the inverse (USD) perpetual.
constexpr double kLinearOiShare = 0.20;
constexpr double kInverseOiShare = 0.05;
// The real server cuts a connection after 10 minutes without ping-pong or data; the sim
// always sends data, so it enforces a stricter rule the client's 20 s ping must meet: a
// connection that has not pinged for 30 s is closed.
constexpr std::int64_t kPingTimeoutNs = 30'000'000'000;
constexpr std::int64_t kLiquidationBatchMs = 500;
constexpr std::int64_t kFundingPeriodMs = 8LL * 3600 * 1000;

enum class Category { kLinear, kInverse };

std::string symbol_of(const std::string& asset, Category c) {
  return asset + (c == Category::kLinear ? "USDT" : "USD");
}

bool ours(const MarketEvent& e) { return e.venue_pick % core::kVenueCount == kVenueIndex; }

/// One in four of Bybit's events happens on the inverse contract.
Category category_of(const MarketEvent& e) {
  return (e.venue_pick / core::kVenueCount) % 4 == 0 ? Category::kInverse : Category::kLinear;
}

/// The value of a top-level string field `"key":"value"` (no escapes), or empty.
std::string string_field(std::string_view text, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\"";
  auto p = text.find(needle);
  if (p == std::string_view::npos) return {};
  p = text.find(':', p + needle.size());
  if (p == std::string_view::npos) return {};
  p = text.find('"', p);
  if (p == std::string_view::npos) return {};
  const auto end = text.find('"', p + 1);
  if (end == std::string_view::npos) return {};
  return std::string(text.substr(p + 1, end - p - 1));
}

/// The strings of the `"args":[...]` array.
std::vector<std::string> args_of(std::string_view text) {
  std::vector<std::string> args;
  auto p = text.find("\"args\"");
  if (p == std::string_view::npos) return args;
  p = text.find('[', p);
  const auto end = text.find(']', p);
  if (p == std::string_view::npos || end == std::string_view::npos) return args;
  std::string_view body = text.substr(p + 1, end - p - 1);
  while (true) {
    const auto a = body.find('"');
    if (a == std::string_view::npos) break;
    const auto b = body.find('"', a + 1);
    if (b == std::string_view::npos) break;
    args.emplace_back(body.substr(a + 1, b - a - 1));
    body.remove_prefix(b + 1);
  }
  return args;
}

class BybitSession : public ProtocolSession {
 public:
  BybitSession(Category category, std::int64_t now_ns, std::uint64_t conn, VenueCounters& counters)
      : category_(category), last_ping_ns_(now_ns), counters_(counters) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "sim-%08llx-bybit", static_cast<unsigned long long>(conn));
    conn_id_ = buf;
  }

  void on_text(std::string_view text, std::int64_t now_ns, Outbox& out) override {
    const std::string op = string_field(text, "op");
    const std::string req_id = string_field(text, "req_id");
    if (op == "ping") {
      last_ping_ns_ = now_ns;
      out.text.push_back(R"({"success":true,"ret_msg":"pong","conn_id":")" + conn_id_ +
                         R"(","req_id":")" + req_id + R"(","op":"ping"})");
      return;
    }
    if (op == "subscribe") {
      const std::vector<std::string> args = args_of(text);
      std::string bad;
      for (const std::string& a : args) {
        if (!valid_topic(a)) {
          bad = a;
          break;
        }
      }
      if (args.empty() || !bad.empty()) {
        out.text.push_back(R"({"success":false,"ret_msg":"error:handler not found,topic:)" + bad +
                           R"(","conn_id":")" + conn_id_ + R"(","req_id":")" + req_id +
                           R"(","op":"subscribe"})");
        return;
      }
      for (const std::string& a : args) topics_.insert(a);
      out.text.push_back(R"({"success":true,"ret_msg":"","conn_id":")" + conn_id_ +
                         R"(","req_id":")" + req_id + R"(","op":"subscribe"})");
      return;
    }
    if (op == "unsubscribe") {
      for (const std::string& a : args_of(text)) topics_.erase(a);
      out.text.push_back(R"({"success":true,"ret_msg":"","conn_id":")" + conn_id_ +
                         R"(","req_id":")" + req_id + R"(","op":"unsubscribe"})");
      return;
    }
    out.text.push_back(R"({"success":false,"ret_msg":"error:request not supported","conn_id":")" +
                       conn_id_ + R"(","op":")" + op + R"("})");
  }

  void on_tick(const std::vector<MarketEvent>& events, const MarketModel& market,
               std::int64_t now_ns, Outbox& out) override {
    if (now_ns - last_ping_ns_ > kPingTimeoutNs) {
      out.close = true;
      out.close_code = 1000;
      out.close_reason = "ping timeout";
      return;
    }
    const std::int64_t now_ms = now_ns / 1'000'000;
    std::map<std::string, std::string> trades;  // symbol -> rendered entries
    for (const auto& e : events) {
      if (!ours(e) || category_of(e) != category_) continue;
      const std::string sym =
          symbol_of(market.assets()[static_cast<std::size_t>(e.asset)].asset, category_);
      if (e.kind == MarketEvent::Kind::kTrade) {
        if (!topics_.count("publicTrade." + sym)) continue;
        std::string& batch = trades[sym];
        if (!batch.empty()) batch += ',';
        batch += "{\"T\":" + std::to_string(e.t_ns / 1'000'000) + ",\"s\":\"" + sym +
                 "\",\"S\":\"" + (e.side == core::Side::kBuy ? "Buy" : "Sell") + "\",\"v\":\"" +
                 size_of(e) + "\",\"p\":\"" + fmt_num(e.price, 2) +
                 "\",\"L\":\"PlusTick\",\"i\":\"sim-" + std::to_string(e.id) +
                 "\",\"BT\":false}";
      } else if (topics_.count("allLiquidation." + sym)) {
        pending_[sym].push_back(e);
      }
    }
    for (const auto& [sym, batch] : trades) {
      out.text.push_back("{\"topic\":\"publicTrade." + sym + "\",\"type\":\"snapshot\",\"ts\":" +
                         std::to_string(now_ms) + ",\"data\":[" + batch + "]}");
    }
    if (now_ms / kLiquidationBatchMs != last_batch_) {
      last_batch_ = now_ms / kLiquidationBatchMs;
      for (const auto& [sym, list] : pending_) {
        if (list.empty()) continue;
        std::string data;
        for (const MarketEvent& e : list) {
          if (!data.empty()) data += ',';
          // The model's side is the forced ORDER side; Bybit's S is the POSITION side. The
          // price is the bankruptcy price: below the mark for a long, above for a short.
          const bool long_liquidated = e.side == core::Side::kSell;
          data += "{\"T\":" + std::to_string(e.t_ns / 1'000'000) + ",\"s\":\"" + sym +
                  "\",\"S\":\"" + (long_liquidated ? "Buy" : "Sell") + "\",\"v\":\"" + size_of(e) +
                  "\",\"p\":\"" + fmt_num(e.price * (long_liquidated ? 0.99 : 1.01), 2) + "\"}";
        }
        out.text.push_back("{\"topic\":\"allLiquidation." + sym +
                           "\",\"type\":\"snapshot\",\"ts\":" + std::to_string(now_ms) +
                           ",\"data\":[" + data + "]}");
        counters_.liquidations_sent += list.size();
      }
      pending_.clear();
    }
    for (const auto& a : market.assets()) {
      const std::string sym = symbol_of(a.asset, category_);
      if (!topics_.count("tickers." + sym)) continue;
      render_ticker(sym, a, now_ms, out);
    }
  }

 private:
  [[nodiscard]] bool valid_topic(const std::string& arg) const {
    const auto dot = arg.find('.');
    if (dot == std::string::npos) return false;
    const std::string kind = arg.substr(0, dot);
    const std::string sym = arg.substr(dot + 1);
    if (kind != "tickers" && kind != "publicTrade" && kind != "allLiquidation" &&
        kind != "liquidation") {
      return false;
    }
    const bool usd = sym.size() > 3 && sym.compare(sym.size() - 3, 3, "USD") == 0;
    return category_ == Category::kInverse ? usd : !usd && sym.size() > 4;
  }

  /// Linear: base coin (3 decimals, at least 0.001). Inverse: whole USD contracts (at least 1).
  [[nodiscard]] std::string size_of(const MarketEvent& e) const {
    if (category_ == Category::kInverse) {
      return fmt_num(std::max(1.0, std::round(e.base_qty * e.price)), 0);
    }
    return fmt_num(std::max(0.001, e.base_qty), 3);
  }

  void render_ticker(const std::string& sym, const AssetState& a, std::int64_t now_ms,
                     Outbox& out) {
    std::vector<std::pair<std::string, std::string>> fields;
    const double price = a.price;
    if (category_ == Category::kLinear) {
      const double oi = a.oi_base * kLinearOiShare;
      fields = {{"lastPrice", fmt_num(price, 2)},
                {"markPrice", fmt_num(price, 2)},
                {"indexPrice", fmt_num(price * 0.9998, 2)},
                {"openInterest", fmt_num(oi, 3)},
                {"openInterestValue", fmt_num(std::round(oi * 1000.0) / 1000.0 * price, 2)}};
    } else {
      const double coins = a.oi_base * kInverseOiShare;
      fields = {{"lastPrice", fmt_num(price, 2)},
                {"markPrice", fmt_num(price, 2)},
                {"indexPrice", fmt_num(price * 0.9998, 2)},
                {"openInterest", fmt_num(std::round(coins * price), 0)},
                {"openInterestValue", fmt_num(coins, 2)}};
    }
    const std::int64_t next_funding = (now_ms / kFundingPeriodMs + 1) * kFundingPeriodMs;
    fields.emplace_back("nextFundingTime", std::to_string(next_funding));
    fields.emplace_back("fundingRate", fmt_num(a.funding_8h, 6));
    fields.emplace_back("fundingIntervalHour", "8");

    std::map<std::string, std::string>& last = sent_[sym];
    const bool snapshot = last.empty();
    std::string data = "{\"symbol\":\"" + sym + "\"";
    bool any = false;
    for (const auto& [k, v] : fields) {
      if (!snapshot) {
        auto it = last.find(k);
        if (it != last.end() && it->second == v) continue;  // unchanged: absent in the delta
      }
      data += ",\"" + k + "\":\"" + v + "\"";
      last[k] = v;
      any = true;
    }
    if (!any) return;
    data += '}';
    out.text.push_back("{\"topic\":\"tickers." + sym + "\",\"type\":\"" +
                       (snapshot ? "snapshot" : "delta") + "\",\"data\":" + data +
                       ",\"cs\":" + std::to_string(++cs_) + ",\"ts\":" + std::to_string(now_ms) +
                       "}");
  }

  Category category_;
  std::int64_t last_ping_ns_;
  VenueCounters& counters_;
  std::string conn_id_;
  std::set<std::string> topics_;
  std::map<std::string, std::vector<MarketEvent>> pending_;       // liquidations per symbol
  std::map<std::string, std::map<std::string, std::string>> sent_;  // ticker fields sent
  std::int64_t last_batch_ = -1;
  std::uint64_t cs_ = 0;
};

class BybitProtocol : public VenueProtocol {
 public:
  core::Venue venue() const noexcept override { return core::Venue::kBybit; }
  std::string ws_base() const override { return "/v5/public"; }

  std::unique_ptr<ProtocolSession> open(std::string_view target, std::int64_t now_ns,
                                        std::string& error) override {
    const std::string_view path = target.substr(0, target.find('?'));
    Category category;
    if (path == "/v5/public/linear") {
      category = Category::kLinear;
    } else if (path == "/v5/public/inverse") {
      category = Category::kInverse;
    } else {
      error = "unknown path";
      return nullptr;
    }
    ++counters_.connections;
    return std::make_unique<BybitSession>(category, now_ns, counters_.connections, counters_);
  }

  RestReply rest(std::string_view target, const MarketModel&, std::int64_t now_ns) override {
    RestReply r;
    const std::string_view path = target.substr(0, target.find('?'));
    const std::int64_t now_ms = now_ns / 1'000'000;
    if (path != "/v5/market/instruments-info") return r;
    const std::string category = query_param(target, "category");
    r.status = 200;  // Bybit answers parameter errors with HTTP 200 and a retCode
    if (category != "linear" && category != "inverse") {
      r.body = R"({"retCode":10001,"retMsg":"params error: Category is invalid","result":{},)"
               R"("retExtInfo":{},"time":)" +
               std::to_string(now_ms) + "}";
      return r;
    }
    const bool linear = category == "linear";
    r.body = R"({"retCode":0,"retMsg":"OK","result":{"category":")" + category +
             R"(","list":[)";
    bool first = true;
    for (const char* asset : {"BTC", "ETH", "SOL"}) {
      if (!first) r.body += ',';
      first = false;
      const std::string a = asset;
      const std::string quote = linear ? "USDT" : "USD";
      r.body += "{\"symbol\":\"" + a + quote + "\",\"contractType\":\"" +
                (linear ? "LinearPerpetual" : "InversePerpetual") +
                "\",\"status\":\"Trading\",\"baseCoin\":\"" + a + "\",\"quoteCoin\":\"" + quote +
                "\",\"settleCoin\":\"" + (linear ? "USDT" : a) +
                "\",\"fundingInterval\":480,\"lotSizeFilter\":{\"qtyStep\":\"" +
                (linear ? "0.001" : "1") + "\"}}";
    }
    r.body += R"(],"nextPageCursor":""},"retExtInfo":{},"time":)" + std::to_string(now_ms) + "}";
    return r;
  }
};

}  // namespace

std::unique_ptr<VenueProtocol> make_bybit_protocol() { return std::make_unique<BybitProtocol>(); }

}  // namespace levdyn::sim
