// MstockParser: turns mStock Type B binary frames into model::Tick values (one per packet).
// A frame is a bare 51/123/379-byte packet or a 4-byte batch header followed by packets; every
// packet is a full snapshot for its mode, so nothing is merged. Prices arrive as int64 paise.
//
// Exchange-timestamp units are UNCONFIRMED (broker-protocols.md 2.6): the SDK reads seconds since
// 1980-01-01 UTC, others pass Unix seconds or milliseconds through. With MstockTimeUnit::kAuto the
// parser reads the first timestamp in each candidate unit, keeps the unit whose instant lies within
// max_skew of the receive time (the closest if several), and then latches that unit for the life
// of the parser (detected_unit() tells which, for the logs). A fixed unit can be configured instead;
// either way a timestamp further than max_skew from the receive time is rejected (kBadTimestamp).
// Not thread-safe: one instance per connection, used by that connection's thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/timestamp.h"
#include "feed/mstock/mstock_errors.h"
#include "feed/mstock/mstock_messages.h"
#include "feed/mstock/mstock_symbols.h"
#include "model/tick.h"

namespace nifty::feed::mstock {

enum class MstockTimeUnit { kAuto, kSecondsSince1980, kUnixSeconds, kUnixMillis };
std::string_view time_unit_name(MstockTimeUnit unit);  // "auto", "seconds_since_1980", ...

// Seconds from 1970-01-01 to 1980-01-01 UTC (3652 days).
inline constexpr int64_t kEpoch1980Seconds = 315'532'800;

struct MstockTimeConfig {
  MstockTimeUnit unit = MstockTimeUnit::kAuto;  // kAuto until a live capture confirms the unit
  // Largest accepted distance between exchange time and receive time. Wide enough for an
  // illiquid stock's old last trade, far narrower than the 10 years between the 1970 and 1980
  // epochs or the factor 1000 between seconds and milliseconds.
  int64_t max_skew_nanos = 12 * core::kNanosPerHour;
};

// The instant of a raw timestamp in a fixed unit; nullopt when it would overflow or is negative.
std::optional<core::Timestamp> timestamp_in_unit(int64_t raw, MstockTimeUnit unit);

// The outcome of one frame.
struct MstockFrameResult {
  size_t ticks = 0;      // ticks appended
  size_t rejected = 0;   // packets (or the whole frame) rejected
  core::Status first_error;  // ok when nothing was rejected
};

class MstockParser {
 public:
  // `symbols` must outlive the parser.
  explicit MstockParser(const MstockSymbols& symbols, MstockTimeConfig config = {})
      : symbols_(&symbols), config_(config), unit_(config.unit) {}

  // Appends one tick per good packet of `frame` to `out`. A bad frame is rejected whole; within
  // a good frame a bad packet is rejected alone and the others still yield ticks. Every
  // rejection is counted.
  MstockFrameResult on_frame(std::span<const uint8_t> frame, core::Timestamp receive_time,
                             std::vector<model::Tick>& out);
  // The tick of one decoded packet (not counted; on_frame counts).
  core::Result<model::Tick> to_tick(const MstockPacket& packet, core::Timestamp receive_time);

  // The unit in use: the configured one, or the detected one (kAuto before the first timestamp).
  MstockTimeUnit detected_unit() const { return unit_; }
  const MstockRejectCounts& rejects() const { return rejects_; }

 private:
  // to_tick, also saying why it failed.
  core::Result<model::Tick> make_tick(const MstockPacket& packet, core::Timestamp receive_time,
                                      MstockRejectReason& reason);
  core::Result<core::Timestamp> exchange_time(int64_t raw, core::Timestamp receive_time);

  const MstockSymbols* symbols_;
  MstockTimeConfig config_;
  MstockTimeUnit unit_;
  MstockRejectCounts rejects_;
};

}  // namespace nifty::feed::mstock
