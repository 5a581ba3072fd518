#include "service/sim/fault_plan.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace levdyn::sim {

namespace {

struct KindName {
  FaultKind kind;
  const char* name;
};

constexpr KindName kKinds[] = {
    {FaultKind::kReset, "reset"},         {FaultKind::kClose, "close"},
    {FaultKind::kSilence, "silence"},     {FaultKind::kOversize, "oversize"},
    {FaultKind::kMalformed, "malformed"}, {FaultKind::kWrongType, "wrong_type"},
    {FaultKind::kBinary, "binary"},       {FaultKind::kBurst, "burst"},
    {FaultKind::kDuplicate, "duplicate"}, {FaultKind::kReorder, "reorder"},
    {FaultKind::kRest, "rest"},           {FaultKind::kTls, "tls"},
    {FaultKind::kDown, "down"},           {FaultKind::kPause, "pause"},
    {FaultKind::kQuiet, "quiet"},
};

std::string kind_list() {
  std::string s;
  for (const auto& k : kKinds) s += std::string(s.empty() ? "" : ", ") + k.name;
  return s;
}

[[noreturn]] void bad(std::size_t index, const std::string& key, const std::string& why) {
  throw std::invalid_argument("faults[" + std::to_string(index) + "]" +
                              (key.empty() ? "" : "." + key) + ": " + why);
}

/// "5s", "250ms", "1m", or a plain number of seconds.
std::int64_t parse_ms(const std::string& text, std::size_t index, const std::string& key) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    bad(index, key, "expected a duration like 5s or 250ms, got '" + text + "'");
  }
  const std::string unit = text.substr(used);
  double scale = 0;
  if (unit.empty() || unit == "s") {
    scale = 1000;
  } else if (unit == "ms") {
    scale = 1;
  } else if (unit == "m") {
    scale = 60'000;
  } else {
    bad(index, key, "expected a duration like 5s or 250ms, got '" + text + "'");
  }
  if (!std::isfinite(v) || v < 0 || v * scale > 86'400'000.0) {
    bad(index, key, "out of range: '" + text + "'");
  }
  return static_cast<std::int64_t>(std::llround(v * scale));
}

long parse_int(const YAML::Node& n, std::size_t index, const std::string& key, long lo, long hi) {
  const std::string& text = n.Scalar();
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < lo || v > hi) {
    bad(index, key,
        "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got '" +
            text + "'");
  }
  return v;
}

bool dedupes(core::Venue v) {
  // levdyn drops replayed trades by id only on these two venues (trade_id; (time, coin, tid)).
  // Elsewhere a repeated message is a new event by design (Binance forceOrder has no id).
  return v == core::Venue::kDeribit || v == core::Venue::kHyperliquid;
}

Fault parse_entry(const YAML::Node& node, std::size_t i) {
  if (!node.IsMap()) bad(i, "", "expected a map like {venue: binance, at: 5s, fault: reset}");
  static const std::set<std::string> kKeys = {"venue", "at",     "fault",       "count", "code",
                                              "for",   "status", "retry_after", "bytes", "rate"};
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (!kKeys.count(key)) bad(i, key, "unknown key");
    if (!kv.second.IsScalar()) bad(i, key, "expected a scalar");
  }
  Fault f;
  if (!node["fault"]) bad(i, "fault", "missing (one of " + kind_list() + ")");
  const std::string name = node["fault"].Scalar();
  bool known = false;
  for (const auto& k : kKinds) {
    if (name == k.name) {
      f.kind = k.kind;
      known = true;
    }
  }
  if (!known) bad(i, "fault", "unknown fault '" + name + "' (one of " + kind_list() + ")");
  if (!node["venue"]) bad(i, "venue", "missing");
  const std::string venue = node["venue"].Scalar();
  if (venue == "all") {
    f.all_venues = true;
  } else if (!core::parse_venue(venue, f.venue)) {
    bad(i, "venue", "unknown venue '" + venue + "'");
  }
  if (!node["at"]) bad(i, "at", "missing (a time since the simulator's start, e.g. 5s)");
  f.at_ms = parse_ms(node["at"].Scalar(), i, "at");
  const auto allow = [&](const char* key, std::initializer_list<FaultKind> kinds) {
    if (!node[key]) return false;
    for (const FaultKind k : kinds) {
      if (k == f.kind) return true;
    }
    bad(i, key, std::string("not a parameter of ") + to_string(f.kind));
  };
  if (allow("count",
            {FaultKind::kMalformed, FaultKind::kWrongType, FaultKind::kBinary, FaultKind::kRest})) {
    f.count = static_cast<int>(parse_int(node["count"], i, "count", 1, 100'000));
  }
  if (allow("code", {FaultKind::kClose})) {
    f.code = static_cast<std::uint16_t>(parse_int(node["code"], i, "code", 1000, 4999));
    if (f.code == 1004 || f.code == 1005 || f.code == 1006 || f.code == 1015) {
      bad(i, "code", "close code " + std::to_string(f.code) + " may not be sent on the wire");
    }
  }
  if (allow("for",
            {FaultKind::kSilence, FaultKind::kBurst, FaultKind::kDuplicate, FaultKind::kReorder,
             FaultKind::kTls, FaultKind::kDown, FaultKind::kPause, FaultKind::kQuiet})) {
    f.for_ms = parse_ms(node["for"].Scalar(), i, "for");
  } else {
    switch (f.kind) {
      case FaultKind::kSilence:
        f.for_ms = 30'000;
        break;
      case FaultKind::kTls:
        f.for_ms = 2'000;
        break;
      case FaultKind::kPause:
        f.for_ms = 0;
        break;  // for good
      case FaultKind::kBurst:
      case FaultKind::kDuplicate:
      case FaultKind::kReorder:
      case FaultKind::kDown:
      case FaultKind::kQuiet:
        bad(i, "for", std::string("missing: how long ") + name + " lasts");
      default:
        break;
    }
  }
  if (allow("status", {FaultKind::kRest})) {
    f.status = static_cast<int>(parse_int(node["status"], i, "status", 400, 599));
  }
  if (allow("retry_after", {FaultKind::kRest})) {
    f.retry_after_s = static_cast<int>(parse_int(node["retry_after"], i, "retry_after", 0, 3600));
  }
  if (allow("bytes", {FaultKind::kOversize})) {
    f.bytes = static_cast<std::size_t>(parse_int(node["bytes"], i, "bytes", 1, 256L << 20));
  }
  if (allow("rate", {FaultKind::kBurst})) {
    const std::string text = node["rate"].Scalar();
    char* end = nullptr;
    f.rate = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(f.rate >= 1.0 && f.rate <= 100.0)) {
      bad(i, "rate", "expected a factor in 1..100, got '" + text + "'");
    }
  }
  if (f.kind == FaultKind::kDuplicate && (f.all_venues || !dedupes(f.venue))) {
    bad(i, "venue",
        "duplicate is only for deribit and hyperliquid, where levdyn drops repeated trades by "
        "id; " +
            venue +
            " messages carry no id levdyn dedupes, so a repeat counts twice by "
            "design");
  }
  return f;
}

}  // namespace

