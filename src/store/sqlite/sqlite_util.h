// Small pieces shared by the SQLite adapters: opening a connection with a clear error, SQLite
// result codes mapped onto ErrorCode, statement reset on scope exit, text binding, time rounding.
// Not thread-safe by themselves; each adapter guards its connection.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nifty::store::sqlite_util {

// Opens (creating) the database at `path` with extended result codes on. kIoError names the path
// and SQLite's reason; an empty path is refused.
core::Result<sqlite3*> open(const std::string& path);

// The ErrorCode of a SQLite result code: busy/locked are retryable (kUnavailable), a full disk
// kResourceExhausted, I/O and file trouble kIoError, bad values kInvalidArgument, else kInternal.
core::ErrorCode error_code(int rc);

// Runs reset() on a statement when the scope ends, so a reused statement never stays busy.
class ResetGuard {
 public:
  explicit ResetGuard(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~ResetGuard() { sqlite3_reset(stmt_); }
  ResetGuard(const ResetGuard&) = delete;
  ResetGuard& operator=(const ResetGuard&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

inline void bind_text(sqlite3_stmt* stmt, int index, std::string_view text) {
  sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

inline std::string_view column_text(sqlite3_stmt* stmt, int col) {
  const unsigned char* text = sqlite3_column_text(stmt, col);
  return {text != nullptr ? reinterpret_cast<const char*>(text) : "",
          static_cast<size_t>(sqlite3_column_bytes(stmt, col))};
}

// Smallest whole second s with s * 1e9 >= nanos.
inline int64_t ceil_seconds(int64_t nanos) {
  int64_t q = nanos / 1'000'000'000;
  if (nanos % 1'000'000'000 != 0 && nanos > 0) ++q;
  return q;
}

}  // namespace nifty::store::sqlite_util
