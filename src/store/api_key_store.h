// ApiKeyStore: the port through which the gateway's API keys are kept (spec "Security
// Architecture": keys looked up in the database behind a cache). A key is never stored: only its
// SHA-256 (32 bytes) is, beside a public id that logs and `nifty keys list|revoke` use.
// Adapters: memory/ (tests), sqlite/ (an `api_keys` table in the candle database file),
// postgres/ (the api_keys table of migration 0001).
//
// Contract shared by every adapter:
// - create() refuses an id or a hash already stored (kAlreadyExists), an empty id, a rate <= 0 or
//   a burst <= 0 (kInvalidArgument), writing nothing.
// - find_by_hash() answers revoked keys too (with revoked_at set): the caller decides.
// - revoke() stamps revoked_at once (a second revoke keeps the first time); kNotFound for an
//   unknown id.
// - list() returns every key, oldest first (ties by id).
//
// Threading: every adapter is safe to call from several threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/timestamp.h"

namespace nifty::store {

// SHA-256 of the key's text.
using ApiKeyHash = std::array<uint8_t, 32>;

struct ApiKey {
  // Public identifier ("k_3f9a1c0d"); safe to log.
  std::string id;
  ApiKeyHash key_hash{};
  // Free text for humans ("dashboard", "alice's script").
  std::string label;
  // "standard", "premium", ... (the gateway maps tiers to limits when a key is created).
  std::string tier = "standard";
  // Token bucket: refill rate (requests per second) and capacity (burst).
  double rate_per_second = 10.0;
  int32_t burst = 10;
  // Whole seconds (the SQLite adapter stores unix seconds).
  core::Timestamp created_at;
  std::optional<core::Timestamp> revoked_at;

  bool revoked() const { return revoked_at.has_value(); }
  bool operator==(const ApiKey&) const = default;
};

class ApiKeyStore {
 public:
  virtual ~ApiKeyStore() = default;
  virtual core::Status create(const ApiKey& key) = 0;
  virtual core::Result<std::optional<ApiKey>> find_by_hash(const ApiKeyHash& hash) = 0;
  virtual core::Result<std::vector<ApiKey>> list() = 0;
  virtual core::Status revoke(std::string_view id, core::Timestamp at) = 0;
  // "memory", "sqlite", "postgres".
  virtual std::string_view backend() const = 0;
};

// Lower-case hex of a key hash (64 characters), as the PostgreSQL and Redis adapters keep it.
std::string api_key_hash_hex(const ApiKeyHash& hash);
// The hash of 64 lower-case hex digits; nullopt for anything else.
std::optional<ApiKeyHash> api_key_hash_from_hex(std::string_view hex);

// Checks what create() requires (see the contract); the error names the key id and the field.
core::Status validate_api_key(const ApiKey& key);

}  // namespace nifty::store
