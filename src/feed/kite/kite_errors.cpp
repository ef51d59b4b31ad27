#include "feed/kite/kite_errors.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace nifty::feed::kite {

using core::ErrorCode;

namespace {
bool contains_nocase(std::string_view text, std::string_view word) {
  auto it = std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != text.end();
}
}  // namespace

core::Status frame_error(std::string_view reason) {
  return core::error(ErrorCode::kParseError, "kite frame: " + std::string(reason));
}

core::Status packet_error(size_t packet_index, size_t packet_count, size_t offset, std::string_view reason) {
  return core::error(ErrorCode::kParseError, "kite frame: packet " + std::to_string(packet_index) + " of " +
                                                 std::to_string(packet_count) + " at byte " +
                                                 std::to_string(offset) + ": " + std::string(reason));
}

core::Status text_error(std::string_view reason) {
  return core::error(ErrorCode::kParseError, "kite text message: " + std::string(reason));
}

core::Status server_error_status(std::string_view text) {
  std::string msg = "kite server error: " + std::string(text);
  if (contains_nocase(text, "parsing request")) return core::error(ErrorCode::kInvalidArgument, msg);
  if (contains_nocase(text, "token") && !contains_nocase(text, "max"))
    return core::error(ErrorCode::kUnauthenticated, msg + " (run `nifty login kite`)");
  if (contains_nocase(text, "max") || contains_nocase(text, "exceeded") || contains_nocase(text, "limit"))
    return core::error(ErrorCode::kResourceExhausted, msg);
  return core::error(ErrorCode::kUnavailable, msg);
}

core::Status upgrade_failure_status(int http_status) {
  std::string code = "(HTTP " + std::to_string(http_status) + ")";
  if (http_status == 401 || http_status == 403)
    return core::error(ErrorCode::kUnauthenticated,
                       "kite: access token rejected " + code + ": token expired? run `nifty login kite`");
  if (http_status == 429) return core::error(ErrorCode::kResourceExhausted, "kite: too many connections " + code);
  if (http_status >= 500 && http_status <= 599)
    return core::error(ErrorCode::kUnavailable, "kite: server unavailable " + code);
  return core::error(ErrorCode::kIoError, "kite: WebSocket upgrade failed " + code);
}

}  // namespace nifty::feed::kite
