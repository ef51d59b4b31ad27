#include "feed/kite/kite_symbols.h"

#include <string>

#include "feed/kite/kite_messages.h"

namespace nifty::feed::kite {

using core::ErrorCode;

core::Result<Symbols> Symbols::create(const model::Universe& universe) {
  Symbols s;
  uint32_t capacity = 8;
  while (capacity < universe.size() * 2 + 2) capacity *= 2;  // load factor <= 1/2
  uint32_t bits = 0;
  while ((1u << bits) < capacity) ++bits;
  s.slots_.assign(capacity, Slot{});
  s.mask_ = capacity - 1;
  s.shift_ = 32 - bits;
  for (const model::Instrument& ins : universe.instruments()) {
    uint32_t token = ins.kite_token;
    uint32_t from_formula = instrument_token(ins.nse_token, Segment::kNse);
    if (ins.kind == model::InstrumentKind::kEquity) {
      if (token == 0) token = from_formula;
      else if (token != from_formula) s.formula_mismatches_.push_back(ins.symbol);
    }
    if (token == 0)
      return core::error(ErrorCode::kInvalidArgument, "kite symbols: " + ins.symbol.str() + " has no Kite token");
    if (s.symbol_of(token))
      return core::error(ErrorCode::kInvalidArgument, "kite symbols: token " + std::to_string(token) +
                                                          " used by both " + s.symbol_of(token)->str() + " and " +
                                                          ins.symbol.str());
    if (s.by_symbol_.count(ins.symbol))
      return core::error(ErrorCode::kInvalidArgument, "kite symbols: duplicate symbol " + ins.symbol.str());
    auto entry = static_cast<uint32_t>(s.entries_.size());
    s.entries_.push_back(Entry{ins.symbol, token});
    s.by_symbol_.emplace(ins.symbol, entry);
    uint32_t i = s.slot_of(token);
    while (s.slots_[i].token != 0) i = (i + 1) & s.mask_;
    s.slots_[i] = Slot{token, entry};
  }
  return s;
}

std::optional<uint32_t> Symbols::token_of(const model::Symbol& symbol) const {
  auto it = by_symbol_.find(symbol);
  if (it == by_symbol_.end()) return std::nullopt;
  return entries_[it->second].token;
}

std::vector<uint32_t> Symbols::tokens() const {
  std::vector<uint32_t> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(e.token);
  return out;
}

}  // namespace nifty::feed::kite
