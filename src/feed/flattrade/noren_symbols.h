// NorenSymbols: Noren scrip keys ("NSE|2885") <-> instruments of a model::Universe, both ways.
// The Noren token of an NSE equity is its NSE token; the NIFTY 50 index is NSE|26000.
// Noren tokens are unique only within an exchange, so lookups take the exchange too.
// Holds a reference to the universe, which must outlive it. Immutable; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/instrument.h"

namespace nifty::feed::flattrade {

class NorenSymbols {
 public:
  explicit NorenSymbols(const model::Universe& universe) : universe_(&universe) {}

  // The instrument for exchange "NSE" and a token; nullptr when unknown (only NSE is in the universe).
  const model::Instrument* find(std::string_view exchange, uint32_t token) const;
  // The instrument for "NSE|2885"; nullptr when unknown or malformed.
  const model::Instrument* find_key(std::string_view key) const;
  // "NSE|2885" for a symbol of the universe; nullopt when unknown.
  std::optional<std::string> key_for(const model::Symbol& symbol) const;
  // Keys for a list of symbols; errors (kNotFound) name the first unknown symbol.
  core::Result<std::vector<std::string>> keys_for(std::span<const model::Symbol> symbols) const;

 private:
  const model::Universe* universe_;
};

// Parses a Noren token ("2885") into a number; nullopt unless it is 1-10 digits within uint32.
std::optional<uint32_t> parse_token(std::string_view text);

}  // namespace nifty::feed::flattrade
