// NIFTY_CHECK: fail fast on a broken invariant (a bug, never bad input).
// Prints the condition, the place and the message to stderr and aborts.
#pragma once

namespace nifty::core {
[[noreturn]] void check_failed(const char* condition, const char* file, int line, const char* message);
}  // namespace nifty::core

#define NIFTY_CHECK(cond, message)                                          \
  do {                                                                      \
    if (!(cond)) [[unlikely]]                                               \
      ::nifty::core::check_failed(#cond, __FILE__, __LINE__, (message));    \
  } while (0)
