#include "feed/mstock/mstock_errors.h"

#include <string>

namespace nifty::feed::mstock {

std::string_view reject_reason_name(MstockRejectReason reason) {
  switch (reason) {
    case MstockRejectReason::kBadFrame: return "bad_frame";
    case MstockRejectReason::kBadPacket: return "bad_packet";
    case MstockRejectReason::kUnsupportedExchange: return "unsupported_exchange";
    case MstockRejectReason::kUnknownInstrument: return "unknown_instrument";
    case MstockRejectReason::kBadTimestamp: return "bad_timestamp";
    case MstockRejectReason::kBadText: return "bad_text";
  }
  return "unknown";
}

core::Status reject(MstockRejectReason reason, std::string_view detail) {
  std::string msg = "mstock ";
  msg += reject_reason_name(reason);
  msg += ": ";
  msg += detail;
  return core::error(core::ErrorCode::kParseError, std::move(msg));
}

uint64_t MstockRejectCounts::total() const {
  uint64_t t = 0;
  for (uint64_t c : counts_) t += c;
  return t;
}

}  // namespace nifty::feed::mstock
