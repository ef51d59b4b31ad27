// MstockSymbols: mStock Type B tokens ("1594", exchange type 1 = NSECM) <-> instruments of a
// model::Universe, both ways. The mStock token of an NSE equity is its NSE token. The NIFTY 50
// index token for Type B streaming is UNCONFIRMED (broker-protocols.md 2.3); the universe's
// NSE token 26000 is used until a capture says otherwise.
// Holds a reference to the universe, which must outlive it. Immutable; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "feed/mstock/mstock_messages.h"
#include "model/instrument.h"

namespace nifty::feed::mstock {

class MstockSymbols {
 public:
  explicit MstockSymbols(const model::Universe& universe) : universe_(&universe) {}

  // The instrument for an exchange type and a token string; nullptr when unknown (only NSECM).
  const model::Instrument* find(uint8_t exchange_type, std::string_view token) const;
  // The token string ("1594") for a symbol of the universe; nullopt when unknown.
  std::optional<std::string> token_for(const model::Symbol& symbol) const;
  // Tokens for a list of symbols (all NSECM); errors (kNotFound) name the first unknown symbol.
  core::Result<std::vector<std::string>> tokens_for(std::span<const model::Symbol> symbols) const;

 private:
  const model::Universe* universe_;
};

// Parses a token string of 1-10 digits within uint32.
std::optional<uint32_t> parse_token(std::string_view text);

}  // namespace nifty::feed::mstock
