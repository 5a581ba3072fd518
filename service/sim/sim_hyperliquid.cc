// Simulated Hyperliquid perps: the real WebSocket wire format (venues.md §6). One endpoint
// ("/ws"); `{"method":"subscribe","subscription":{"type":"activeAssetCtx"|"trades","coin":…}}`
// acked with `subscriptionResponse`; `{"method":"ping"}` answered with `{"channel":"pong"}`;
// a connection the client has not sent anything on for 60 s is closed. Every trades
// subscription first replays the coin's last 30 trades, like the venue, so clients must
// deduplicate. There is no public liquidation stream, so nothing is ever rendered for the
// model's liquidations (liquidations_sent stays 0).

#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "service/sim/venue_protocol.h"

namespace levdyn::sim {
namespace {

constexpr int kVenueIndex = static_cast<int>(core::Venue::kHyperliquid);
constexpr double kOiShare = 0.10;  // Hyperliquid's share of each asset's open interest
constexpr std::int64_t kSilenceLimitNs = 60'000'000'000;  // the venue's 60 s rule
constexpr std::size_t kReplayTrades = 30;
constexpr std::uint64_t kTidMask = (std::uint64_t{1} << 50) - 1;  // tids are 50-bit hashes

bool ours(const MarketEvent& e) { return e.venue_pick % core::kVenueCount == kVenueIndex; }

/// The string value of `"key"` in a flat JSON text (whitespace after the colon allowed);
/// empty when absent. Enough for the small client frames this venue receives.
std::string string_field(std::string_view text, std::string_view key) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  const auto at = text.find(quoted);
  if (at == std::string_view::npos) return {};
  std::size_t p = at + quoted.size();
  while (p < text.size() && (text[p] == ' ' || text[p] == '\t' || text[p] == '\n')) ++p;
  if (p >= text.size() || text[p] != ':') return {};
  ++p;
  while (p < text.size() && (text[p] == ' ' || text[p] == '\t' || text[p] == '\n')) ++p;
  if (p >= text.size() || text[p] != '"') return {};
  const auto end = text.find('"', p + 1);
  if (end == std::string_view::npos) return {};
  return std::string(text.substr(p + 1, end - p - 1));
}

/// One trade in the venue's `trades` element format. Deterministic in the event, so a replay
/// repeats exactly what the live stream sent.
std::string render_trade(const std::string& coin, const MarketEvent& e) {
  const std::uint64_t tid = (e.id * 0x9E3779B97F4A7C15ull) & kTidMask;
  char hash[67];
  std::snprintf(hash, sizeof hash, "0x%016llx%048d", static_cast<unsigned long long>(tid), 0);
  return "{\"coin\":\"" + coin + "\",\"side\":\"" + (e.side == core::Side::kBuy ? "B" : "A") +
         "\",\"px\":\"" + fmt_num(e.price, 2) + "\",\"sz\":\"" + fmt_num(e.base_qty, 5) +
         "\",\"time\":" + std::to_string(e.t_ns / 1'000'000) + ",\"hash\":\"" + hash +
         "\",\"tid\":" + std::to_string(tid) +
         ",\"users\":[\"0x0000000000000000000000000000000000000001\","
         "\"0x0000000000000000000000000000000000000002\"]}";
}

/// The recent trades per coin, shared by every session (the venue replays them on subscribe).
/// Each remembers whether any session has sent it yet, so trades_sent counts distinct trades:
/// a replay of trades already sent live adds nothing, one of trades no client saw (sent while
/// the client was away) adds those.
struct TradeHistory {
  struct Recent {
    std::uint64_t id;
    std::string text;
    bool sent;
  };
  std::map<std::string, std::deque<Recent>> recent;
  std::int64_t last_tick_ns = -1;

  /// Once per tick (every session gets the same events).
  void record(const std::vector<MarketEvent>& events, const MarketModel& market,
              std::int64_t now_ns) {
    if (now_ns == last_tick_ns) return;
    last_tick_ns = now_ns;
    for (const auto& e : events) {
      if (e.kind != MarketEvent::Kind::kTrade || !ours(e)) continue;
      const std::string& coin = market.assets()[static_cast<std::size_t>(e.asset)].asset;
      auto& q = recent[coin];
      q.push_back(Recent{e.id, render_trade(coin, e), false});
      while (q.size() > kReplayTrades) q.pop_front();
    }
  }

