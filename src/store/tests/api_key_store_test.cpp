// The ApiKeyStore contract (store/api_key_store.h), run against the memory and SQLite adapters.
#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "store/memory/memory_api_key_store.h"
#include "store/sqlite/sqlite_api_key_store.h"

namespace nifty::store {
namespace {

using core::ErrorCode;
using core::Timestamp;

ApiKey make_key(std::string id, uint8_t fill, int64_t created_s) {
  ApiKey k;
  k.id = std::move(id);
  k.key_hash.fill(fill);
  k.label = "label of " + k.id;
  k.tier = "premium";
  k.rate_per_second = 50.0;
  k.burst = 100;
  k.created_at = Timestamp::from_seconds(created_s);
  return k;
}

using Factory = std::function<std::unique_ptr<ApiKeyStore>()>;

class ApiKeyStoreContract : public ::testing::TestWithParam<Factory> {};

TEST_P(ApiKeyStoreContract, FindsByHashWhatWasCreated) {
  auto store = GetParam()();
  ApiKey a = make_key("k_a", 1, 1'700'000'000);
  ASSERT_TRUE(store->create(a).is_ok());
  auto found = store->find_by_hash(a.key_hash);
  ASSERT_TRUE(found.is_ok()) << found.status().to_string();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, a);
  ApiKeyHash other{};
  other.fill(9);
  auto missing = store->find_by_hash(other);
  ASSERT_TRUE(missing.is_ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(ApiKeyStoreContract, RefusesDuplicateIdsAndHashesAndBadLimits) {
  auto store = GetParam()();
  ASSERT_TRUE(store->create(make_key("k_a", 1, 10)).is_ok());
  EXPECT_EQ(store->create(make_key("k_a", 2, 10)).code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(store->create(make_key("k_b", 1, 10)).code(), ErrorCode::kAlreadyExists);
  ApiKey bad = make_key("k_c", 3, 10);
  bad.burst = 0;
  EXPECT_EQ(store->create(bad).code(), ErrorCode::kInvalidArgument);
  bad = make_key("k_c", 3, 10);
  bad.rate_per_second = -1;
  EXPECT_EQ(store->create(bad).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store->list()->size(), 1u);
}

TEST_P(ApiKeyStoreContract, RevokeStampsOnceAndUnknownIdIsNotFound) {
  auto store = GetParam()();
  ApiKey a = make_key("k_a", 1, 10);
  ASSERT_TRUE(store->create(a).is_ok());
  ASSERT_TRUE(store->revoke("k_a", Timestamp::from_seconds(20)).is_ok());
  ASSERT_TRUE(store->revoke("k_a", Timestamp::from_seconds(30)).is_ok());
  auto found = store->find_by_hash(a.key_hash);
  ASSERT_TRUE(found.is_ok() && found->has_value());
  ASSERT_TRUE((*found)->revoked_at.has_value());
  EXPECT_EQ(*(*found)->revoked_at, Timestamp::from_seconds(20));
  EXPECT_EQ(store->revoke("k_nope", Timestamp::from_seconds(20)).code(), ErrorCode::kNotFound);
}

TEST_P(ApiKeyStoreContract, ListsOldestFirst) {
  auto store = GetParam()();
  ASSERT_TRUE(store->create(make_key("k_late", 1, 300)).is_ok());
  ASSERT_TRUE(store->create(make_key("k_early", 2, 100)).is_ok());
  ASSERT_TRUE(store->create(make_key("k_mid", 3, 200)).is_ok());
  auto all = store->list();
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, "k_early");
  EXPECT_EQ((*all)[1].id, "k_mid");
  EXPECT_EQ((*all)[2].id, "k_late");
}

INSTANTIATE_TEST_SUITE_P(Memory, ApiKeyStoreContract,
                         ::testing::Values(Factory([] { return std::make_unique<MemoryApiKeyStore>(); })));
INSTANTIATE_TEST_SUITE_P(Sqlite, ApiKeyStoreContract, ::testing::Values(Factory([]() -> std::unique_ptr<ApiKeyStore> {
                           SqliteConfig c;
                           c.path = ":memory:";
                           auto s = SqliteApiKeyStore::open(c);
                           EXPECT_TRUE(s.is_ok()) << s.status().to_string();
                           return std::move(s).value();
                         })));

}  // namespace
}  // namespace nifty::store
