// Simulated OKX v5 public WebSocket and instruments endpoint: the real `{"arg","data"}` push
// format with sizes in contracts, subscribe acks and errors, text ping/pong, and the 30 s
// no-traffic disconnect (venues.md §3).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "service/sim/venue_protocol.h"

namespace levdyn::sim {
namespace {

constexpr int kVenueIndex = static_cast<int>(core::Venue::kOkx);
constexpr double kOiShare = 0.20;  // OKX's share of each asset's open interest
constexpr std::int64_t kSilenceLimitNs = 30'000'000'000;  // OKX: no traffic for 30 s -> close
constexpr std::int64_t kOiEveryMs = 3'000;       // open-interest: every 3 s
constexpr std::int64_t kMarkEveryMs = 1'000;     // mark-price
constexpr std::int64_t kFundingEveryMs = 10'000; // funding-rate
constexpr std::int64_t kOtherEveryMs = 5'000;    // a liquidation of an untracked instId
constexpr std::int64_t kEightHoursMs = 8LL * 3600 * 1000;
// Every kHoldEvery-th liquidation is held back one batch, so it arrives after newer ones
// (OKX: "not necessarily in chronological order").
constexpr std::uint64_t kHoldEvery = 7;

/// The instruments the simulator lists: instId, asset, linear?, ctVal, ctValCcy.
struct SimInstrument {
  const char* inst_id;
  const char* asset;
  bool linear;
  double ct_val;
};
constexpr SimInstrument kInstruments[] = {
    {"BTC-USDT-SWAP", "BTC", true, 0.01}, {"ETH-USDT-SWAP", "ETH", true, 0.1},
    {"SOL-USDT-SWAP", "SOL", true, 1.0},  {"BTC-USD-SWAP", "BTC", false, 100.0},
    {"ETH-USD-SWAP", "ETH", false, 10.0},
};

const SimInstrument* find_instrument(std::string_view inst_id) {
  for (const auto& i : kInstruments) {
    if (inst_id == i.inst_id) return &i;
  }
  return nullptr;
}

/// The linear swap a model event of `asset` trades on.
const SimInstrument* linear_of(const std::string& asset) {
  for (const auto& i : kInstruments) {
    if (i.linear && asset == i.asset) return &i;
  }
  return nullptr;
}

bool ours(const MarketEvent& e) { return e.venue_pick % core::kVenueCount == kVenueIndex; }

/// Contracts for a base quantity, at the 0.01-contract lot size (at least one lot).
std::string contracts_of(double base, const SimInstrument& inst) {
  const double c = std::max(0.01, std::round(base / inst.ct_val * 100.0) / 100.0);
  return fmt_num(c, 2);
}

/// Value of a JSON string field `"key":"value"` at or after `from`; empty if none.
std::string_view string_field(std::string_view text, std::string_view key, std::size_t from,
                              std::size_t to) {
  const std::string pattern = "\"" + std::string(key) + "\":\"";
  const std::size_t at = text.find(pattern, from);
  if (at == std::string_view::npos || at >= to) return {};
  const std::size_t start = at + pattern.size();
  const std::size_t end = text.find('"', start);
  if (end == std::string_view::npos || end > to) return {};
  return text.substr(start, end - start);
}

class OkxSession : public ProtocolSession {
 public:
  OkxSession(VenueCounters& counters, std::int64_t now_ns, std::uint64_t conn)
      : counters_(counters), last_traffic_ns_(now_ns) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08llx", static_cast<unsigned long long>(conn) * 2654435761u);
    conn_id_ = buf;
  }

