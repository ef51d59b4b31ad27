// ApiKeyAuth: checks the X-API-KEY of a request with the spec's cache-aside flow: the hot cache
// (store::HotCache: Redis when [cache] backend = "redis", shared by every gateway on that Redis;
// the in-process memory cache in the embedded default), then on a miss the ApiKeyStore, whose
// record is then put in the hot cache for `cache_ttl` (5 minutes by default). Keys are never
// stored, cached or logged: the store and the cache are keyed by SHA-256(key) (Redis key
// api_key:<sha256 hex>), and the hash of every record used is compared with the hash computed in
// constant time (CRYPTO_memcmp); the revoked check runs on every request, hit or miss.
//
// Revocation bound:
// - revoke() here (and `nifty keys revoke`) revokes in the store, then drops the record from the
//   hot cache: every gateway sharing that hot cache refuses the key from the next request on. (A
//   lookup racing the revoke — its store read done before the revoke, its cache write after the
//   drop — can put the old record back; it lasts at most `cache_ttl`.)
// - a key revoked in the store by other means keeps working until its hot-cache record expires:
//   at most `cache_ttl` after a gateway last read it from the store.
// - with `local_ttl` > 0 an in-process layer sits in front of the hot cache, and a gateway may
//   serve a record it took from the hot cache for `local_ttl` more (bounds: `local_ttl` after a
//   revoke(), `cache_ttl` + `local_ttl` otherwise). Off by default; the Gateway turns it on with
//   kGatewayLocalKeyTtl (1 s): see there why.
// - a hot cache that cannot drop the record (Redis down) makes revoke() answer kUnavailable after
//   the store revoked it: the record left in Redis lives out its TTL.
// Without a hot cache (null) records are cached in this process for `cache_ttl`. A `cache_ttl` of
// 0 caches nothing: every request reads the store. Unknown keys are never cached (a key created a
// moment ago works at once). A hot cache that fails to answer is skipped: the store decides.
//
// Threading: thread-safe. The hot cache and the store are called without any lock held.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"
#include "store/api_key_store.h"
#include "store/hot_cache.h"

namespace nifty::gateway {

// SHA-256 of a key's text.
store::ApiKeyHash hash_api_key(std::string_view key);
// A new random key: "nk_" + 40 hex characters (160 bits from the OpenSSL CSPRNG).
std::string generate_api_key();
// A new public key id: "k_" + 12 hex characters.
std::string generate_key_id();
// Equality in time independent of where the hashes differ.
bool constant_time_equal(const store::ApiKeyHash& a, const store::ApiKeyHash& b);

// Who made a request.
struct Principal {
  std::string key_id;
  std::string tier;
  double rate_per_second = 0.0;
  double burst = 0.0;
};

// The in-process layer of the Gateway. A Redis GET per request costs a round trip on the adapter's
// one read connection (shared, under a mutex): measured with redis-benchmark -c 1 on this 2-core
// machine, 23 us p50 and about 6,000 GET/s under the load of a shared machine, against the 40 k
// req/s asked of /api/v1/analyze (64 k with in-process lookups). One second keeps Redis reads at one
// per key per second per gateway, and adds 1 s to the revocation bound.
inline constexpr std::chrono::seconds kGatewayLocalKeyTtl{1};

struct ApiKeyAuthOptions {
  // How long a record read from the store is cached (the hot cache's TTL; whole seconds); 0 = no
  // caching. The revocation bound for keys revoked in the store by other means.
  std::chrono::seconds cache_ttl{300};
  // In-process layer in front of the hot cache (ignored without one); 0 = none.
  std::chrono::nanoseconds local_ttl{0};
};

class ApiKeyAuth {
 public:
  // `cache` may be null (records are then cached in this process); store, cache and clock must
  // outlive this object.
  ApiKeyAuth(store::ApiKeyStore& store, store::HotCache* cache, const core::Clock& clock,
             ApiKeyAuthOptions options = {});

  // kUnauthenticated for a missing, unknown or revoked key (the message says which, never the
  // key); kUnavailable when the store cannot be read.
  core::Result<Principal> authenticate(std::string_view key);
  // Revokes in the store, then drops the key from the hot cache and this process's layer.
  // kNotFound for an unknown id; kUnavailable when the hot cache could not drop it (revoked in the
  // store all the same: see the bound above).
  core::Status revoke(std::string_view key_id);

  struct Stats {
    uint64_t cache_hits = 0;    // records taken from the hot cache or the local layer
    uint64_t cache_misses = 0;  // lookups that went to the store
    uint64_t cache_errors = 0;  // hot cache reads or writes that failed (the store answered)
    uint64_t store_errors = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    store::ApiKey key;
    core::Timestamp expires;
  };
  struct HashOfHash {
    size_t operator()(const store::ApiKeyHash& h) const noexcept;
  };
  // The local layer's record for `hash`, when fresh at `now`.
  std::optional<store::ApiKey> local_find(const store::ApiKeyHash& hash, core::Timestamp now);
  void local_put(const store::ApiKeyHash& hash, const store::ApiKey& key, core::Timestamp now);

  store::ApiKeyStore& store_;
  store::HotCache* const cache_;
  const core::Clock& clock_;
  const ApiKeyAuthOptions options_;
  // Lifetime of a local entry; 0 = no local layer.
  const int64_t local_ttl_nanos_;
  mutable std::shared_mutex mu_;
  std::unordered_map<store::ApiKeyHash, Entry, HashOfHash> local_;  // guarded by mu_
  std::atomic<uint64_t> cache_hits_{0}, cache_misses_{0}, cache_errors_{0}, store_errors_{0};
};

}  // namespace nifty::gateway
