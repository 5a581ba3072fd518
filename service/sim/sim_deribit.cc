// Simulated Deribit: JSON-RPC 2.0 over one WebSocket (set_heartbeat / test_request / public/test,
// public/subscribe, ticker and trades notifications with liquidation flags) and the
// get_instruments REST endpoint, in the real wire format (venues.md §4).

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "service/sim/venue_protocol.h"

namespace levdyn::sim {
namespace {

constexpr int kVenueIndex = static_cast<int>(core::Venue::kDeribit);
constexpr double kOiShare = 0.15;  // Deribit's share of each asset's open interest
constexpr int kMinHeartbeatS = 10;  // Deribit rejects shorter intervals

bool ours(const MarketEvent& e) { return e.venue_pick % core::kVenueCount == kVenueIndex; }

/// One instrument the simulator lists: an inverse perp (USD contracts) or a linear USDC perp.
struct SimInstrument {
  std::string name;
  std::string asset;
  bool inverse;
  double contract_size;  // inverse: USD; linear: coin
};

const std::vector<SimInstrument>& instruments() {
  static const std::vector<SimInstrument> list = {
      {"BTC-PERPETUAL", "BTC", true, 10.0},
      {"ETH-PERPETUAL", "ETH", true, 1.0},
      {"BTC_USDC-PERPETUAL", "BTC", false, 0.001},
      {"ETH_USDC-PERPETUAL", "ETH", false, 0.01},
  };
  return list;
}

const SimInstrument* find_instrument(std::string_view name) {
  for (const auto& i : instruments()) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

/// The string value of `"key":"…"` in a client frame, or empty.
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

/// The raw scalar after `"key":` (a number or null), or empty.
std::string scalar_field(std::string_view text, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\"";
  auto p = text.find(needle);
  if (p == std::string_view::npos) return {};
  p = text.find(':', p + needle.size());
  if (p == std::string_view::npos) return {};
  ++p;
  while (p < text.size() && text[p] == ' ') ++p;
  const auto end = text.find_first_of(",}] ", p);
  return std::string(text.substr(p, end == std::string_view::npos ? std::string_view::npos
                                                                  : end - p));
}

std::string us_fields(std::int64_t now_ns) {
  const std::int64_t us = now_ns / 1000;
  return ",\"usIn\":" + std::to_string(us) + ",\"usOut\":" + std::to_string(us + 120) +
         ",\"usDiff\":120,\"testnet\":false";
}

class DeribitSession : public ProtocolSession {
 public:
  explicit DeribitSession(VenueCounters& counters) : counters_(counters) {}

  void on_text(std::string_view text, std::int64_t now_ns, Outbox& out) override {
    const std::string method = string_field(text, "method");
    std::string id = scalar_field(text, "id");
    if (id.empty()) id = "null";
    const std::string head = "{\"jsonrpc\":\"2.0\",\"id\":" + id;
    if (method == "public/set_heartbeat") {
      const std::string interval = scalar_field(text, "interval");
      const long s = std::strtol(interval.c_str(), nullptr, 10);
      if (s < kMinHeartbeatS) {
        out.text.push_back(head +
                           ",\"error\":{\"message\":\"Invalid params\",\"data\":{\"reason\":"
                           "\"interval too low\",\"param\":\"interval\"},\"code\":-32602}" +
                           us_fields(now_ns) + "}");
        return;
      }
      interval_ns_ = static_cast<std::int64_t>(s) * 1'000'000'000;
      next_test_ns_ = now_ns + interval_ns_;
      out.text.push_back(head + ",\"result\":\"ok\"" + us_fields(now_ns) + "}");
    } else if (method == "public/test") {
      awaiting_since_ns_ = 0;
      out.text.push_back(head + ",\"result\":{\"version\":\"1.2.26\"}" + us_fields(now_ns) + "}");
    } else if (method == "public/subscribe") {
      std::string result = "[";
      const auto at = text.find("\"channels\"");
      const auto open = at == std::string_view::npos ? at : text.find('[', at);
      const auto close = open == std::string_view::npos ? open : text.find(']', open);
      if (open != std::string_view::npos && close != std::string_view::npos) {
        std::string_view list = text.substr(open + 1, close - open - 1);
        while (true) {
          const auto q1 = list.find('"');
          if (q1 == std::string_view::npos) break;
          const auto q2 = list.find('"', q1 + 1);
          if (q2 == std::string_view::npos) break;
          const std::string channel(list.substr(q1 + 1, q2 - q1 - 1));
          list.remove_prefix(q2 + 1);
          if (!valid_channel(channel)) continue;  // Deribit leaves unknown channels out
          channels_.insert(channel);
          if (result.size() > 1) result += ',';
          result += "\"" + channel + "\"";
        }
      }
      result += "]";
      out.text.push_back(head + ",\"result\":" + result + us_fields(now_ns) + "}");
    } else {
      out.text.push_back(head + ",\"error\":{\"message\":\"Method not found\",\"code\":-32601}" +
                         us_fields(now_ns) + "}");
    }
  }

  void on_tick(const std::vector<MarketEvent>& events, const MarketModel& market,
               std::int64_t now_ns, Outbox& out) override {
    // Heartbeat rule: a test_request left unanswered for an interval closes the connection.
    if (interval_ns_ > 0) {
      if (awaiting_since_ns_ != 0 && now_ns - awaiting_since_ns_ > interval_ns_) {
        out.close = true;
        out.close_code = 1000;
        out.close_reason = "heartbeat: no public/test in answer to test_request";
        return;
      }
      if (now_ns >= next_test_ns_) {
        out.text.push_back(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}})");
        if (awaiting_since_ns_ == 0) awaiting_since_ns_ = now_ns;
        next_test_ns_ = now_ns + interval_ns_;
      }
    }
    render_trades(events, market, out);
    // ticker.{instr}.100ms: a full snapshot every 100 ms (every tick).
    const std::int64_t now_ms = now_ns / 1'000'000;
    for (const auto& inst : instruments()) {
      if (!channels_.count("ticker." + inst.name + ".100ms")) continue;
      const AssetState* a = asset_state(market, inst.asset);
      if (a == nullptr) continue;
      // Inverse OI is USD (whole contracts), linear OI is coin. Linear perps get a third of
      // the venue's share.
      double oi = 0.0;
      if (inst.inverse) {
        oi = std::round(a->oi_base * kOiShare * a->price / inst.contract_size) * inst.contract_size;
      } else {
        oi = std::round(a->oi_base * kOiShare / 3.0 / inst.contract_size) * inst.contract_size;
      }
      const double mark = a->price;
      const double index = a->price * 0.9998;
      out.text.push_back(
          "{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{\"channel\":\"ticker." +
          inst.name + ".100ms\",\"data\":{\"timestamp\":" + std::to_string(now_ms) +
          ",\"stats\":{\"volume_usd\":1.2345e9,\"volume\":" + fmt_num(20000.0, 4) +
          ",\"price_change\":0.5,\"low\":" + fmt_num(mark * 0.97, 1) + ",\"high\":" +
          fmt_num(mark * 1.02, 1) + "},\"state\":\"open\",\"settlement_price\":" +
          fmt_num(mark * 0.999, 2) + ",\"open_interest\":" + fmt_num(oi, inst.inverse ? 0 : 3) +
          ",\"min_price\":" + fmt_num(mark * 0.98, 1) + ",\"max_price\":" +
          fmt_num(mark * 1.02, 1) + ",\"mark_price\":" + fmt_num(mark, 2) +
          ",\"last_price\":" + fmt_num(mark, 1) + ",\"interest_value\":0.0,\"instrument_name\":\"" +
          inst.name + "\",\"index_price\":" + fmt_num(index, 2) + ",\"funding_8h\":" +
          fmt_num(a->funding_8h, 8) + ",\"estimated_delivery_price\":" + fmt_num(index, 2) +
          ",\"current_funding\":" + fmt_num(a->funding_8h / 8.0, 8) + ",\"best_bid_price\":" +
          fmt_num(mark - 0.5, 1) + ",\"best_bid_amount\":7000.0,\"best_ask_price\":" +
          fmt_num(mark + 0.5, 1) + ",\"best_ask_amount\":250.0}}}");
    }
  }