  void on_text(std::string_view text, std::int64_t now_ns, Outbox& out) override {
    last_traffic_ns_ = now_ns;
    if (text == "ping") {
      out.text.emplace_back("pong");
      return;
    }
    const bool subscribe = text.find("\"op\":\"subscribe\"") != std::string_view::npos;
    const bool unsubscribe = text.find("\"op\":\"unsubscribe\"") != std::string_view::npos;
    const std::size_t args = text.find("\"args\":[");
    if ((!subscribe && !unsubscribe) || args == std::string_view::npos) {
      out.text.push_back(R"({"event":"error","code":"60012","msg":"Invalid request: )" +
                         escape(text.substr(0, 64)) + R"(","connId":")" + conn_id_ + "\"}");
      return;
    }
    // Each {...} in args is one channel.
    std::size_t pos = args + 8;
    while (true) {
      const std::size_t open = text.find('{', pos);
      if (open == std::string_view::npos) break;
      const std::size_t close = text.find('}', open);
      if (close == std::string_view::npos) break;
      pos = close + 1;
      const std::string_view channel = string_field(text, "channel", open, close);
      const std::string_view inst_id = string_field(text, "instId", open, close);
      const std::string_view inst_type = string_field(text, "instType", open, close);
      std::string arg;
      std::string key;
      if (channel == "liquidation-orders" && inst_type == "SWAP") {
        arg = R"({"channel":"liquidation-orders","instType":"SWAP"})";
        key = "liquidation-orders";
      } else if ((channel == "open-interest" || channel == "mark-price" || channel == "trades" ||
                  channel == "funding-rate") &&
                 find_instrument(inst_id) != nullptr) {
        arg = R"({"channel":")" + std::string(channel) + R"(","instId":")" +
              std::string(inst_id) + "\"}";
        key = std::string(channel) + "/" + std::string(inst_id);
      } else {
        out.text.push_back(R"({"event":"error","code":"60018","msg":"Wrong URL or channel:)" +
                           escape(channel) + ",instId:" + escape(inst_id) +
                           R"( doesn't exist","connId":")" + conn_id_ + "\"}");
        continue;
      }
      if (subscribe) {
        subs_.insert(key);
      } else {
        subs_.erase(key);
      }
      out.text.push_back(std::string(R"({"event":")") + (subscribe ? "subscribe" : "unsubscribe") +
                         R"(","arg":)" + arg + R"(,"connId":")" + conn_id_ + "\"}");
    }
  }

  void on_tick(const std::vector<MarketEvent>& events, const MarketModel& market,
               std::int64_t now_ns, Outbox& out) override {
    // OKX: "The connection will break automatically if the subscription is not established or
    // data has not been pushed for more than 30 seconds." Pushes and client frames both count.
    if (now_ns - last_traffic_ns_ > kSilenceLimitNs) {
      out.close = true;
      out.close_code = 4004;
      out.close_reason = "No data received in 30s.";
      return;
    }
    const std::size_t before = out.text.size();
    const std::int64_t now_ms = now_ns / 1'000'000;
    const bool liq = subs_.count("liquidation-orders") > 0;

    std::vector<Liq> batch;
    for (const auto& e : events) {
      if (!ours(e)) continue;
      const std::string& asset = market.assets()[static_cast<std::size_t>(e.asset)].asset;
      const SimInstrument* inst = linear_of(asset);
      if (inst == nullptr) continue;
      if (e.kind == MarketEvent::Kind::kTrade) {
        if (!subs_.count(std::string("trades/") + inst->inst_id)) continue;
        out.text.push_back(std::string(R"({"arg":{"channel":"trades","instId":")") +
                           inst->inst_id + R"("},"data":[{"instId":")" + inst->inst_id +
                           R"(","tradeId":")" + std::to_string(e.id) + R"(","px":")" +
                           fmt_num(e.price, 2) + R"(","sz":")" + contracts_of(e.base_qty, *inst) +
                           R"(","side":")" + (e.side == core::Side::kSell ? "sell" : "buy") +
                           R"(","ts":")" + std::to_string(e.t_ns / 1'000'000) +
                           R"(","count":"1","seqId":)" + std::to_string(e.id) + "}]}");
      } else if (liq) {
        batch.push_back(Liq{inst, e.t_ns / 1'000'000, e.price, e.base_qty, e.side});
      }
    }
    // An untracked instrument: the client files it under "_other".
    if (liq && now_ms / kOtherEveryMs != last_other_) {
      last_other_ = now_ms / kOtherEveryMs;
      batch.push_back(Liq{find_instrument("SOL-USDT-SWAP"), now_ms,
                          150.0 + static_cast<double>(last_other_ % 7),
                          12.0 + static_cast<double>(last_other_ % 5),
                          last_other_ % 3 == 0 ? core::Side::kBuy : core::Side::kSell});
    }
    if (liq) render_liquidations(std::move(batch), out);

    if (now_ms / kMarkEveryMs != last_mark_) {
      last_mark_ = now_ms / kMarkEveryMs;
      for_each_subscribed("mark-price", market, [&](const SimInstrument& inst,
                                                    const AssetState& a) {
        out.text.push_back(std::string(R"({"arg":{"channel":"mark-price","instId":")") +
                           inst.inst_id + R"("},"data":[{"instType":"SWAP","instId":")" +
                           inst.inst_id + R"(","markPx":")" + fmt_num(a.price, 2) +
                           R"(","ts":")" + std::to_string(now_ms) + "\"}]}");
      });
    }
    if (now_ms / kOiEveryMs != last_oi_) {
      last_oi_ = now_ms / kOiEveryMs;
      for_each_subscribed("open-interest", market, [&](const SimInstrument& inst,
                                                       const AssetState& a) {
        // The venue's OI split evenly between its linear and inverse swap.
        const double coin = a.oi_base * kOiShare * 0.5;
        const double usd = coin * a.price;
        const double contracts = inst.linear ? coin / inst.ct_val : usd / inst.ct_val;
        out.text.push_back(std::string(R"({"arg":{"channel":"open-interest","instId":")") +
                           inst.inst_id + R"("},"data":[{"instType":"SWAP","instId":")" +
                           inst.inst_id + R"(","oi":")" + fmt_num(contracts, 2) +
                           R"(","oiCcy":")" + fmt_num(coin, 4) + R"(","oiUsd":")" +
                           fmt_num(usd, 2) + R"(","ts":")" + std::to_string(now_ms) + "\"}]}");
      });
    }
    if (now_ms / kFundingEveryMs != last_funding_) {
      last_funding_ = now_ms / kFundingEveryMs;
      const std::int64_t funding_time = (now_ms / kEightHoursMs + 1) * kEightHoursMs;
      for_each_subscribed("funding-rate", market, [&](const SimInstrument& inst,
                                                      const AssetState& a) {
        out.text.push_back(std::string(R"({"arg":{"channel":"funding-rate","instId":")") +
                           inst.inst_id + R"("},"data":[{"fundingRate":")" +
                           fmt_num(a.funding_8h, 10) + R"(","fundingTime":")" +
                           std::to_string(funding_time) + R"(","instId":")" + inst.inst_id +
                           R"(","instType":"SWAP","method":"current_period","nextFundingRate":"",)"
                           R"("nextFundingTime":")" + std::to_string(funding_time + kEightHoursMs) +
                           R"(","ts":")" + std::to_string(now_ms) + "\"}]}");
      });
    }
    if (out.text.size() > before) last_traffic_ns_ = now_ns;
  }

 private:
  struct Liq {
    const SimInstrument* inst;
    std::int64_t ts_ms;
    double price;
    double base_qty;
    core::Side side;  // forced order side
  };

  template <typename F>
  void for_each_subscribed(const char* channel, const MarketModel& market, F&& f) {
    for (const auto& inst : kInstruments) {
      if (!subs_.count(std::string(channel) + "/" + inst.inst_id)) continue;
      for (const auto& a : market.assets()) {
        if (a.asset == inst.asset) f(inst, a);
      }
    }
  }

  /// One frame per instId with its details; every kHoldEvery-th liquidation waits for the next
  /// batch (sent after newer ones). Counts exactly the details rendered.
  void render_liquidations(std::vector<Liq> batch, Outbox& out) {
    std::vector<Liq> now;
    for (auto& l : batch) {
      if (++seq_ % kHoldEvery == 0) {
        held_.push_back(l);
      } else {
        now.push_back(l);
      }
    }
    if (!now.empty()) {
      // Held ones go after the newer ones of this batch: an older ts after a newer one.
      for (auto& l : released_) now.push_back(l);
      released_.clear();
    }
    released_.insert(released_.end(), held_.begin(), held_.end());
    held_.clear();
    for (const auto& inst : kInstruments) {
      std::string details;
      std::size_t n = 0;
      for (const auto& l : now) {
        if (l.inst != &inst) continue;
        if (n++ > 0) details += ',';
        // Hedge-mode posSide every other event, net mode otherwise.
        const bool hedge = (seq_ + n) % 2 == 0;
        const char* pos_side = !hedge ? "net" : l.side == core::Side::kSell ? "long" : "short";
        const double bk = l.price * (l.side == core::Side::kSell ? 0.995 : 1.005);
        details += std::string(R"({"bkLoss":"0","bkPx":")") + fmt_num(bk, 2) +
                   R"(","ccy":"","posSide":")" + pos_side + R"(","side":")" +
                   (l.side == core::Side::kSell ? "sell" : "buy") + R"(","sz":")" +
                   contracts_of(l.base_qty, inst) + R"(","ts":")" + std::to_string(l.ts_ms) +
                   "\"}";
      }
      if (n == 0) continue;
      const std::string family = std::string(inst.asset) + (inst.linear ? "-USDT" : "-USD");
      out.text.push_back(R"({"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"details":[)" +
                         details + R"(],"instFamily":")" + family + R"(","instId":")" +
                         inst.inst_id + R"(","instType":"SWAP","uly":")" + family + "\"}]}");
      counters_.liquidations_sent += n;
    }
  }

  static std::string escape(std::string_view s) {
    std::string r;
    for (const char c : s) {
      if (c == '"' || c == '\\') {
        r += '\\';
        r += c;
      } else if (static_cast<unsigned char>(c) >= 0x20) {
        r += c;
      }
    }
    return r;
  }

  VenueCounters& counters_;
  std::string conn_id_;
  std::set<std::string> subs_;  // "channel/instId", or "liquidation-orders"
  std::int64_t last_traffic_ns_;
  std::int64_t last_mark_ = -1;
  std::int64_t last_oi_ = -1;
  std::int64_t last_funding_ = -1;
  std::int64_t last_other_ = -1;
  std::uint64_t seq_ = 0;
  std::vector<Liq> held_;      // held back this batch
  std::vector<Liq> released_;  // to send after the next batch's newer ones
};

