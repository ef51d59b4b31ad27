#include "store/postgres/postgres_errors.h"

#include <pqxx/pqxx>

#include <string>

namespace nifty::store {

namespace {

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out) {
    if (c == '\n') c = ' ';
  }
  return out;
}

core::Status make(core::ErrorCode code, std::string_view what, std::string_view detail, std::string_view target,
                  std::string_view hint = {}) {
  std::string msg(what);
  msg += ": ";
  msg += trim(detail);
  msg += " (postgres ";
  msg += target;
  msg += ")";
  if (!hint.empty()) {
    msg += "; ";
    msg += hint;
  }
  return core::error(code, std::move(msg));
}

constexpr std::string_view kAuthHint = "check store.postgres.user and NIFTY_STORE_POSTGRES_PASSWORD";

core::Status from_sqlstate(const std::string& state, std::string_view what, std::string_view detail,
                           std::string_view target) {
  if (state == "28P01" || state == "28000") return make(core::ErrorCode::kUnauthenticated, what, detail, target, kAuthHint);
  if (state == "3D000") return make(core::ErrorCode::kConfigError, what, detail, target, "create the database or fix store.postgres.dbname");
  if (state == "42P01" || state == "42883") {
    return make(core::ErrorCode::kConfigError, what, detail, target, "the schema is missing or old: run nifty migrate");
  }
  if (state == "57014") return make(core::ErrorCode::kTimeout, what, detail, target);
  if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03" || state == "40001" ||
      state == "40P01" || state == "55P03") {
    return make(core::ErrorCode::kUnavailable, what, detail, target);
  }
  if (state.rfind("53", 0) == 0) return make(core::ErrorCode::kResourceExhausted, what, detail, target);
  if (state.rfind("22", 0) == 0 || state.rfind("23", 0) == 0) {
    return make(core::ErrorCode::kInvalidArgument, what, detail, target);
  }
  if (state.rfind("42", 0) == 0) return make(core::ErrorCode::kInternal, what, detail, target);
  return make(core::ErrorCode::kInternal, what, detail, target);
}

}  // namespace

core::Status postgres_connect_error(std::string_view message, std::string_view what, std::string_view target) {
  if (contains(message, "password authentication failed") || contains(message, "no password supplied") ||
      (contains(message, "role \"") && contains(message, "does not exist")) ||
      contains(message, "no pg_hba.conf entry") || contains(message, "SCRAM authentication")) {
    return make(core::ErrorCode::kUnauthenticated, what, message, target, kAuthHint);
  }
  if (contains(message, "database \"") && contains(message, "does not exist")) {
    return make(core::ErrorCode::kConfigError, what, message, target, "create the database or fix store.postgres.dbname");
  }
  if (contains(message, "timeout expired") || contains(message, "timed out")) {
    return make(core::ErrorCode::kTimeout, what, message, target);
  }
  if (contains(message, "invalid connection option") || contains(message, "invalid sslmode") ||
      contains(message, "invalid integer value") || contains(message, "missing \"=\"")) {
    return make(core::ErrorCode::kConfigError, what, message, target);
  }
  // Refused, unreachable, unknown host, server starting up or shutting down: try again later.
  return make(core::ErrorCode::kUnavailable, what, message, target);
}

bool is_connection_failure(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return true;
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) return true;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& s = sql->sqlstate();
    return s.rfind("08", 0) == 0 || s == "57P01" || s == "57P02" || s == "57P03";
  }
  return false;
}

core::Status postgres_error(const std::exception& e, std::string_view what, std::string_view target) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    if (!sql->sqlstate().empty()) return from_sqlstate(sql->sqlstate(), what, e.what(), target);
  }
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return make(core::ErrorCode::kUnavailable, what,
                std::string("the connection broke during commit, the outcome is unknown: ") + e.what(), target);
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    // Connection attempts come here too; their libpq message tells auth failures from outages.
    return postgres_connect_error(e.what(), what, target);
  }
  if (dynamic_cast<const pqxx::conversion_error*>(&e) != nullptr) {
    return make(core::ErrorCode::kIoError, what, std::string("unexpected value from the database: ") + e.what(), target);
  }
  if (dynamic_cast<const pqxx::usage_error*>(&e) != nullptr || dynamic_cast<const pqxx::internal_error*>(&e) != nullptr) {
    return make(core::ErrorCode::kInternal, what, e.what(), target);
  }
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) {
    return make(core::ErrorCode::kResourceExhausted, what, e.what(), target);
  }
  return make(core::ErrorCode::kInternal, what, e.what(), target);
}

}  // namespace nifty::store
