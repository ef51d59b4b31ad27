// The CandleStore and SignalStore contracts against PostgreSQL: each test gets its own database,
// migrated, so the suites run in parallel with the others.
#include <memory>

#include "candle_store_contract.h"
#include "pg_test_support.h"
#include "signal_store_contract.h"
#include "store/postgres/migrations.h"
#include "store/postgres/postgres_candle_store.h"
#include "store/postgres/postgres_signal_store.h"

namespace nifty::store {
namespace {

// A store that owns its test database: the store closes its connections before the drop.
template <typename Port, typename Store>
class OwningStore : public Port {
 public:
  OwningStore(std::unique_ptr<pgtest::TestDatabase> db, std::unique_ptr<Store> store)
      : db_(std::move(db)), store_(std::move(store)) {}
  ~OwningStore() override { store_.reset(); }
  Store& store() { return *store_; }

 protected:
  std::unique_ptr<pgtest::TestDatabase> db_;
  std::unique_ptr<Store> store_;
};

class OwningCandleStore final : public OwningStore<CandleStore, PostgresCandleStore> {
 public:
  using OwningStore::OwningStore;
  core::Status upsert(std::span<const model::Candle> c) override { return store_->upsert(c); }
  core::Result<std::vector<model::Candle>> last_n(const model::Symbol& s, model::Interval i, size_t n) override {
    return store_->last_n(s, i, n);
  }
  core::Result<std::vector<model::Candle>> range(const model::Symbol& s, model::Interval i, core::Timestamp from,
                                                 core::Timestamp to) override {
    return store_->range(s, i, from, to);
  }
  core::Result<std::vector<model::Symbol>> symbols(model::Interval i) override { return store_->symbols(i); }
  core::Result<int64_t> count(model::Interval i) override { return store_->count(i); }
  std::string_view backend() const override { return store_->backend(); }
};

class OwningSignalStore final : public OwningStore<SignalStore, PostgresSignalStore> {
 public:
  using OwningStore::OwningStore;
  core::Status append(const model::Signal& s) override { return store_->append(s); }
  core::Status append_all(std::span<const model::Signal> s) override { return store_->append_all(s); }
  core::Result<std::vector<model::Signal>> range(core::Timestamp from, core::Timestamp to,
                                                 std::optional<model::Symbol> symbol) override {
    return store_->range(from, to, symbol);
  }
  std::string_view backend() const override { return store_->backend(); }
};

void skip_without_server() {
  GTEST_SKIP() << "NIFTY_TEST_POSTGRES_DIR is not set (run through ctest, which starts the test server)";
}

// A migrated private database, or nullptr (after GTEST_SKIP when no server is configured, or a
// failure when it is configured but unusable).
std::unique_ptr<pgtest::TestDatabase> migrated_database() {
  auto url = pgtest::server_url();
  if (!url) {
    skip_without_server();
    return nullptr;
  }
  auto db = std::make_unique<pgtest::TestDatabase>(*url);
  if (!db->ok()) return nullptr;
  auto m = migrate(db->config());
  EXPECT_TRUE(m.is_ok()) << m.status().to_string();
  if (!m.is_ok()) return nullptr;
  return db;
}

std::unique_ptr<CandleStore> make_postgres_candles(const testing::TempDir&) {
  auto db = migrated_database();
  if (db == nullptr) return nullptr;
  auto r = PostgresCandleStore::open(db->config());
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  if (!r.is_ok()) return nullptr;
  return std::make_unique<OwningCandleStore>(std::move(db), std::move(r).value());
}

std::unique_ptr<SignalStore> make_postgres_signals(const testing::TempDir&) {
  auto db = migrated_database();
  if (db == nullptr) return nullptr;
  auto r = PostgresSignalStore::open(db->config());
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  if (!r.is_ok()) return nullptr;
  return std::make_unique<OwningSignalStore>(std::move(db), std::move(r).value());
}

INSTANTIATE_TEST_SUITE_P(Postgres, CandleStoreContract,
                         ::testing::Values(CandleStoreContractBackend{"postgres", make_postgres_candles}),
                         [](const auto& info) { return std::string(info.param.name); });
INSTANTIATE_TEST_SUITE_P(Postgres, SignalStoreContract,
                         ::testing::Values(SignalStoreContractBackend{"postgres", make_postgres_signals}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace nifty::store

// libpqxx 6.4 leaks the PGresult of a failed statement when the server goes away under it (seen
// only in ThePoolRecoversOnTheNextCallAfterARestart; the stack is wholly inside libpqxx/libpq).
// LeakSanitizer reads this hook; the suppression covers leaks allocated under libpqxx only.
extern "C" const char* __lsan_default_suppressions() { return "leak:libpqxx-6.4.so\n"; }
