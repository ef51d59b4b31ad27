#include "feed/mstock/mstock_totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace nifty::feed::mstock {

core::Result<std::vector<uint8_t>> decode_base32(std::string_view text) {
  std::vector<uint8_t> out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a';
    } else if (c >= '2' && c <= '7') {
      v = c - '2' + 26;
    } else if (c == ' ' || c == '-' || c == '=') {
      continue;
    } else {
      return core::error(core::ErrorCode::kInvalidArgument,
                         "base32 secret: bad character at position " + std::to_string(i));
    }
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((buffer >> bits) & 0xFF));
    }
  }
  if (out.empty()) return core::error(core::ErrorCode::kInvalidArgument, "base32 secret is empty");
  return out;
}

core::Result<std::string> totp_from_key(std::span<const uint8_t> key, int64_t unix_seconds, int digits,
                                        int period_seconds) {
  if (digits < 6 || digits > 8) return core::error(core::ErrorCode::kInvalidArgument, "totp digits must be 6-8");
  if (period_seconds <= 0) return core::error(core::ErrorCode::kInvalidArgument, "totp period must be positive");
  if (unix_seconds < 0) return core::error(core::ErrorCode::kInvalidArgument, "totp time before 1970");
  if (key.empty()) return core::error(core::ErrorCode::kInvalidArgument, "totp key is empty");
  uint64_t counter = static_cast<uint64_t>(unix_seconds / period_seconds);
  uint8_t msg[8];
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<uint8_t>(counter & 0xFF);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), msg, sizeof msg, mac, &mac_len) == nullptr ||
      mac_len != 20) {
    return core::error(core::ErrorCode::kInternal, "totp: HMAC-SHA1 failed");
  }
  // Dynamic truncation (RFC 4226 5.3).
  int off = mac[19] & 0x0F;
  uint32_t code = (static_cast<uint32_t>(mac[off] & 0x7F) << 24) | (static_cast<uint32_t>(mac[off + 1]) << 16) |
                  (static_cast<uint32_t>(mac[off + 2]) << 8) | static_cast<uint32_t>(mac[off + 3]);
  uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  std::string s = std::to_string(code % mod);
  return std::string(static_cast<size_t>(digits) - s.size(), '0') + s;
}

core::Result<std::string> totp(std::string_view secret_base32, int64_t unix_seconds, int digits,
                               int period_seconds) {
  auto key = decode_base32(secret_base32);
  if (!key.is_ok()) return key.status();
  return totp_from_key(*key, unix_seconds, digits, period_seconds);
}

}  // namespace nifty::feed::mstock
