#include "gateway/api_key_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>

#include "core/check.h"

namespace nifty::gateway {

namespace {

std::string random_hex(size_t bytes) {
  unsigned char buf[64];
  NIFTY_CHECK(bytes <= sizeof(buf), "random_hex: too many bytes");
  NIFTY_CHECK(RAND_bytes(buf, static_cast<int>(bytes)) == 1, "RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (size_t i = 0; i < bytes; ++i) {
    out.push_back(kHex[buf[i] >> 4]);
    out.push_back(kHex[buf[i] & 0xf]);
  }
  return out;
}

}  // namespace

store::ApiKeyHash hash_api_key(std::string_view key) {
  store::ApiKeyHash out{};
  unsigned int len = 0;
  NIFTY_CHECK(EVP_Digest(key.data(), key.size(), out.data(), &len, EVP_sha256(), nullptr) == 1 && len == out.size(),
              "EVP_Digest(sha256) failed");
  return out;
}

std::string generate_api_key() { return "nk_" + random_hex(20); }
std::string generate_key_id() { return "k_" + random_hex(6); }

bool constant_time_equal(const store::ApiKeyHash& a, const store::ApiKeyHash& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

size_t ApiKeyAuth::HashOfHash::operator()(const store::ApiKeyHash& h) const noexcept {
  size_t v = 0;
  std::memcpy(&v, h.data(), sizeof(v));  // already uniformly distributed
  return v;
}

ApiKeyAuth::ApiKeyAuth(store::ApiKeyStore& store, const core::Clock& clock, std::chrono::nanoseconds cache_ttl)
    : store_(store), clock_(clock), ttl_nanos_(cache_ttl.count()) {}

core::Result<Principal> ApiKeyAuth::authenticate(std::string_view key) {
  if (key.empty()) return core::error(core::ErrorCode::kUnauthenticated, "missing X-API-KEY header");
  const store::ApiKeyHash hash = hash_api_key(key);
  const core::Timestamp now = clock_.now();
  std::optional<store::ApiKey> found;
  {
    std::lock_guard lk(mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && it->second.expires > now) {
      ++stats_.cache_hits;
      found = it->second.key;
    } else {
      if (it != cache_.end()) cache_.erase(it);
      ++stats_.cache_misses;
    }
  }
  if (!found) {
    auto r = store_.find_by_hash(hash);
    if (!r.is_ok()) {
      std::lock_guard lk(mu_);
      ++stats_.store_errors;
      return core::error(core::ErrorCode::kUnavailable, "api key store unavailable: " + r.status().message());
    }
    if (!r->has_value()) return core::error(core::ErrorCode::kUnauthenticated, "unknown API key");
    found = std::move(**r);
    std::lock_guard lk(mu_);
    cache_[hash] = Entry{*found, now + ttl_nanos_};
  }
  if (!constant_time_equal(found->key_hash, hash)) {
    return core::error(core::ErrorCode::kUnauthenticated, "unknown API key");
  }
  if (found->revoked_at && *found->revoked_at <= now) {
    return core::error(core::ErrorCode::kUnauthenticated, "API key '" + found->id + "' has been revoked");
  }
  return Principal{found->id, found->tier, found->rate_per_second, static_cast<double>(found->burst)};
}

core::Status ApiKeyAuth::revoke(std::string_view key_id) {
  NIFTY_RETURN_IF_ERROR(store_.revoke(key_id, clock_.now()));
  std::lock_guard lk(mu_);
  for (auto it = cache_.begin(); it != cache_.end();) {
    it = it->second.key.id == key_id ? cache_.erase(it) : std::next(it);
  }
  return core::Status::ok();
}

ApiKeyAuth::Stats ApiKeyAuth::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

}  // namespace nifty::gateway