class OkxProtocol : public VenueProtocol {
 public:
  core::Venue venue() const noexcept override { return core::Venue::kOkx; }
  std::string ws_base() const override { return "/ws/v5/public"; }

  std::unique_ptr<ProtocolSession> open(std::string_view target, std::int64_t now_ns,
                                        std::string& error) override {
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != "/ws/v5/public" && path != "/ws/v5/public/") {
      error = "unknown path";
      return nullptr;
    }
    ++counters_.connections;
    return std::make_unique<OkxSession>(counters_, now_ns, counters_.connections);
  }

  RestReply rest(std::string_view target, const MarketModel& market, std::int64_t) override {
    RestReply r;
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != "/api/v5/public/instruments") return r;
    if (query_param(target, "instType") != "SWAP") {
      r.status = 400;
      r.body = R"({"code":"51000","msg":"Parameter instType error","data":[]})";
      return r;
    }
    (void)market;
    r.status = 200;
    r.body = R"({"code":"0","msg":"","data":[)";
    bool first = true;
    for (const auto& i : kInstruments) {
      if (!first) r.body += ',';
      first = false;
      const std::string quote = i.linear ? "USDT" : "USD";
      const std::string family = std::string(i.asset) + "-" + quote;
      r.body += std::string(R"({"instType":"SWAP","instId":")") + i.inst_id + R"(","uly":")" +
                family + R"(","instFamily":")" + family +
                R"(","baseCcy":"","quoteCcy":"","settleCcy":")" + (i.linear ? "USDT" : i.asset) +
                R"(","ctVal":")" + fmt_num(i.ct_val, i.ct_val < 1 ? 2 : 0) +
                R"(","ctMult":"1","ctValCcy":")" + (i.linear ? i.asset : "USD") +
                R"(","ctType":")" + (i.linear ? "linear" : "inverse") +
                R"(","lotSz":"0.01","minSz":"0.01","tickSz":"0.1","state":"live"})";
    }
    r.body += "]}";
    return r;
  }
};

}  // namespace

std::unique_ptr<VenueProtocol> make_okx_protocol() { return std::make_unique<OkxProtocol>(); }

}  // namespace levdyn::sim
