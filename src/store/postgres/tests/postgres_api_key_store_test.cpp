// PostgresApiKeyStore against a real server: the ApiKeyStore contract (see store/api_key_store.h).
#include <gtest/gtest.h>

#include "pg_test_support.h"
#include "store/postgres/migrations.h"
#include "store/postgres/postgres_api_key_store.h"

namespace nifty::store {
namespace {

ApiKey make_key(std::string id, uint8_t fill, int64_t created_s) {
  ApiKey k;
  k.id = std::move(id);
  for (size_t i = 0; i < k.key_hash.size(); ++i) k.key_hash[i] = static_cast<uint8_t>(fill + i * 7);  // 0x00 and 0xff too
  k.label = "it's \"quoted\"";
  k.tier = "premium";
  k.rate_per_second = 50.5;
  k.burst = 100;
  k.created_at = core::Timestamp::from_seconds(created_s);
  return k;
}

TEST(PostgresApiKeyStore, KeepsTheContract) {
  auto url = pgtest::server_url();
  if (!url) GTEST_SKIP() << "NIFTY_TEST_POSTGRES_DIR is not set";
  pgtest::TestDatabase db(*url);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(migrate(db.config()).is_ok());
  auto opened = PostgresApiKeyStore::open(db.config());
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  auto& store = *opened.value();

  ApiKey a = make_key("k_a", 0, 1'700'000'200);
  ApiKey b = make_key("k_b", 1, 1'700'000'100);
  ASSERT_TRUE(store.create(a).is_ok());
  ASSERT_TRUE(store.create(b).is_ok());
  EXPECT_EQ(store.create(a).code(), core::ErrorCode::kAlreadyExists);
  ApiKey same_hash = make_key("k_c", 0, 1);
  EXPECT_EQ(store.create(same_hash).code(), core::ErrorCode::kAlreadyExists);

  auto found = store.find_by_hash(a.key_hash);
  ASSERT_TRUE(found.is_ok()) << found.status().to_string();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(**found, a);

  auto all = store.list();
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "k_b");  // created first

  ASSERT_TRUE(store.revoke("k_a", core::Timestamp::from_seconds(1'700'000'300)).is_ok());
  ASSERT_TRUE(store.revoke("k_a", core::Timestamp::from_seconds(1'700'000'400)).is_ok());
  found = store.find_by_hash(a.key_hash);
  ASSERT_TRUE(found.is_ok() && found->has_value());
  EXPECT_EQ((*found)->revoked_at, core::Timestamp::from_seconds(1'700'000'300));
  EXPECT_EQ(store.revoke("k_none", core::Timestamp::from_seconds(1)).code(), core::ErrorCode::kNotFound);
}

}  // namespace
}  // namespace nifty::store
