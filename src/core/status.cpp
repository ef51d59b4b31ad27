#include "core/status.h"

#include <cstdio>

namespace nifty::core {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kParseError: return "parse_error";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kAlreadyExists: return "already_exists";
    case ErrorCode::kOutOfRange: return "out_of_range";
    case ErrorCode::kIoError: return "io_error";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kResourceExhausted: return "resource_exhausted";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kConfigError: return "config_error";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  std::string out(error_code_name(code_));
  out += ": ";
  out += message_;
  return out;
}

void check_failed(const char* condition, const char* file, int line, const char* message) {
  std::fprintf(stderr, "NIFTY_CHECK failed: %s at %s:%d: %s\n", condition, file, line, message);
  std::fflush(stderr);
  std::abort();
}

}  // namespace nifty::core
