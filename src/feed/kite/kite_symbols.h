// Symbols: Kite instrument token <-> Symbol, both ways, for the instruments of a model::Universe.
// Kite tokens come from the universe (the instruments dump); an equity without one gets
// nse_token * 256 + 1. Lookup by token is an open-addressing table: no allocation, no hashing of
// strings, a few nanoseconds on the parse hot path.
// Immutable after create(); safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "model/instrument.h"
#include "model/symbol.h"

namespace nifty::feed::kite {

class Symbols {
 public:
  // Fails (kInvalidArgument) on an index without a Kite token, a token of 0, or a token used twice.
  static core::Result<Symbols> create(const model::Universe& universe);

  // The symbol of a Kite instrument token; nullptr when the token is not in the universe.
  const model::Symbol* symbol_of(uint32_t kite_token) const {
    uint32_t i = slot_of(kite_token);
    while (slots_[i].token != 0) {
      if (slots_[i].token == kite_token) return &entries_[slots_[i].entry].symbol;
      i = (i + 1) & mask_;
    }
    return nullptr;
  }
  // The Kite instrument token of a symbol, if it is in the universe.
  std::optional<uint32_t> token_of(const model::Symbol& symbol) const;
  // Every Kite token, in universe order (what to subscribe).
  std::vector<uint32_t> tokens() const;
  size_t size() const { return entries_.size(); }
  // Equities whose Kite token is not nse_token * 256 + 1 (kept as given; worth a warning).
  const std::vector<model::Symbol>& formula_mismatches() const { return formula_mismatches_; }

 private:
  Symbols() = default;
  struct Entry {
    model::Symbol symbol;
    uint32_t token = 0;
  };
  struct Slot {
    uint32_t token = 0;  // 0 = empty (no instrument has token 0)
    uint32_t entry = 0;
  };
  uint32_t slot_of(uint32_t token) const { return static_cast<uint32_t>((token * 2654435761u) >> shift_) & mask_; }

  std::vector<Entry> entries_;
  std::vector<Slot> slots_;
  uint32_t mask_ = 0;
  uint32_t shift_ = 0;
  std::unordered_map<model::Symbol, uint32_t> by_symbol_;
  std::vector<model::Symbol> formula_mismatches_;
};

}  // namespace nifty::feed::kite
