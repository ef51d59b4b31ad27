// The CandleStore contract (candle_store_contract.h) against the embedded adapters: sqlite and memory.
#include "candle_store_contract.h"

#include "store/memory/memory_candle_store.h"
#include "store/sqlite/sqlite_candle_store.h"

namespace nifty::store {
namespace {

std::unique_ptr<CandleStore> make_sqlite(const testing::TempDir& dir) {
  auto r = SqliteCandleStore::open({.path = dir.file("contract.db")});
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  if (!r.is_ok()) return nullptr;
  return std::move(r).value();
}

std::unique_ptr<CandleStore> make_memory(const testing::TempDir&) { return std::make_unique<MemoryCandleStore>(); }

INSTANTIATE_TEST_SUITE_P(Backends, CandleStoreContract,
                         ::testing::Values(CandleStoreContractBackend{"sqlite", make_sqlite},
                                           CandleStoreContractBackend{"memory", make_memory}),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace nifty::store
