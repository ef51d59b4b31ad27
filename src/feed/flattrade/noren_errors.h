// Noren (Flattrade) errors: why a message was rejected (the `reason` label of
// ticks_rejected_total{feed="flattrade",reason}) and the Status each rejection carries.
// Value types and pure functions; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nifty::feed::flattrade {

enum class NorenRejectReason : uint8_t {
  kBadJson,             // not a JSON object, or no string "t"
  kBadField,            // a field we use is not a string or does not parse (price, quantity, time)
  kMissingField,        // a feed message without "e"/"tk"
  kUnsupportedExchange, // an exchange other than NSE/BSE
  kUnknownInstrument,   // EXCH|token not in the universe
  kPartialBeforeFull,   // tf/df for a token with no tk/dk snapshot yet
  kNoFeedTime,          // a tick with no "ft" seen yet for the token
};
inline constexpr size_t kNorenRejectReasonCount = 7;

// "bad_json", "bad_field", ...: a metric label.
std::string_view reject_reason_name(NorenRejectReason reason);

// A kParseError Status: "noren <reason>: <detail>".
core::Status reject(NorenRejectReason reason, std::string_view detail);

// The Status for a refused connect ("ck"/"ak" with s != OK). Not retryable: the session token is
// stale or wrong, and retrying against the broker's static IP does harm.
core::Status connect_rejected(std::string_view detail);

// Counts of rejected messages per reason.
class NorenRejectCounts {
 public:
  void add(NorenRejectReason r) { ++counts_[static_cast<size_t>(r)]; }
  uint64_t count(NorenRejectReason r) const { return counts_[static_cast<size_t>(r)]; }
  uint64_t total() const;

 private:
  std::array<uint64_t, kNorenRejectReasonCount> counts_{};
};

}  // namespace nifty::feed::flattrade
