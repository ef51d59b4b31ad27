// The SignalStore contract (signal_store_contract.h) against the embedded adapters: sqlite and memory.
#include "signal_store_contract.h"

#include "store/memory/memory_signal_store.h"
#include "store/sqlite/sqlite_signal_store.h"

namespace nifty::store {
namespace {

std::unique_ptr<SignalStore> make_sqlite(const testing::TempDir& dir) {
  auto r = SqliteSignalStore::open({.path = dir.file("contract.db")});
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  if (!r.is_ok()) return nullptr;
  return std::move(r).value();
}

std::unique_ptr<SignalStore> make_memory(const testing::TempDir&) { return std::make_unique<MemorySignalStore>(); }

INSTANTIATE_TEST_SUITE_P(Backends, SignalStoreContract,
                         ::testing::Values(SignalStoreContractBackend{"sqlite", make_sqlite},
                                           SignalStoreContractBackend{"memory", make_memory}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace nifty::store
