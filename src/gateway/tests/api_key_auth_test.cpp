// ApiKeyAuth: hashing, cache-aside lookups and the revocation bound, on a manual clock.
#include "gateway/api_key_auth.h"

#include <gtest/gtest.h>

#include "store/memory/memory_api_key_store.h"

namespace nifty::gateway {
namespace {

using core::ErrorCode;
using core::Timestamp;

// Counts lookups and can fail, over a memory store.
class CountingStore final : public store::ApiKeyStore {
 public:
  core::Status create(const store::ApiKey& k) override { return inner.create(k); }
  core::Result<std::optional<store::ApiKey>> find_by_hash(const store::ApiKeyHash& h) override {
    ++finds;
    if (down) return core::error(ErrorCode::kUnavailable, "down");
    return inner.find_by_hash(h);
  }
  core::Result<std::vector<store::ApiKey>> list() override { return inner.list(); }
  core::Status revoke(std::string_view id, Timestamp at) override { return inner.revoke(id, at); }
  std::string_view backend() const override { return "counting"; }
  store::MemoryApiKeyStore inner;
  int finds = 0;
  bool down = false;
};

store::ApiKey key_for(std::string_view text, std::string id) {
  store::ApiKey k;
  k.id = std::move(id);
  k.key_hash = hash_api_key(text);
  k.tier = "standard";
  k.created_at = Timestamp::from_seconds(100);
  return k;
}

TEST(ApiKeyHash, IsSha256OfTheKeyText) {
  // SHA-256("abc") from FIPS 180-2, appendix B.1.
  const uint8_t expected[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  auto h = hash_api_key("abc");
  EXPECT_TRUE(std::equal(h.begin(), h.end(), expected));
  EXPECT_TRUE(constant_time_equal(h, hash_api_key("abc")));
  EXPECT_FALSE(constant_time_equal(h, hash_api_key("abd")));
}

TEST(ApiKeyHash, GeneratedKeysAreLongAndDistinct) {
  std::string a = generate_api_key(), b = generate_api_key();
  EXPECT_EQ(a.size(), 43u);
  EXPECT_NE(a, b);
  EXPECT_NE(generate_key_id(), generate_key_id());
}

TEST(ApiKeyAuth, CachesForTheTtlThenReadsTheStoreAgain) {
  CountingStore store;
  ASSERT_TRUE(store.create(key_for("secret-1", "k_1")).is_ok());
  core::ManualClock clock(Timestamp::from_seconds(1000));
  ApiKeyAuth auth(store, clock, std::chrono::minutes(5));
  auto p = auth.authenticate("secret-1");
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->key_id, "k_1");
  EXPECT_EQ(store.finds, 1);
  clock.advance_to(Timestamp::from_seconds(1000 + 299));
  ASSERT_TRUE(auth.authenticate("secret-1").is_ok());
  EXPECT_EQ(store.finds, 1);  // hit
  clock.advance_to(Timestamp::from_seconds(1000 + 300));
  ASSERT_TRUE(auth.authenticate("secret-1").is_ok());
  EXPECT_EQ(store.finds, 2);  // expired: read again
}

TEST(ApiKeyAuth, RevokedInTheStoreStopsWithinTheTtl) {
  CountingStore store;
  ASSERT_TRUE(store.create(key_for("secret-1", "k_1")).is_ok());
  core::ManualClock clock(Timestamp::from_seconds(1000));
  ApiKeyAuth auth(store, clock, std::chrono::minutes(5));
  ASSERT_TRUE(auth.authenticate("secret-1").is_ok());
  // Another process revokes it in the store: this cache may trust it until its entry expires.
  ASSERT_TRUE(store.revoke("k_1", Timestamp::from_seconds(1001)).is_ok());
  clock.advance_to(Timestamp::from_seconds(1001 + 300));
  auto r = auth.authenticate("secret-1");
  EXPECT_EQ(r.status().code(), ErrorCode::kUnauthenticated);
}

TEST(ApiKeyAuth, RevokeThroughAuthStopsAtOnce) {
  CountingStore store;
  ASSERT_TRUE(store.create(key_for("secret-1", "k_1")).is_ok());
  core::ManualClock clock(Timestamp::from_seconds(1000));
  ApiKeyAuth auth(store, clock);
  ASSERT_TRUE(auth.authenticate("secret-1").is_ok());
  ASSERT_TRUE(auth.revoke("k_1").is_ok());
  EXPECT_EQ(auth.authenticate("secret-1").status().code(), ErrorCode::kUnauthenticated);
}

TEST(ApiKeyAuth, MissingUnknownAndStoreDown) {
  CountingStore store;
  core::ManualClock clock(Timestamp::from_seconds(1000));
  ApiKeyAuth auth(store, clock);
  EXPECT_EQ(auth.authenticate("").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth.authenticate("nope").status().code(), ErrorCode::kUnauthenticated);
  store.down = true;
  EXPECT_EQ(auth.authenticate("nope").status().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace nifty::gateway
