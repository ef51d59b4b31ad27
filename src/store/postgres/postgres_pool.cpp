#include "store/postgres/postgres_pool.h"

#include <algorithm>

#include "core/log.h"

namespace nifty::store {

PostgresPool::PostgresPool(const PostgresConfig& config, Setup setup)
    : conninfo_(postgres_conninfo(config)),
      target_(postgres_target(config)),
      setup_(std::move(setup)),
      slots_(static_cast<size_t>(std::max(1, config.pool_size))) {}

PostgresPool::~PostgresPool() = default;

uint64_t PostgresPool::reconnects() const {
  std::lock_guard lock(mu_);
  return reconnects_;
}

core::Status PostgresPool::connect(Slot& slot, std::string_view what) {
  // Runs without mu_: connecting may take up to connect_timeout. The slot is ours (busy).
  slot.connection.reset();
  std::unique_ptr<pqxx::connection> conn;
  try {
    conn = std::make_unique<pqxx::connection>(conninfo_);
    if (setup_) setup_(*conn);
  } catch (const std::exception& e) {
    return postgres_error(e, std::string(what) + ": connect", target_);
  } catch (...) {
    return core::error(core::ErrorCode::kInternal, std::string(what) + ": connect: unknown exception (" + target_ + ")");
  }
  slot.connection = std::move(conn);
  return core::Status::ok();
}

core::Status PostgresPool::acquire(std::string_view what, Lease& lease) {
  Slot* slot = nullptr;
  uint64_t generation = 0;
  {
    std::unique_lock lock(mu_);
    auto free_slot = [&]() -> Slot* {
      // Prefer a slot with a live connection so that idle pools do not open needless connections.
      Slot* empty = nullptr;
      for (Slot& s : slots_) {
        if (s.busy) continue;
        if (s.connection && s.generation >= generation_) return &s;
        if (empty == nullptr) empty = &s;
      }
      return empty;
    };
    if (!freed_.wait_for(lock, kAcquireTimeout, [&] { return free_slot() != nullptr; })) {
      return core::error(core::ErrorCode::kTimeout, std::string(what) + ": all " + std::to_string(slots_.size()) +
                                                        " connections stayed busy for " +
                                                        std::to_string(kAcquireTimeout.count()) + " s (" + target_ + ")");
    }
    slot = free_slot();
    slot->busy = true;
    generation = generation_;
  }
  lease.slot = slot;
  lease.fresh = false;
  if (!slot->connection || slot->generation < generation) {
    core::Status s = connect(*slot, what);
    if (!s.is_ok()) {
      std::lock_guard lock(mu_);
      slot->busy = false;
      freed_.notify_one();
      lease.slot = nullptr;
      return s;
    }
    slot->generation = generation;
    lease.fresh = true;
  }
  lease.connection = slot->connection.get();
  return core::Status::ok();
}

void PostgresPool::release(Lease& lease, bool broken) {
  if (lease.slot == nullptr) return;
  std::unique_ptr<pqxx::connection> dead;
  {
    std::lock_guard lock(mu_);
    if (broken) {
      dead = std::move(lease.slot->connection);
      // The others were opened before the failure too: a server restart broke them all.
      generation_ = std::max(generation_, lease.slot->generation + 1);
      ++reconnects_;
    }
    lease.slot->busy = false;
  }
  freed_.notify_one();
  if (broken) {
    core::Logger::get("store").warn("postgres connection lost; replacing it", {{"target", target_}});
  }
  lease.slot = nullptr;
  lease.connection = nullptr;
  // `dead` closes outside the lock.
}

core::Status PostgresPool::check_connect() {
  return run("check the connection", [](pqxx::connection&) { return core::Status::ok(); });
}

}  // namespace nifty::store
