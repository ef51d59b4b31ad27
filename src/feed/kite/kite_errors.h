// Errors of the Kite adapter as core::Status: malformed frames and text messages (kParseError, with
// the packet index, byte offset and reason), the server's `{"type":"error"}` messages and a failed
// WebSocket upgrade mapped to our error codes (retryable or not).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/status.h"

namespace nifty::feed::kite {

// kParseError "kite frame: <reason>".
core::Status frame_error(std::string_view reason);
// kParseError "kite frame: packet <index> of <count> at byte <offset>: <reason>" (index from 0).
core::Status packet_error(size_t packet_index, size_t packet_count, size_t offset, std::string_view reason);
// kParseError "kite text message: <reason>".
core::Status text_error(std::string_view reason);

// A `{"type":"error","data":TEXT}` message from the server. "error parsing request" means we sent a
// bad request (kInvalidArgument, not retryable); a token or session problem is kUnauthenticated (not
// retryable: log in again); a "max ... exceeded" limit is kResourceExhausted; anything else is
// kUnavailable (retryable).
core::Status server_error_status(std::string_view text);

// The HTTP status of a failed WebSocket upgrade. 401/403 mean a bad or expired access token:
// kUnauthenticated, not retryable, "kite: access token rejected (HTTP 403): token expired? run
// `nifty login kite`". 429 is kResourceExhausted, 5xx kUnavailable (both retryable); others kIoError.
core::Status upgrade_failure_status(int http_status);

}  // namespace nifty::feed::kite
