#include "service/feed/feed_stats.h"

namespace levdyn::feed {

MsgChannel msg_channel_from_label(std::string_view label) noexcept {
  if (label == "liquidation") return MsgChannel::kLiquidation;
  if (label == "trade") return MsgChannel::kTrade;
  if (label == "open_interest") return MsgChannel::kOpenInterest;
  if (label == "mark_price") return MsgChannel::kMarkPrice;
  if (label == "control") return MsgChannel::kControl;
  return MsgChannel::kUnknown;
}

std::string_view to_string(MsgChannel c) noexcept {
  switch (c) {
    case MsgChannel::kLiquidation: return "liquidation";
    case MsgChannel::kTrade: return "trade";
    case MsgChannel::kOpenInterest: return "open_interest";
    case MsgChannel::kMarkPrice: return "mark_price";
    case MsgChannel::kControl: return "control";
    case MsgChannel::kUnknown: return "unknown";
  }
  return "unknown";
}

}  // namespace levdyn::feed
