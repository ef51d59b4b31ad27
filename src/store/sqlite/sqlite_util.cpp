#include "store/sqlite/sqlite_util.h"

namespace nifty::store::sqlite_util {

core::Result<sqlite3*> open(const std::string& path) {
  if (path.empty()) return core::error(core::ErrorCode::kIoError, "cannot open SQLite database: the path is empty");
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return core::error(core::ErrorCode::kIoError, "cannot open SQLite database '" + path + "': " + reason);
  }
  sqlite3_extended_result_codes(db, 1);
  return db;
}

core::ErrorCode error_code(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return core::ErrorCode::kUnavailable;
    case SQLITE_FULL: return core::ErrorCode::kResourceExhausted;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_PERM:
    case SQLITE_NOLFS: return core::ErrorCode::kIoError;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_TOOBIG: return core::ErrorCode::kInvalidArgument;
    default: return core::ErrorCode::kInternal;
  }
}

}  // namespace nifty::store::sqlite_util
