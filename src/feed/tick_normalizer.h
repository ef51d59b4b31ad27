// TickNormalizer: the door every tick passes after its adapter has parsed it. It validates the tick,
// drops duplicates and computes its volume_delta; a rejected tick is counted
// (ticks_rejected_total{feed,reason}), logged (rate-limited) and must not be passed on.
//
// Rules, in order:
//   bad_price           last_price <= 0, a negative bid or ask, any price above model::kMaxPricePaise
//                       (NUMERIC(10,2)), or a cumulative volume below 0 or above model::kMaxQuantity.
//   duplicate_sequence  sequence != 0 and <= the highest sequence seen from this feed.
//   volume_backwards    cumulative volume below the symbol's baseline on the same IST date.
//   outside_session     exchange time in no session of the NSE calendar. Its cumulative volume still
//                       becomes the baseline: the 09:08 pre-open print carries the auction volume,
//                       which the first regular candle must not include.
// volume_delta = cumulative_volume - baseline, where the baseline is the last cumulative volume seen
// for the symbol before this tick (out-of-session ticks included), and 0 for the first tick of a
// later IST date than the symbol's previous tick (day reset). A tick dated earlier than the symbol's
// previous one is compared with the current baseline.
//
// Not thread-safe: one normalizer per feed thread. Hot path: no allocation, one hash lookup, and a
// calendar lookup only when a tick leaves the cached session.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/log.h"
#include "core/metrics.h"
#include "core/nse_calendar.h"
#include "model/tick.h"

namespace nifty::feed {

enum class RejectReason : uint8_t { kBadPrice, kVolumeBackwards, kOutsideSession, kDuplicateSequence };
inline constexpr size_t kRejectReasonCount = 4;

// "bad_price", "volume_backwards", "outside_session", "duplicate_sequence".
std::string_view reject_reason_name(RejectReason reason);

struct RejectCounts {
  std::array<uint64_t, kRejectReasonCount> rejected{};  // indexed by RejectReason
  uint64_t accepted = 0;

  uint64_t operator[](RejectReason r) const { return rejected[static_cast<size_t>(r)]; }
  uint64_t total_rejected() const {
    uint64_t sum = 0;
    for (uint64_t v : rejected) sum += v;
    return sum;
  }
};

class TickNormalizer {
 public:
  // `calendar` must outlive the normalizer. `feed_name` labels the metrics ("kite", "replay").
  TickNormalizer(const core::NseCalendar& calendar, std::string feed_name);

  // Validates `tick` and sets tick.volume_delta. nullopt = accepted; otherwise the reason it was
  // rejected (the tick must then be dropped).
  std::optional<RejectReason> normalize(model::Tick& tick);

  // Normalizes every tick of `ticks` and moves the accepted ones, in order, to the front. Returns
  // how many were accepted: ticks[0, n) are the ones to pass on.
  size_t normalize_batch(std::span<model::Tick> ticks);

  const RejectCounts& rejected() const { return counts_; }
  const std::string& feed_name() const { return feed_name_; }

 private:
  struct SymbolState {
    int64_t day = 0;  // IST days since the epoch of the symbol's last tick
    model::Quantity cumulative = 0;
  };

  bool in_session(core::Timestamp t);
  std::optional<RejectReason> reject(RejectReason reason, const model::Tick& tick, model::Quantity baseline);

  const core::NseCalendar& calendar_;
  std::string feed_name_;
  std::unordered_map<model::Symbol, SymbolState> symbols_;
  uint64_t highest_sequence_ = 0;
  // The session of the last in-session tick, and the last minute found outside any session.
  std::optional<core::Session> cached_session_;
  int64_t cached_outside_minute_ = std::numeric_limits<int64_t>::min();
  RejectCounts counts_;
  std::array<core::Counter*, kRejectReasonCount> rejected_counters_{};
  core::Counter* accepted_counter_ = nullptr;
  core::Logger& log_;
  core::RateLimitedLog log_limiter_;
};

}  // namespace nifty::feed