 private:
  static bool valid_channel(const std::string& channel) {
    for (const auto& inst : instruments()) {
      for (const char* interval : {".100ms", ".raw", ".agg2"}) {
        if (channel == "ticker." + inst.name + interval ||
            channel == "trades." + inst.name + interval) {
          return true;
        }
      }
    }
    return false;
  }

  static const AssetState* asset_state(const MarketModel& market, const std::string& asset) {
    for (const auto& a : market.assets()) {
      if (a.asset == asset) return &a;
    }
    return nullptr;
  }

  /// trades.{instr}.100ms: one notification per instrument and tick, data an array. Market
  /// liquidations become trades flagged "T", "M" or (both sides) "MT".
  void render_trades(const std::vector<MarketEvent>& events, const MarketModel& market,
                     Outbox& out) {
    std::map<std::string, std::string> batches;  // instrument -> rendered trades
    for (const auto& e : events) {
      if (!ours(e)) continue;
      const std::string& asset = market.assets()[static_cast<std::size_t>(e.asset)].asset;
      const SimInstrument* inst = find_instrument(asset + "-PERPETUAL");  // inverse perps
      if (inst == nullptr) continue;
      const std::string channel = "trades." + inst->name + ".100ms";
      if (!channels_.count(channel)) continue;
      // amount is USD in whole contracts, at least one contract.
      const double contracts =
          std::max(1.0, std::round(e.base_qty * e.price / inst->contract_size));
      const double amount = contracts * inst->contract_size;
      core::Side direction = e.side;  // trade: the taker side
      std::string flag;
      if (e.kind == MarketEvent::Kind::kLiquidation) {
        // e.side is the forced order's side (sell = long liquidated).
        if (e.id % 10 == 0) {
          flag = "MT";  // both sides liquidated: two liquidation events
          counters_.liquidations_sent += 2;
        } else if (e.id % 3 == 0) {
          flag = "M";  // the maker was liquidated: the taker took the other side
          direction = e.side == core::Side::kSell ? core::Side::kBuy : core::Side::kSell;
          ++counters_.liquidations_sent;
        } else {
          flag = "T";  // the taker was liquidated: its order is the forced one
          ++counters_.liquidations_sent;
        }
      }
      std::string& batch = batches[inst->name];
      ++counters_.trades_sent;
      if (!batch.empty()) batch += ',';
      const std::uint64_t seq = ++trade_seq_[inst->name];
      batch += "{\"trade_seq\":" + std::to_string(seq) + ",\"trade_id\":\"" +
               std::to_string(100'000'000 + e.id) + "\",\"timestamp\":" +
               std::to_string(e.t_ns / 1'000'000) + ",\"tick_direction\":" +
               (direction == core::Side::kBuy ? "0" : "2") + ",\"price\":" + fmt_num(e.price, 1) +
               ",\"mark_price\":" + fmt_num(e.price, 2) + ",\"instrument_name\":\"" + inst->name +
               "\",\"index_price\":" + fmt_num(e.price * 0.9998, 2) + ",\"direction\":\"" +
               (direction == core::Side::kBuy ? "buy" : "sell") + "\",\"contracts\":" +
               fmt_num(contracts, 1) + ",\"amount\":" + fmt_num(amount, 1) +
               (flag.empty() ? std::string() : ",\"liquidation\":\"" + flag + "\"") + "}";
    }
    for (const auto& [name, batch] : batches) {
      out.text.push_back(
          "{\"jsonrpc\":\"2.0\",\"method\":\"subscription\",\"params\":{\"channel\":\"trades." +
          name + ".100ms\",\"data\":[" + batch + "]}}");
    }
  }

