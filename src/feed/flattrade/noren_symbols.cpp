#include "feed/flattrade/noren_symbols.h"

#include <charconv>

namespace nifty::feed::flattrade {

std::optional<uint32_t> parse_token(std::string_view text) {
  if (text.empty() || text.size() > 10) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  uint32_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

const model::Instrument* NorenSymbols::find(std::string_view exchange, uint32_t token) const {
  if (exchange != "NSE") return nullptr;
  return universe_->find_by_nse_token(token);
}

const model::Instrument* NorenSymbols::find_key(std::string_view key) const {
  size_t bar = key.find('|');
  if (bar == std::string_view::npos) return nullptr;
  auto token = parse_token(key.substr(bar + 1));
  if (!token) return nullptr;
  return find(key.substr(0, bar), *token);
}

std::optional<std::string> NorenSymbols::key_for(const model::Symbol& symbol) const {
  const model::Instrument* ins = universe_->find(symbol);
  if (ins == nullptr) return std::nullopt;
  return "NSE|" + std::to_string(ins->nse_token);
}

core::Result<std::vector<std::string>> NorenSymbols::keys_for(std::span<const model::Symbol> symbols) const {
  std::vector<std::string> keys;
  keys.reserve(symbols.size());
  for (const model::Symbol& s : symbols) {
    auto key = key_for(s);
    if (!key) {
      return core::error(core::ErrorCode::kNotFound, "flattrade: symbol " + s.str() + " is not in the universe");
    }
    keys.push_back(std::move(*key));
  }
  return keys;
}

}  // namespace nifty::feed::flattrade