const char* to_string(FaultKind kind) noexcept {
  for (const auto& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "?";
}

FaultPlan parse_fault_plan(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw std::invalid_argument(std::string("not YAML/JSON: ") + e.what());
  }
  YAML::Node list = root;
  if (root.IsMap()) {
    for (const auto& kv : root) {
      if (kv.first.as<std::string>() != "faults") {
        throw std::invalid_argument(kv.first.as<std::string>() + ": unknown key (expected faults)");
      }
    }
    list = root["faults"];
  }
  if (!list || !list.IsSequence()) {
    throw std::invalid_argument("faults: expected a list of {venue, at, fault, ...}");
  }
  FaultPlan plan;
  for (std::size_t i = 0; i < list.size(); ++i) plan.faults.push_back(parse_entry(list[i], i));
  return plan;
}

FaultPlan load_fault_plan(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot read '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parse_fault_plan(text.str());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(path + ": " + e.what());
  }
}

std::string malformed_frame(core::Venue venue) {
  switch (venue) {
    case core::Venue::kBinance:
      return R"({"stream":"!forceOrder@arr","data":{"e":"forceOrder","o":{"s":"BTC)";
    case core::Venue::kOkx:
      return R"({"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"det)";
    case core::Venue::kBybit:
      return R"({"topic":"allLiquidation.BTCUSDT","type":"snapshot","data":[{"T":)";
    case core::Venue::kDeribit:
      return R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERP)";
    case core::Venue::kBitmex:
      return R"({"table":"liquidation","action":"insert","data":[{"orderID":)";
    case core::Venue::kHyperliquid:
      return R"({"channel":"trades","data":[{"coin":"BTC","px":)";
  }
  return "{";
}

std::string wrong_type_frame(core::Venue venue, std::int64_t now_ms) {
  const std::string ms = std::to_string(now_ms);
  const std::string px = R"({"value":"60000.0"})";  // an object where a price belongs
  switch (venue) {
    case core::Venue::kBinance:
      return R"({"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","E":)" + ms +
             R"(,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.010","p":)" + px +
             R"(,"ap":)" + px + R"(,"X":"FILLED","l":"0.010","z":"0.010","T":)" + ms + "}}}";
    case core::Venue::kOkx:
      return R"({"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"details":[{"bkLoss":"0","bkPx":)" +
             px + R"(,"ccy":"","posSide":"long","side":"sell","sz":"1","ts":")" + ms +
             R"("}],"instFamily":"BTC-USDT","instId":"BTC-USDT-SWAP","instType":"SWAP","uly":"BTC-USDT"}]})";
    case core::Venue::kBybit:
      return R"({"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":)" + ms +
             R"(,"data":[{"T":)" + ms + R"(,"s":"BTCUSDT","S":"Buy","v":"0.010","p":)" + px + "}]}";
    case core::Venue::kDeribit:
      return R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERPETUAL.100ms","data":[{"trade_seq":1,"trade_id":"wrong-type-)" +
             ms + R"(","timestamp":)" + ms + R"(,"tick_direction":2,"price":)" + px +
             R"(,"mark_price":60000.0,"instrument_name":"BTC-PERPETUAL","index_price":60000.0,"direction":"sell","contracts":1.0,"amount":10.0,"liquidation":"T"}]}})";
    case core::Venue::kBitmex:
      return R"({"table":"liquidation","action":"insert","data":[{"orderID":"wrong-type-)" + ms +
             R"(","symbol":"XBTUSD","side":"Sell","price":)" + px + R"(,"leavesQty":100}]})";
    case core::Venue::kHyperliquid:
      return R"({"channel":"trades","data":[{"coin":"BTC","side":"A","px":)" + px +
             R"(,"sz":"0.01","time":)" + ms +
             R"(,"hash":"0x00","tid":1,"users":["0x0000000000000000000000000000000000000001","0x0000000000000000000000000000000000000002"]}]})";
  }
  return "{}";
}

}  // namespace levdyn::sim
