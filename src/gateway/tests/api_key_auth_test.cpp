// ApiKeyAuth: hashing, cache-aside lookups through the hot cache (memory, on a manual clock; and a
// real Redis shared by two instances) and the revocation bound.
#include "gateway/api_key_auth.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "store/memory/memory_api_key_store.h"
#include "store/memory/memory_hot_cache.h"
#include "store/redis/redis_hot_cache.h"
#include "store/redis/tests/redis_test_util.h"

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

using std::chrono::minutes;
using std::chrono::seconds;

ApiKeyAuthOptions ttl(std::chrono::seconds cache_ttl, std::chrono::nanoseconds local_ttl = {}) {
  return ApiKeyAuthOptions{.cache_ttl = cache_ttl, .local_ttl = local_ttl};
}

// --- through the hot cache (the memory adapter, TTLs on the manual clock) ---

TEST(ApiKeyAuth, HotCacheHitDoesNotReadTheStore) {
  CountingStore store;  // empty: only the hot cache knows the key
  core::ManualClock clock(Timestamp::from_seconds(1000));
  store::MemoryHotCache cache(store::kDefaultRecentCandles, &clock);
  ASSERT_TRUE(cache.set_api_key(hash_api_key("secret-1"), key_for("secret-1", "k_1"), seconds(300)).is_ok());
  ApiKeyAuth auth(store, &cache, clock, ttl(minutes(5)));
  auto p = auth.authenticate("secret-1");
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->key_id, "k_1");
  EXPECT_EQ(p->tier, "standard");
  EXPECT_EQ(store.finds, 0);
  EXPECT_EQ(auth.stats().cache_hits, 1u);
}

TEST(ApiKeyAuth, MissReadsTheStoreAndCachesTheRecordInTheHotCacheForTheTtl) {
  CountingStore store;
  ASSERT_TRUE(store.create(key_for("secret-1", "k_1")).is_ok());
  core::ManualClock clock(Timestamp::from_seconds(1000));
  store::MemoryHotCache cache(store::kDefaultRecentCandles, &clock);
  ApiKeyAuth auth(store, &cache, clock, ttl(minutes(5)));
  ASSERT_TRUE(auth.authenticate("secret-1").is_ok());
  EXPECT_EQ(store.finds, 1);
  auto cached = cache.api_key(hash_api_key("secret-1"));
  ASSERT_TRUE(cached.is_ok() && cached->has_value());
  EXPECT_EQ(**cached, key_for("secret-1", "k_1"));
  // A second gateway on the same hot cache finds it there.
  ApiKeyAuth other(store, &cache, clock, ttl(minutes(5)));
  ASSERT_TRUE(other.authenticate("secret-1").is_ok());
  EXPECT_EQ(store.finds, 1);
  clock.advance_to(Timestamp::from_seconds(1000 + 299));
  ASSERT_TRUE(auth.authenticate("secret-1").is_ok());
  EXPECT_EQ(store.finds, 1);  // hit
  clock.advance_to(Timestamp::from_seconds(1000 + 300));
  ASSERT_TRUE(auth.authenticate("secret-1").is_ok());
  EXPECT_EQ(store.finds, 2);  // expired in the hot cache: read again, cached again
  clock.advance_to(Timestamp::from_seconds(1000 + 599));
  ASSERT_TRUE(auth.authenticate("secret-1").is_ok());
  EXPECT_EQ(store.finds, 2);
  EXPECT_EQ(auth.stats().cache_misses, 2u);
}

TEST(ApiKeyAuth, RevokedInTheStoreIsAcceptedUntilTheHotCacheTtlThenRefused) {
  CountingStore store;
  ASSERT_TRUE(store.create(key_for("secret-1", "k_1")).is_ok());
  core::ManualClock clock(Timestamp::from_seconds(1000));
  store::MemoryHotCache cache(store::kDefaultRecentCandles, &clock);
  ApiKeyAuth auth(store, &cache, clock, ttl(minutes(5)));
  ASSERT_TRUE(auth.authenticate("secret-1").is_ok());  // cached at 1000, until 1300
  // Revoked in the store by other means (e.g. SQL): the cached record still says "not revoked".
  ASSERT_TRUE(store.revoke("k_1", Timestamp::from_seconds(1001)).is_ok());
  clock.advance_to(Timestamp::from_seconds(1299));
  EXPECT_TRUE(auth.authenticate("secret-1").is_ok());
  clock.advance_to(Timestamp::from_seconds(1300));
  auto r = auth.authenticate("secret-1");
  EXPECT_EQ(r.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find("k_1"), std::string::npos) << r.status().message();
}

