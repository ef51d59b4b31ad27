#include "store/api_key_store.h"

#include <cmath>

namespace nifty::store {

core::Status validate_api_key(const ApiKey& key) {
  if (key.id.empty()) return core::error(core::ErrorCode::kInvalidArgument, "api key: empty id");
  if (!(key.rate_per_second > 0.0) || !std::isfinite(key.rate_per_second)) {
    return core::error(core::ErrorCode::kInvalidArgument,
                       "api key '" + key.id + "': rate_per_second must be a positive number");
  }
  if (key.burst <= 0) {
    return core::error(core::ErrorCode::kInvalidArgument, "api key '" + key.id + "': burst must be positive");
  }
  if (key.tier.empty()) return core::error(core::ErrorCode::kInvalidArgument, "api key '" + key.id + "': empty tier");
  return core::Status::ok();
}

std::string api_key_hash_hex(const ApiKeyHash& hash) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(hash.size() * 2);
  for (uint8_t b : hash) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

std::optional<ApiKeyHash> api_key_hash_from_hex(std::string_view hex) {
  ApiKeyHash out{};
  if (hex.size() != out.size() * 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace nifty::store
