#include "model/candle.h"
#include "model/tick.h"

namespace nifty::model {

std::string_view exchange_name(Exchange e) { return e == Exchange::kBse ? "BSE" : "NSE"; }

std::string_view interval_name(Interval i) {
  switch (i) {
    case Interval::k1m: return "1m";
    case Interval::k5m: return "5m";
    case Interval::k15m: return "15m";
    case Interval::k1h: return "1h";
    case Interval::k1d: return "1d";
  }
  return "?";
}

std::optional<Interval> parse_interval(std::string_view name) {
  for (Interval i : kAllIntervals) {
    if (interval_name(i) == name) return i;
  }
  return std::nullopt;
}

int64_t interval_nanos(Interval i) {
  switch (i) {
    case Interval::k1m: return core::kNanosPerMinute;
    case Interval::k5m: return 5 * core::kNanosPerMinute;
    case Interval::k15m: return 15 * core::kNanosPerMinute;
    case Interval::k1h: return core::kNanosPerHour;
    case Interval::k1d: return core::kNanosPerDay;
  }
  return core::kNanosPerMinute;
}

}  // namespace nifty::model

#include "model/scorecard.h"

namespace nifty::model {

std::string_view recommendation_name(Recommendation r) {
  switch (r) {
    case Recommendation::kStrongSell: return "STRONG_SELL";
    case Recommendation::kSell: return "SELL";
    case Recommendation::kHold: return "HOLD";
    case Recommendation::kBuy: return "BUY";
    case Recommendation::kStrongBuy: return "STRONG_BUY";
  }
  return "HOLD";
}

std::optional<Recommendation> parse_recommendation(std::string_view name) {
  for (auto r : {Recommendation::kStrongSell, Recommendation::kSell, Recommendation::kHold, Recommendation::kBuy,
                 Recommendation::kStrongBuy}) {
    if (recommendation_name(r) == name) return r;
  }
  return std::nullopt;
}

}  // namespace nifty::model
