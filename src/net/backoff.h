// Backoff: exponential backoff with full jitter (AWS "Exponential Backoff and Jitter"): attempt k
// waits a uniform random time in [0, min(cap, initial * multiplier^k)]. The RNG is seeded, so
// tests see a fixed sequence. Not thread-safe: one owner (the connection supervisor).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

#include "core/status.h"

namespace nifty::net {

struct BackoffOptions {
  // Upper bound of the first delay.
  std::chrono::nanoseconds initial = std::chrono::milliseconds(500);
  // Growth of the upper bound per attempt (>= 1).
  double multiplier = 2.0;
  // Largest upper bound.
  std::chrono::nanoseconds cap = std::chrono::seconds(30);
  // Attempts allowed before next() gives up; 0 = unlimited.
  uint32_t max_attempts = 0;
};

class Backoff {
 public:
  // Rejects initial <= 0, cap < initial, multiplier < 1 (kInvalidArgument).
  static core::Result<Backoff> create(BackoffOptions options, uint64_t seed = std::random_device{}());

  // The delay before the next attempt, or nullopt when max_attempts are used up.
  std::optional<std::chrono::nanoseconds> next();
  // The upper bound the next call to next() draws from.
  std::chrono::nanoseconds ceiling() const;
  // After a success: start again from `initial`, with all attempts available.
  void reset() { attempts_ = 0; }
  // Delays handed out since construction or the last reset().
  uint32_t attempts() const { return attempts_; }
  const BackoffOptions& options() const { return options_; }

 private:
  Backoff(BackoffOptions options, uint64_t seed) : options_(options), rng_(seed) {}
  BackoffOptions options_;
  std::mt19937_64 rng_;
  uint32_t attempts_ = 0;
};

}  // namespace nifty::net
