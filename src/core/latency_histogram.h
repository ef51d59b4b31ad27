// LatencyHistogram: a log-linear histogram of durations in nanoseconds for percentiles on the hot
// path (HDR-style: 32 sub-buckets per power of two, so any percentile is within ~3 % of the true
// value). Recording is a few instructions and never allocates.
// Threading: record() from one thread at a time (each writer owns its histogram); snapshot()
// from any thread (relaxed reads: a snapshot taken while recording may miss the latest samples).
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>

namespace nifty::core {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 5;                 // 32 sub-buckets per power of two
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kMaxPower = 40;               // up to ~1100 s
  static constexpr int kBuckets = (kMaxPower - kSubBits + 1) * kSub + kSub;

  void record(int64_t nanos) {
    size_t i = index(nanos < 0 ? 0 : static_cast<uint64_t>(nanos));
    buckets_[i].store(buckets_[i].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  struct Snapshot {
    std::array<uint64_t, kBuckets> buckets{};
    uint64_t count = 0;
    // The smallest value v such that at least q of the samples are <= v (upper edge of its
    // bucket); 0 without samples. q in [0, 1].
    int64_t percentile(double q) const;
  };
  Snapshot snapshot() const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

  static size_t index(uint64_t v) {
    if (v < kSub) return static_cast<size_t>(v);
    int power = 63 - std::countl_zero(v);  // >= kSubBits
    if (power > kMaxPower) return kBuckets - 1;
    uint64_t sub = (v >> (power - kSubBits)) & (kSub - 1);
    return static_cast<size_t>((power - kSubBits + 1) * kSub + sub);
  }
  // The largest value that falls in bucket i.
  static int64_t upper_edge(size_t i) {
    if (i < kSub) return static_cast<int64_t>(i);
    int power = static_cast<int>(i / kSub) - 1 + kSubBits;
    uint64_t sub = i % kSub;
    uint64_t low = (uint64_t{1} << power) + (sub << (power - kSubBits));
    return static_cast<int64_t>(low + (uint64_t{1} << (power - kSubBits)) - 1);
  }

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> count_{0};
};

inline LatencyHistogram::Snapshot LatencyHistogram::snapshot() const {
  Snapshot s;
  for (size_t i = 0; i < kBuckets; ++i) {
    s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    s.count += s.buckets[i];
  }
  return s;
}

inline int64_t LatencyHistogram::Snapshot::percentile(double q) const {
  if (count == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(count));
  if (rank == 0) rank = 1;
  if (rank > count) rank = count;
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += buckets[i];
    if (seen >= rank) return upper_edge(i);
  }
  return upper_edge(kBuckets - 1);
}

}  // namespace nifty::core