  VenueCounters& counters_;
  std::set<std::string> channels_;
  std::map<std::string, std::uint64_t> trade_seq_;
  std::int64_t interval_ns_ = 0;        // 0 until public/set_heartbeat
  std::int64_t next_test_ns_ = 0;
  std::int64_t awaiting_since_ns_ = 0;  // oldest unanswered test_request, 0 if none
};

class DeribitProtocol : public VenueProtocol {
 public:
  core::Venue venue() const noexcept override { return core::Venue::kDeribit; }
  std::string ws_base() const override { return "/ws/api/v2"; }

  std::unique_ptr<ProtocolSession> open(std::string_view target, std::int64_t,
                                        std::string& error) override {
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != "/ws/api/v2" && path != "/ws/api/v2/") {
      error = "unknown path";
      return nullptr;
    }
    ++counters_.connections;
    return std::make_unique<DeribitSession>(counters_);
  }

  RestReply rest(std::string_view target, const MarketModel&, std::int64_t now_ns) override {
    RestReply r;
    const std::string_view path = target.substr(0, target.find('?'));
    if (path != "/api/v2/public/get_instruments") return r;
    const std::string currency = query_param(target, "currency");
    const std::string kind = query_param(target, "kind");
    if (currency != "BTC" && currency != "ETH" && currency != "USDC") {
      r.status = 400;
      r.body = "{\"jsonrpc\":\"2.0\",\"error\":{\"message\":\"Invalid params\",\"data\":{"
               "\"reason\":\"wrong format\",\"param\":\"currency\"},\"code\":-32602}" +
               us_fields(now_ns) + "}";
      return r;
    }
    r.status = 200;
    r.body = "{\"jsonrpc\":\"2.0\",\"result\":[";
    bool first = true;
    if (kind.empty() || kind == "future") {
      for (const auto& inst : instruments()) {
        const bool listed = inst.inverse ? inst.asset == currency : currency == "USDC";
        if (!listed) continue;
        if (!first) r.body += ',';
        first = false;
        r.body += instrument_json(inst.name, inst.asset, inst.inverse, inst.contract_size,
                                  "perpetual", 32503708800000);
      }
      if (currency == "BTC") {
        // A dated future: listed by the venue, not a perpetual.
        r.body += std::string(first ? "" : ",") +
                  instrument_json("BTC-27DEC30", "BTC", true, 10.0, "month", 1924588800000);
      }
    }
    r.body += "]" + us_fields(now_ns) + "}";
    return r;
  }