  /// Marks a live trade sent; true when no session had sent it before.
  bool first_send(const std::string& coin, std::uint64_t id) {
    auto& q = recent[coin];
    for (auto& r : q) {
      if (r.id != id) continue;
      const bool first = !r.sent;
      r.sent = true;
      return first;
    }
    return true;  // already out of the replay window: only ever sent live, this once
  }
};

class HyperliquidSession : public ProtocolSession {
 public:
  HyperliquidSession(std::int64_t now_ns, TradeHistory& history, VenueCounters& counters)
      : last_heard_ns_(now_ns), history_(history), counters_(counters) {}

  void on_text(std::string_view text, std::int64_t now_ns, Outbox& out) override {
    last_heard_ns_ = now_ns;  // any client message resets the 60 s rule
    const std::string method = string_field(text, "method");
    if (method == "ping") {
      out.text.emplace_back(R"({"channel":"pong"})");
      return;
    }
    if (method != "subscribe" && method != "unsubscribe") {
      out.text.push_back(R"({"channel":"error","data":"Error parsing JSON into valid websocket request: )" +
                         escape(text) + "\"}");
      return;
    }
    const std::string type = string_field(text, "type");
    const std::string coin = string_field(text, "coin");
    if ((type != "activeAssetCtx" && type != "trades") || coin.empty()) {
      out.text.push_back(R"({"channel":"error","data":"Invalid subscription: )" + escape(text) +
                         "\"}");
      return;
    }
    std::set<std::string>& subs = type == "trades" ? trades_ : ctxs_;
    const std::string sub = R"({"type":")" + type + R"(","coin":")" + coin + "\"}";
    if (method == "unsubscribe") {
      if (subs.erase(coin) == 0) {
        out.text.push_back(R"({"channel":"error","data":"Already unsubscribed: )" + escape(sub) +
                           "\"}");
        return;
      }
      out.text.push_back(R"({"channel":"subscriptionResponse","data":{"method":"unsubscribe","subscription":)" +
                         sub + "}}");
      return;
    }
    if (!subs.insert(coin).second) {
      out.text.push_back(R"({"channel":"error","data":"Already subscribed: )" + escape(sub) +
                         "\"}");
      return;
    }
    out.text.push_back(R"({"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":)" +
                       sub + "}}");
    if (type == "trades") {
      // The venue backfills recent trades on every subscribe (no snapshot flag).
      const auto it = history_.recent.find(coin);
      if (it != history_.recent.end() && !it->second.empty()) {
        std::string frame = R"({"channel":"trades","data":[)";
        bool first = true;
        for (auto& t : it->second) {
          if (!first) frame += ',';
          first = false;
          frame += t.text;
          if (!t.sent) ++counters_.trades_sent;
          t.sent = true;
        }
        frame += "]}";
        out.text.push_back(std::move(frame));
      }
    } else {
      ctx_due_.insert(coin);  // the first context right away (on the next tick)
    }
  }

  void on_tick(const std::vector<MarketEvent>& events, const MarketModel& market,
               std::int64_t now_ns, Outbox& out) override {
    if (now_ns - last_heard_ns_ > kSilenceLimitNs) {
      out.close = true;  // counted as dropped_for_heartbeat by the server
      out.close_code = 1000;
      out.close_reason = "no message for 60 s";
      return;
    }
    history_.record(events, market, now_ns);
    // Live trades: one frame per coin per tick, as the venue batches them.
    std::map<std::string, std::string> frames;
    for (const auto& e : events) {
      if (e.kind != MarketEvent::Kind::kTrade || !ours(e)) continue;  // no liquidation feed
      const std::string& coin = market.assets()[static_cast<std::size_t>(e.asset)].asset;
      if (!trades_.count(coin)) continue;
      std::string& frame = frames[coin];
      frame += frame.empty() ? R"({"channel":"trades","data":[)" : ",";
      frame += render_trade(coin, e);
      if (history_.first_send(coin, e.id)) ++counters_.trades_sent;
    }
    for (auto& [coin, frame] : frames) out.text.push_back(frame + "]}");

    // activeAssetCtx: the venue pushes on change, about once a second; here every second.
    const std::int64_t second = now_ns / 1'000'000'000;
    const bool due = second != last_second_;
    last_second_ = second;
    for (const auto& a : market.assets()) {
      if (!ctxs_.count(a.asset) || !(due || ctx_due_.count(a.asset))) continue;
      out.text.push_back(render_ctx(a));
    }
    ctx_due_.clear();
  }

 private:
  static std::string render_ctx(const AssetState& a) {
    const double mark = a.price;
    const double oracle = a.price * 0.9998;
    return "{\"channel\":\"activeAssetCtx\",\"data\":{\"coin\":\"" + a.asset +
           "\",\"ctx\":{\"funding\":\"" + fmt_num(a.funding_8h / 8.0, 10) +
           "\",\"openInterest\":\"" + fmt_num(a.oi_base * kOiShare, 5) + "\",\"prevDayPx\":\"" +
           fmt_num(a.price * 0.99, 2) + "\",\"dayNtlVlm\":\"" +
           fmt_num(a.oi_base * kOiShare * a.price * 3.0, 4) + "\",\"premium\":\"" +
           fmt_num((mark - oracle) / oracle, 10) + "\",\"oraclePx\":\"" + fmt_num(oracle, 2) +
           "\",\"markPx\":\"" + fmt_num(mark, 2) + "\",\"midPx\":\"" + fmt_num(mark, 2) +
           "\",\"impactPxs\":[\"" + fmt_num(mark * 0.9999, 2) + "\",\"" +
           fmt_num(mark * 1.0001, 2) + "\"],\"dayBaseVlm\":\"" +
           fmt_num(a.oi_base * kOiShare * 3.0, 5) + "\"}}}";
  }

  static std::string escape(std::string_view s) {
    std::string r;
    for (const char c : s) {
      if (c == '"' || c == '\\') r += '\\';
      if (static_cast<unsigned char>(c) < 0x20) continue;
      r += c;
    }
    return r;
  }

  std::int64_t last_heard_ns_;
  TradeHistory& history_;
  VenueCounters& counters_;
  std::set<std::string> trades_;
  std::set<std::string> ctxs_;
  std::set<std::string> ctx_due_;
  std::int64_t last_second_ = -1;
};

