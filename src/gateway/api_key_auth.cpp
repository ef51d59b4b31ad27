#include "gateway/api_key_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <mutex>

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

namespace {

int64_t local_ttl_of(const store::HotCache* cache, const ApiKeyAuthOptions& o) {
  if (cache == nullptr) return std::chrono::duration_cast<std::chrono::nanoseconds>(o.cache_ttl).count();
  return o.cache_ttl.count() > 0 ? o.local_ttl.count() : 0;
}

}  // namespace

ApiKeyAuth::ApiKeyAuth(store::ApiKeyStore& store, store::HotCache* cache, const core::Clock& clock,
                       ApiKeyAuthOptions options)
    : store_(store),
      cache_(cache),
      clock_(clock),
      options_(options),
      local_ttl_nanos_(std::max<int64_t>(0, local_ttl_of(cache, options))) {}

std::optional<store::ApiKey> ApiKeyAuth::local_find(const store::ApiKeyHash& hash, core::Timestamp now) {
  if (local_ttl_nanos_ == 0) return std::nullopt;
  {
    std::shared_lock lk(mu_);
    auto it = local_.find(hash);
    if (it == local_.end()) return std::nullopt;
    if (it->second.expires > now) return it->second.key;
  }
  std::unique_lock lk(mu_);
  auto it = local_.find(hash);
  if (it != local_.end() && !(it->second.expires > now)) local_.erase(it);
  return std::nullopt;
}

void ApiKeyAuth::local_put(const store::ApiKeyHash& hash, const store::ApiKey& key, core::Timestamp now) {
  if (local_ttl_nanos_ == 0) return;
  std::unique_lock lk(mu_);
  local_.insert_or_assign(hash, Entry{key, now + local_ttl_nanos_});
}

core::Result<Principal> ApiKeyAuth::authenticate(std::string_view key) {
  if (key.empty()) return core::error(core::ErrorCode::kUnauthenticated, "missing X-API-KEY header");
  const store::ApiKeyHash hash = hash_api_key(key);
  const core::Timestamp now = clock_.now();
  const bool use_hot = cache_ != nullptr && options_.cache_ttl.count() > 0;
  std::optional<store::ApiKey> found = local_find(hash, now);
  if (!found && use_hot) {
    auto hot = cache_->api_key(hash);
    if (!hot.is_ok()) {
      cache_errors_.fetch_add(1, std::memory_order_relaxed);
    } else if (hot->has_value()) {
      found = std::move(**hot);
      local_put(hash, *found, now);
    }
  }
  if (found) {
    cache_hits_.fetch_add(1, std::memory_order_relaxed);
  } else {
    cache_misses_.fetch_add(1, std::memory_order_relaxed);
    auto r = store_.find_by_hash(hash);
    if (!r.is_ok()) {
      store_errors_.fetch_add(1, std::memory_order_relaxed);
      return core::error(core::ErrorCode::kUnavailable, "api key store unavailable: " + r.status().message());
    }
    if (!r->has_value()) return core::error(core::ErrorCode::kUnauthenticated, "unknown API key");
    found = std::move(**r);
    if (use_hot) {
      if (!cache_->set_api_key(hash, *found, options_.cache_ttl).is_ok()) {
        cache_errors_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    local_put(hash, *found, now);
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
  {
    std::unique_lock lk(mu_);
    for (auto it = local_.begin(); it != local_.end();) {
      it = it->second.key.id == key_id ? local_.erase(it) : std::next(it);
    }
  }
  if (cache_ == nullptr) return core::Status::ok();
  auto all = store_.list();
  if (!all.is_ok()) {
    return core::error(all.status().code(), "API key '" + std::string(key_id) +
                                                "' revoked in the store, but its hash could not be read to drop it "
                                                "from the hot cache (it expires there within the TTL): " +
                                                all.status().message());
  }
  for (const auto& k : *all) {
    if (k.id != key_id) continue;
    core::Status s = cache_->drop_api_key(k.key_hash);
    if (!s.is_ok()) {
      return core::error(s.code(), "API key '" + std::string(key_id) + "' revoked in the store; " + s.message());
    }
  }
  return core::Status::ok();
}

ApiKeyAuth::Stats ApiKeyAuth::stats() const {
  Stats s;
  s.cache_hits = cache_hits_.load(std::memory_order_relaxed);
  s.cache_misses = cache_misses_.load(std::memory_order_relaxed);
  s.cache_errors = cache_errors_.load(std::memory_order_relaxed);
  s.store_errors = store_errors_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace nifty::gateway
