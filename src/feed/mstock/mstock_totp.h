// TOTP (RFC 6238) for the mStock Type B login: HMAC-SHA1 over the 30-second time step, with the
// secret given in base32 as authenticator apps take it. HMAC comes from OpenSSL's libcrypto.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace nifty::feed::mstock {

// Decodes RFC 4648 base32 (case-insensitive; spaces, dashes and '=' padding ignored).
core::Result<std::vector<uint8_t>> decode_base32(std::string_view text);

// The TOTP code at `unix_seconds` ("287082"), zero-padded to `digits` (6-8). Errors on a bad
// secret, digits or period, or a negative time.
core::Result<std::string> totp(std::string_view secret_base32, int64_t unix_seconds, int digits = 6,
                               int period_seconds = 30);
// The same from raw key bytes.
core::Result<std::string> totp_from_key(std::span<const uint8_t> key, int64_t unix_seconds, int digits = 6,
                                        int period_seconds = 30);

}  // namespace nifty::feed::mstock
