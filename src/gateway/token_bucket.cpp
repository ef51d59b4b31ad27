#include "gateway/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace nifty::gateway {

TokenBucket::TokenBucket(double rate_per_second, double capacity, core::Timestamp now)
    : rate_(rate_per_second), capacity_(capacity), tokens_(capacity), last_(now) {}

void TokenBucket::refill(core::Timestamp now) {
  if (now > last_) {
    double elapsed = static_cast<double>(now - last_) / static_cast<double>(core::kNanosPerSecond);
    tokens_ = std::min(capacity_, tokens_ + elapsed * rate_);
    last_ = now;
  }
}

bool TokenBucket::try_take(core::Timestamp now, int64_t& wait_nanos) {
  refill(now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    wait_nanos = 0;
    return true;
  }
  double missing = 1.0 - tokens_;
  wait_nanos = static_cast<int64_t>(std::ceil(missing / rate_ * static_cast<double>(core::kNanosPerSecond)));
  return false;
}

void TokenBucket::set_limits(double rate_per_second, double capacity) {
  rate_ = rate_per_second;
  capacity_ = capacity;
  tokens_ = std::min(tokens_, capacity_);
}

RateDecision RateLimiter::check(std::string_view key_id, double rate_per_second, double burst,
                                core::Timestamp now) {
  std::lock_guard lk(mu_);
  auto it = buckets_.find(key_id);
  if (it == buckets_.end()) {
    it = buckets_.emplace(std::string(key_id), TokenBucket(rate_per_second, burst, now)).first;
  } else {
    it->second.set_limits(rate_per_second, burst);
  }
  RateDecision d;
  int64_t wait = 0;
  d.allowed = it->second.try_take(now, wait);
  d.remaining = static_cast<int64_t>(std::floor(it->second.tokens()));
  if (!d.allowed) {
    d.retry_after_seconds = std::max<int64_t>(1, (wait + core::kNanosPerSecond - 1) / core::kNanosPerSecond);
  }
  return d;
}

size_t RateLimiter::keys() const {
  std::lock_guard lk(mu_);
  return buckets_.size();
}

}  // namespace nifty::gateway
