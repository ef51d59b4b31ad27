// Mapping of libpqxx/libpq failures to core::Status: the only place that knows SQLSTATEs. Every
// call into libpqxx in this adapter goes through postgres_call(), so no pqxx exception escapes.
// Stateless; thread-safe.
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"

namespace nifty::store {

// The Status for an exception thrown by libpqxx (or anything else) while doing `what` against
// `target` (postgres_target()). Broken connections, refusals and timeouts are retryable
// (kUnavailable, kTimeout); 28P01/28000 -> kUnauthenticated; 3D000 -> kConfigError; data errors
// (SQLSTATE classes 22, 23) -> kInvalidArgument; a missing table -> kConfigError ("run nifty migrate").
core::Status postgres_error(const std::exception& e, std::string_view what, std::string_view target);

// Same for a libpq connection error message (connection attempts report no SQLSTATE, so the
// message is read): refused/unreachable -> kUnavailable, timeout -> kTimeout, bad password or
// unknown role -> kUnauthenticated, unknown database -> kConfigError.
core::Status postgres_connect_error(std::string_view message, std::string_view what, std::string_view target);

// True when the exception means the connection is unusable (it must be replaced).
bool is_connection_failure(const std::exception& e);

// Runs fn() and turns any exception into a Status. fn returns core::Status.
template <typename Fn>
core::Status postgres_call(std::string_view what, std::string_view target, Fn&& fn) {
  try {
    return std::forward<Fn>(fn)();
  } catch (const std::exception& e) {
    return postgres_error(e, what, target);
  } catch (...) {
    return core::error(core::ErrorCode::kInternal, std::string(what) + ": unknown exception (" + std::string(target) + ")");
  }
}

}  // namespace nifty::store
