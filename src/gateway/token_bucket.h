// TokenBucket: a real token bucket (capacity = burst, refill = rate per second), replacing the
// spec's 1-second fixed window. RateLimiter: one bucket per API key id.
// Time comes from the caller (a core::Clock), so tests drive it with a ManualClock.
// Threading: TokenBucket is not thread-safe; RateLimiter is (one mutex, held for a map lookup and
// a few arithmetic operations).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/timestamp.h"

namespace nifty::gateway {

class TokenBucket {
 public:
  // Starts full.
  TokenBucket(double rate_per_second, double capacity, core::Timestamp now);
  // Takes one token when there is one. Otherwise returns false and sets `wait_nanos` to the time
  // until one token will be there.
  bool try_take(core::Timestamp now, int64_t& wait_nanos);
  double tokens() const { return tokens_; }
  // Applies new limits (a key's tier changed), keeping the tokens (capped at the new capacity).
  void set_limits(double rate_per_second, double capacity);

 private:
  void refill(core::Timestamp now);
  double rate_;
  double capacity_;
  double tokens_;
  core::Timestamp last_;
};

struct RateDecision {
  bool allowed = true;
  // When refused: whole seconds to wait, rounded up (>= 1), for Retry-After.
  int64_t retry_after_seconds = 0;
  // Tokens left after this request (rounded down), for X-RateLimit-Remaining.
  int64_t remaining = 0;
};

class RateLimiter {
 public:
  // One request by `key_id` with that key's limits.
  RateDecision check(std::string_view key_id, double rate_per_second, double burst, core::Timestamp now);
  size_t keys() const;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  mutable std::mutex mu_;
  std::unordered_map<std::string, TokenBucket, Hash, std::equal_to<>> buckets_;  // guarded by mu_
};

}  // namespace nifty::gateway
