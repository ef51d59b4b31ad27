// PostgresPool: a small pool of libpqxx connections shared by one store. Internal to the postgres
// adapter (the only header here that includes libpqxx).
//
// Each connection serves one call at a time. Connections are opened lazily (each attempt bounded by
// PostgresConfig::connect_timeout) and set up by the owner's callback (temp tables, prepared
// statements). When a call finds its connection broken (server restart, network cut), that
// connection and every other one opened before the failure are replaced, and the call is tried
// once more on a fresh connection: every operation of the stores is idempotent, so a retry after
// an unknown outcome is safe.
//
// Threading: thread-safe; run() blocks while all connections are busy (bounded, kTimeout).
#pragma once

#include <pqxx/pqxx>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/postgres/postgres_config.h"
#include "store/postgres/postgres_errors.h"

namespace nifty::store {

class PostgresPool {
 public:
  // Called on every new connection before its first use; may throw (pqxx).
  using Setup = std::function<void(pqxx::connection&)>;

  PostgresPool(const PostgresConfig& config, Setup setup);
  ~PostgresPool();
  PostgresPool(const PostgresPool&) = delete;
  PostgresPool& operator=(const PostgresPool&) = delete;

  // Runs fn(connection) -> core::Status on a pooled connection; see the header comment for retries.
  template <typename Fn>
  core::Status run(std::string_view what, Fn&& fn) {
    for (int attempt = 0;; ++attempt) {
      Lease lease;
      core::Status s = acquire(what, lease);
      if (!s.is_ok()) return s;
      bool broken = false;
      try {
        s = fn(*lease.connection);
      } catch (const std::exception& e) {
        broken = is_connection_failure(e);
        s = postgres_error(e, what, target_);
      } catch (...) {
        s = core::error(core::ErrorCode::kInternal, std::string(what) + ": unknown exception (" + target_ + ")");
      }
      release(lease, broken);
      // A fresh connection that fails is a real outage: report it instead of looping.
      if (!broken || lease.fresh || attempt > 0) return s;
    }
  }

  // Opens one connection now (open() uses it to fail fast on a bad address or password).
  core::Status check_connect();

  // "nifty@127.0.0.1:5432/nifty".
  const std::string& target() const { return target_; }
  // Connections replaced after a failure since construction (for tests and metrics).
  uint64_t reconnects() const;

  // How long run() waits for a free connection before failing with kTimeout.
  static constexpr std::chrono::seconds kAcquireTimeout{30};

 private:
  struct Slot {
    std::unique_ptr<pqxx::connection> connection;
    uint64_t generation = 0;
    bool busy = false;
  };
  struct Lease {
    Slot* slot = nullptr;
    pqxx::connection* connection = nullptr;
    bool fresh = false;  // opened by this acquire()
  };

  core::Status acquire(std::string_view what, Lease& lease);
  void release(Lease& lease, bool broken);
  core::Status connect(Slot& slot, std::string_view what);

  const std::string conninfo_;
  const std::string target_;
  Setup setup_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<Slot> slots_;
  uint64_t generation_ = 1;  // connections older than this are replaced before use
  uint64_t reconnects_ = 0;
};

}  // namespace nifty::store
