#include "feed/mstock/mstock_symbols.h"

#include <charconv>

namespace nifty::feed::mstock {

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

const model::Instrument* MstockSymbols::find(uint8_t exchange_type, std::string_view token) const {
  if (exchange_type != static_cast<uint8_t>(MstockExchangeType::kNseCm)) return nullptr;
  auto t = parse_token(token);
  return t ? universe_->find_by_nse_token(*t) : nullptr;
}

std::optional<std::string> MstockSymbols::token_for(const model::Symbol& symbol) const {
  const model::Instrument* ins = universe_->find(symbol);
  if (ins == nullptr) return std::nullopt;
  return std::to_string(ins->nse_token);
}

core::Result<std::vector<std::string>> MstockSymbols::tokens_for(std::span<const model::Symbol> symbols) const {
  std::vector<std::string> out;
  out.reserve(symbols.size());
  for (const model::Symbol& s : symbols) {
    auto t = token_for(s);
    if (!t) return core::error(core::ErrorCode::kNotFound, "mstock: symbol " + s.str() + " is not in the universe");
    out.push_back(std::move(*t));
  }
  return out;
}

}  // namespace nifty::feed::mstock
