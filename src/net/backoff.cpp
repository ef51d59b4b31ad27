#include "net/backoff.h"

#include <cmath>

namespace nifty::net {

core::Result<Backoff> Backoff::create(BackoffOptions options, uint64_t seed) {
  if (options.initial.count() <= 0)
    return core::error(core::ErrorCode::kInvalidArgument, "backoff: initial delay must be > 0");
  if (options.cap < options.initial)
    return core::error(core::ErrorCode::kInvalidArgument, "backoff: cap must be >= initial delay");
  if (!(options.multiplier >= 1.0) || !std::isfinite(options.multiplier))
    return core::error(core::ErrorCode::kInvalidArgument, "backoff: multiplier must be a finite number >= 1");
  return Backoff(options, seed);
}

std::chrono::nanoseconds Backoff::ceiling() const {
  double bound = static_cast<double>(options_.initial.count()) *
                 std::pow(options_.multiplier, static_cast<double>(attempts_));
  double cap = static_cast<double>(options_.cap.count());
  if (!(bound < cap)) return options_.cap;  // also catches overflow to inf
  return std::chrono::nanoseconds(static_cast<int64_t>(bound));
}

std::optional<std::chrono::nanoseconds> Backoff::next() {
  if (options_.max_attempts != 0 && attempts_ >= options_.max_attempts) return std::nullopt;
  int64_t hi = ceiling().count();
  ++attempts_;
  std::uniform_int_distribution<int64_t> dist(0, hi);
  return std::chrono::nanoseconds(dist(rng_));
}

}  // namespace nifty::net
