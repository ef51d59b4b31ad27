#include "feed/flattrade/noren_errors.h"

namespace nifty::feed::flattrade {

std::string_view reject_reason_name(NorenRejectReason reason) {
  switch (reason) {
    case NorenRejectReason::kBadJson: return "bad_json";
    case NorenRejectReason::kBadField: return "bad_field";
    case NorenRejectReason::kMissingField: return "missing_field";
    case NorenRejectReason::kUnsupportedExchange: return "unsupported_exchange";
    case NorenRejectReason::kUnknownInstrument: return "unknown_instrument";
    case NorenRejectReason::kPartialBeforeFull: return "partial_before_full";
    case NorenRejectReason::kNoFeedTime: return "no_feed_time";
  }
  return "unknown";
}

core::Status reject(NorenRejectReason reason, std::string_view detail) {
  std::string msg = "noren ";
  msg += reject_reason_name(reason);
  msg += ": ";
  msg += detail;
  return core::error(core::ErrorCode::kParseError, std::move(msg));
}

core::Status connect_rejected(std::string_view detail) {
  std::string msg = "flattrade refused the websocket session (";
  msg += detail.empty() ? std::string_view("no reason given") : detail;
  msg += "): token expired or wrong: run nifty login flattrade";
  return core::error(core::ErrorCode::kUnauthenticated, std::move(msg));
}

uint64_t NorenRejectCounts::total() const {
  uint64_t t = 0;
  for (uint64_t c : counts_) t += c;
  return t;
}

}  // namespace nifty::feed::flattrade