 private:
  static std::string instrument_json(const std::string& name, const std::string& asset,
                                     bool inverse, double contract_size, const char* period,
                                     std::int64_t expiry_ms) {
    const std::string settle = inverse ? asset : "USDC";
    return "{\"tick_size\":0.5,\"taker_commission\":0.0005,\"settlement_period\":\"" +
           std::string(period) + "\",\"settlement_currency\":\"" + settle +
           "\",\"quote_currency\":\"" + (inverse ? "USD" : "USDC") +
           "\",\"price_index\":\"" + (asset == "BTC" ? "btc_usd" : "eth_usd") +
           "\",\"min_trade_amount\":" + fmt_num(contract_size, 3) +
           ",\"max_leverage\":50,\"maker_commission\":0.0,\"kind\":\"future\",\"is_active\":true,"
           "\"instrument_name\":\"" + name + "\",\"instrument_id\":124972,"
           "\"expiration_timestamp\":" + std::to_string(expiry_ms) +
           ",\"creation_timestamp\":1534242287000,\"counter_currency\":\"" +
           (inverse ? "USD" : "USDC") + "\",\"contract_size\":" + fmt_num(contract_size, 3) +
           ",\"base_currency\":\"" + asset + "\",\"instrument_type\":\"" +
           (inverse ? "reversed" : "linear") + "\"}";
  }
};

}  // namespace

std::unique_ptr<VenueProtocol> make_deribit_protocol() {
  return std::make_unique<DeribitProtocol>();
}

}  // namespace levdyn::sim
