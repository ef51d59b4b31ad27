// Status and Result<T>: expected failures as values, one project-wide ErrorCode.
// Value types; no threading concerns.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "core/check.h"

namespace nifty::core {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,   // bad input from a user, a file or a peer
  kParseError,        // malformed data (CSV line, JSON, frame)
  kNotFound,
  kAlreadyExists,
  kOutOfRange,
  kIoError,           // file or socket failure
  kUnavailable,       // a server went away; retry later
  kTimeout,
  kResourceExhausted, // a queue is full, a rate limit hit
  kCancelled,         // shutdown requested
  kConfigError,       // invalid configuration
  kUnauthenticated,   // credentials rejected (wrong password, expired token); retrying will not help
  kInternal,
};

std::string_view error_code_name(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool is_ok() const { return code_ == ErrorCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // True when the same operation may succeed if tried again later.
  bool is_retryable() const {
    return code_ == ErrorCode::kUnavailable || code_ == ErrorCode::kTimeout ||
           code_ == ErrorCode::kResourceExhausted;
  }
  // "parse_error: bad price in line 3".
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

inline Status error(ErrorCode code, std::string message) { return Status(code, std::move(message)); }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit on purpose
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    NIFTY_CHECK(!std::get<Status>(v_).is_ok(), "Result built from an ok Status");
  }

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return is_ok(); }

  const Status& status() const {
    static const Status kOk;
    return is_ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & {
    NIFTY_CHECK(is_ok(), "value() on an error Result");
    return std::get<T>(v_);
  }
  const T& value() const& {
    NIFTY_CHECK(is_ok(), "value() on an error Result");
    return std::get<T>(v_);
  }
  T&& value() && {
    NIFTY_CHECK(is_ok(), "value() on an error Result");
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace nifty::core

// Returns the Status of an expression from the enclosing function when it is an error.
#define NIFTY_RETURN_IF_ERROR(expr)                  \
  do {                                               \
    ::nifty::core::Status nifty_status_ = (expr);    \
    if (!nifty_status_.is_ok()) return nifty_status_; \
  } while (0)

#define NIFTY_CONCAT_INNER_(a, b) a##b
#define NIFTY_CONCAT_(a, b) NIFTY_CONCAT_INNER_(a, b)
// NIFTY_ASSIGN_OR_RETURN(auto x, make_x()): unwraps a Result or returns its Status.
#define NIFTY_ASSIGN_OR_RETURN(lhs, expr)                                  \
  auto NIFTY_CONCAT_(nifty_result_, __LINE__) = (expr);                    \
  if (!NIFTY_CONCAT_(nifty_result_, __LINE__).is_ok())                     \
    return NIFTY_CONCAT_(nifty_result_, __LINE__).status();                \
  lhs = std::move(NIFTY_CONCAT_(nifty_result_, __LINE__)).value()
