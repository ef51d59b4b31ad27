// Noren (Flattrade) WebSocket messages: the "t" values of the protocol and builders for the
// client -> server JSON text frames (connect, subscribe, unsubscribe, heartbeat).
// See ../shared/design/broker-protocols.md section 3. Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nifty::feed::flattrade {

// The two generations of the connect message (broker-protocols.md 3.2).
enum class NorenConnectForm {
  kAccessToken,   // current: wss://piconnect.flattrade.in/PiConnectWSAPI/, {"t":"a",...,"accesstoken"}, ack "ak"
  kSessionToken,  // older:   wss://piconnect.flattrade.in/PiConnectWSTp/,  {"t":"c",...,"susertoken"}, ack "ck"
};

// Touchline ("t"/"u") or depth, i.e. snap quote ("d"/"ud").
enum class NorenFeedKind { kTouchline, kDepth };

// What a received text frame is, from its "t".
enum class NorenMessageType {
  kConnectAck,        // "ck" (older form) or "ak" (current form)
  kTouchlineFull,     // "tk": snapshot with every field
  kTouchlinePartial,  // "tf": changed fields only
  kDepthFull,         // "dk"
  kDepthPartial,      // "df"
  kHeartbeat,         // "h"
  kOrderUpdate,       // "om" (and "ok", the order-subscription ack)
  kOther,             // unsubscribe acks and anything not listed; ignored
};

// The message type for a "t" value.
NorenMessageType message_type_of(std::string_view t);

inline constexpr std::string_view kNorenWsUrlCurrent = "wss://piconnect.flattrade.in/PiConnectWSAPI/";
inline constexpr std::string_view kNorenWsUrlOlder = "wss://piconnect.flattrade.in/PiConnectWSTp/";
inline constexpr std::string_view kNorenNifty50Key = "NSE|26000";

// {"t":"a","uid":...,"actid":...,"accesstoken":...,"source":"API"} (or "t":"c"/"susertoken").
// Errors when a field is empty.
core::Result<std::string> build_connect(NorenConnectForm form, std::string_view uid, std::string_view actid,
                                        std::string_view token);
// {"t":"t","k":"NSE|22#NSE|2885"} / {"t":"d",...}. Each key is "EXCH|token"; errors on an empty
// list or a malformed key (which would corrupt the '#'-joined list).
core::Result<std::string> build_subscribe(NorenFeedKind kind, std::span<const std::string> keys);
// {"t":"u","k":...} / {"t":"ud","k":...}.
core::Result<std::string> build_unsubscribe(NorenFeedKind kind, std::span<const std::string> keys);
// {"t":"h"}: sent as a text frame at most every 30 s (3.5).
std::string build_heartbeat();

// True for "EXCH|token": upper-case letters, '|', digits.
bool is_valid_key(std::string_view key);

}  // namespace nifty::feed::flattrade