class HyperliquidProtocol : public VenueProtocol {
 public:
  core::Venue venue() const noexcept override { return core::Venue::kHyperliquid; }
  std::string ws_base() const override { return "/ws"; }

  std::unique_ptr<ProtocolSession> open(std::string_view target, std::int64_t now_ns,
                                        std::string& error) override {
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != "/ws" && path != "/ws/") {
      error = "unknown path";
      return nullptr;
    }
    ++counters_.connections;
    return std::make_unique<HyperliquidSession>(now_ns, history_, counters_);
  }

  RestReply rest(std::string_view target, const MarketModel& market, std::int64_t) override {
    // The venue's metadata is POST /info {"type":"meta"}; levdyn does not fetch it (GET only)
    // but the simulator answers /info with the meta shape for any request body.
    RestReply r;
    if (target.substr(0, target.find('?')) == "/info") {
      r.status = 200;
      r.body = "{\"universe\":[";
      bool first = true;
      for (const auto& a : market.assets()) {
        if (!first) r.body += ',';
        first = false;
        r.body += "{\"name\":\"" + a.asset + "\",\"szDecimals\":" +
                  (a.asset == "BTC" ? "5" : "4") + ",\"maxLeverage\":50}";
      }
      r.body += "],\"marginTables\":[]}";
    }
    return r;
  }

 private:
  TradeHistory history_;
};

}  // namespace

std::unique_ptr<VenueProtocol> make_hyperliquid_protocol() {
  return std::make_unique<HyperliquidProtocol>();
}

}  // namespace levdyn::sim