TEST(ApiKeyAuth, RevokeDropsTheKeyFromTheHotCacheSoEveryGatewayRefusesItAtOnce) {
  CountingStore store;
  ASSERT_TRUE(store.create(key_for("secret-1", "k_1")).is_ok());
  ASSERT_TRUE(store.create(key_for("secret-2", "k_2")).is_ok());
  core::ManualClock clock(Timestamp::from_seconds(1000));
  store::MemoryHotCache cache(store::kDefaultRecentCandles, &clock);
  ApiKeyAuth a(store, &cache, clock, ttl(minutes(5)));
  ApiKeyAuth b(store, &cache, clock, ttl(minutes(5)));
  ASSERT_TRUE(a.authenticate("secret-1").is_ok());
  ASSERT_TRUE(b.authenticate("secret-1").is_ok());
  ASSERT_TRUE(b.authenticate("secret-2").is_ok());
  clock.advance_to(Timestamp::from_seconds(1001));
  ASSERT_TRUE(a.revoke("k_1").is_ok());
  auto cached = cache.api_key(hash_api_key("secret-1"));
  ASSERT_TRUE(cached.is_ok());
  EXPECT_FALSE(cached->has_value());
  EXPECT_EQ(a.authenticate("secret-1").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(b.authenticate("secret-1").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_TRUE(b.authenticate("secret-2").is_ok());  // other keys untouched
  EXPECT_EQ(a.revoke("k_404").code(), ErrorCode::kNotFound);
}

TEST(ApiKeyAuth, ChecksTheHashAndTheRevocationOfEveryCachedRecord) {
  CountingStore store;
  core::ManualClock clock(Timestamp::from_seconds(1000));
  store::MemoryHotCache cache(store::kDefaultRecentCandles, &clock);
  // A record under the wrong hash (a corrupt cache) is refused, not trusted.
  ASSERT_TRUE(cache.set_api_key(hash_api_key("secret-1"), key_for("other", "k_x"), seconds(300)).is_ok());
  // A record revoked in the past is refused straight from the cache.
  store::ApiKey revoked = key_for("secret-2", "k_2");
  revoked.revoked_at = Timestamp::from_seconds(900);
  ASSERT_TRUE(cache.set_api_key(hash_api_key("secret-2"), revoked, seconds(300)).is_ok());
  ApiKeyAuth auth(store, &cache, clock, ttl(minutes(5)));
  EXPECT_EQ(auth.authenticate("secret-1").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth.authenticate("secret-2").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(store.finds, 0);
}

TEST(ApiKeyAuth, LocalLayerAddsItsTtlToTheRevocationBound) {
  CountingStore store;
  ASSERT_TRUE(store.create(key_for("secret-1", "k_1")).is_ok());
  core::ManualClock clock(Timestamp::from_seconds(1000));
  store::MemoryHotCache cache(store::kDefaultRecentCandles, &clock);
  ApiKeyAuth a(store, &cache, clock, ttl(minutes(5)));
  ApiKeyAuth b(store, &cache, clock, ttl(minutes(5), seconds(1)));
  ASSERT_TRUE(b.authenticate("secret-1").is_ok());  // b's local entry until 1001
  ASSERT_TRUE(a.revoke("k_1").is_ok());
  EXPECT_TRUE(b.authenticate("secret-1").is_ok());  // within b's local TTL
  clock.advance_to(Timestamp::from_seconds(1001));
  EXPECT_EQ(b.authenticate("secret-1").status().code(), ErrorCode::kUnauthenticated);
}

TEST(ApiKeyAuth, ZeroTtlCachesNothing) {
  CountingStore store;
  ASSERT_TRUE(store.create(key_for("secret-1", "k_1")).is_ok());
  core::ManualClock clock(Timestamp::from_seconds(1000));
  store::MemoryHotCache cache(store::kDefaultRecentCandles, &clock);
  ApiKeyAuth auth(store, &cache, clock, ttl(seconds(0), seconds(1)));
  ASSERT_TRUE(auth.authenticate("secret-1").is_ok());
  ASSERT_TRUE(auth.authenticate("secret-1").is_ok());
  EXPECT_EQ(store.finds, 2);
  auto cached = cache.api_key(hash_api_key("secret-1"));
  ASSERT_TRUE(cached.is_ok());
  EXPECT_FALSE(cached->has_value());
}

TEST(MemoryHotCache, ApiKeyRecordsExpireOnTheInjectedClock) {
  core::ManualClock clock(Timestamp::from_seconds(1000));
  store::MemoryHotCache cache(store::kDefaultRecentCandles, &clock);
  const auto h = hash_api_key("secret-1");
  ASSERT_TRUE(cache.set_api_key(h, key_for("secret-1", "k_1"), seconds(10)).is_ok());
  EXPECT_EQ(cache.set_api_key(h, key_for("secret-1", "k_1"), seconds(0)).code(), ErrorCode::kInvalidArgument);
  clock.advance_to(Timestamp::from_nanos(1009'999'999'999));
  EXPECT_TRUE(cache.api_key(h)->has_value());
  clock.advance_to(Timestamp::from_seconds(1010));
  EXPECT_FALSE(cache.api_key(h)->has_value());
  EXPECT_TRUE(cache.drop_api_key(h).is_ok());  // nothing there: still ok
}

// --- without a hot cache: records cached in this process (the previous behaviour) ---

TEST(ApiKeyAuth, WithoutAHotCacheCachesInProcessForTheTtl) {
  CountingStore store;
  ASSERT_TRUE(store.create(key_for("secret-1", "k_1")).is_ok());
  core::ManualClock clock(Timestamp::from_seconds(1000));
  ApiKeyAuth auth(store, nullptr, clock, ttl(minutes(5)));
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
  ApiKeyAuth auth(store, nullptr, clock, ttl(minutes(5)));
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
  ApiKeyAuth auth(store, nullptr, clock);
  ASSERT_TRUE(auth.authenticate("secret-1").is_ok());
  ASSERT_TRUE(auth.revoke("k_1").is_ok());
  EXPECT_EQ(auth.authenticate("secret-1").status().code(), ErrorCode::kUnauthenticated);
}

TEST(ApiKeyAuth, MissingUnknownAndStoreDown) {
  CountingStore store;
  core::ManualClock clock(Timestamp::from_seconds(1000));
  ApiKeyAuth auth(store, nullptr, clock);
  EXPECT_EQ(auth.authenticate("").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth.authenticate("nope").status().code(), ErrorCode::kUnauthenticated);
  store.down = true;
  EXPECT_EQ(auth.authenticate("nope").status().code(), ErrorCode::kUnavailable);
}

// --- two gateways sharing one Redis (a private redis-server for this test) ---

TEST(ApiKeyAuth, GatewaysSharingRedisStoreTheKeyHashedWithTheTtlAndSeeARevokeAtOnce) {
  store::testing::OwnRedis server;
  ASSERT_TRUE(server.start()) << "could not start redis-server with " << store::testing::redis_script();
  auto cfg = server.config();
  auto cache_a = store::RedisHotCache::open(cfg);  // one per gateway process
  auto cache_b = store::RedisHotCache::open(cfg);
  ASSERT_TRUE(cache_a.is_ok() && cache_b.is_ok());
  CountingStore store;  // the shared database
  const std::string key_text = "nk_the-raw-key-text-0123456789";
  ASSERT_TRUE(store.create(key_for(key_text, "k_1")).is_ok());
  core::ManualClock clock(Timestamp::from_seconds(1000));
  ApiKeyAuth a(store, cache_a->get(), clock, ttl(minutes(5)));
  ApiKeyAuth b(store, cache_b->get(), clock, ttl(minutes(5)));

  ASSERT_TRUE(a.authenticate(key_text).is_ok());
  EXPECT_EQ(store.finds, 1);
  ASSERT_TRUE(b.authenticate(key_text).is_ok());  // from Redis, written by a
  EXPECT_EQ(store.finds, 1);

  // In Redis: one key, named by the SHA-256 (hex computed here from the bytes), with the TTL; the
  // raw key appears in no name and no value.
  const auto h = hash_api_key(key_text);
  std::string hex;
  for (uint8_t byte : h) {
    char two[3];
    std::snprintf(two, sizeof two, "%02x", byte);
    hex += two;
  }
  store::testing::RawRedis raw(cfg);
  ASSERT_TRUE(raw.ok());
  const std::string name = "api_key:" + hex;
  long long remaining = std::atoll(raw.str("TTL %s", name.c_str()).c_str());
  EXPECT_GT(remaining, 290);
  EXPECT_LE(remaining, 300);
  EXPECT_EQ(raw.str("DBSIZE"), "1");
  EXPECT_EQ(raw.str("GET %s", name.c_str()).find(key_text), std::string::npos);
  EXPECT_EQ(raw.str("KEYS %s", ("*" + key_text + "*").c_str()), "(array 0)");

  // Revoked through gateway a: gateway b refuses it on its very next request.
  ASSERT_TRUE(a.revoke("k_1").is_ok());
  EXPECT_EQ(raw.str("EXISTS %s", name.c_str()), "0");
  auto refused = b.authenticate(key_text);
  EXPECT_EQ(refused.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(a.authenticate(key_text).status().code(), ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace nifty::gateway
