// mStock Type B errors: why a frame or packet was rejected (the `reason` label of
// ticks_rejected_total{feed="mstock",reason}) and the Status each rejection carries.
// Value types and pure functions; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace nifty::feed::mstock {

enum class MstockRejectReason : uint8_t {
  kBadFrame,            // neither a bare 51/123/379-byte packet nor a valid batch header + packets
  kBadPacket,           // mode byte, token or a value out of range
  kUnsupportedExchange, // an exchange type other than 1 (NSECM)
  kUnknownInstrument,   // token not in the universe
  kBadTimestamp,        // an exchange timestamp that is not plausible in any known unit
  kBadText,             // a text frame that is not one of the documented JSON messages
};
inline constexpr size_t kMstockRejectReasonCount = 6;

// "bad_frame", "bad_packet", ...: a metric label.
std::string_view reject_reason_name(MstockRejectReason reason);

// A kParseError Status: "mstock <reason>: <detail>".
core::Status reject(MstockRejectReason reason, std::string_view detail);

// Counts of rejected frames/packets per reason.
class MstockRejectCounts {
 public:
  void add(MstockRejectReason r) { ++counts_[static_cast<size_t>(r)]; }
  uint64_t count(MstockRejectReason r) const { return counts_[static_cast<size_t>(r)]; }
  uint64_t total() const;

 private:
  std::array<uint64_t, kMstockRejectReasonCount> counts_{};
};

}  // namespace nifty::feed::mstock
