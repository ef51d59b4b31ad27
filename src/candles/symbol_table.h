// SymbolTable: an open-addressing hash index from Symbol to a dense slot number (0, 1, 2, ... in
// order of first sight), used by the candle stages to keep per-symbol state in a flat vector.
// Lookups never allocate; inserting a new symbol may grow the table (warm-up only).
// Not thread-safe: owned by one stage on one thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "model/symbol.h"

namespace nifty::candles {

class SymbolTable {
 public:
  static constexpr int32_t kAbsent = -1;

  SymbolTable() { rehash(64); }

  // The slot of `symbol`, or kAbsent.
  int32_t find(const model::Symbol& symbol) const {
    const uint64_t h = hash(symbol);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const int32_t slot = buckets_[i];
      if (slot == kAbsent) return kAbsent;
      if (keys_[static_cast<size_t>(slot)] == symbol) return slot;
    }
  }

  // The slot of `symbol`, adding it (as slot size()) when new; `inserted` says which.
  int32_t find_or_insert(const model::Symbol& symbol, bool& inserted) {
    const uint64_t h = hash(symbol);
    size_t i = h & mask_;
    for (;; i = (i + 1) & mask_) {
      const int32_t slot = buckets_[i];
      if (slot == kAbsent) break;
      if (keys_[static_cast<size_t>(slot)] == symbol) {
        inserted = false;
        return slot;
      }
    }
    inserted = true;
    const auto slot = static_cast<int32_t>(keys_.size());
    keys_.push_back(symbol);
    if (keys_.size() * 2 > buckets_.size()) {
      rehash(buckets_.size() * 2);
    } else {
      buckets_[i] = slot;
    }
    return slot;
  }

  size_t size() const { return keys_.size(); }
  const model::Symbol& symbol(int32_t slot) const { return keys_[static_cast<size_t>(slot)]; }

 private:
  static_assert(sizeof(model::Symbol) == 24, "hash reads a Symbol as three words");

  static uint64_t hash(const model::Symbol& symbol) {
    uint64_t w[3];
    std::memcpy(w, &symbol, sizeof w);
    uint64_t h = w[0] * 0x9E3779B97F4A7C15ull;
    h ^= (w[1] + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
    h ^= (w[2] + 0x85EBCA77C2B2AE63ull) * 0x165667B19E3779F9ull;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    return h;
  }

  void rehash(size_t bucket_count) {
    buckets_.assign(bucket_count, kAbsent);
    mask_ = bucket_count - 1;
    for (size_t s = 0; s < keys_.size(); ++s) {
      size_t i = hash(keys_[s]) & mask_;
      while (buckets_[i] != kAbsent) i = (i + 1) & mask_;
      buckets_[i] = static_cast<int32_t>(s);
    }
  }

  std::vector<int32_t> buckets_;
  std::vector<model::Symbol> keys_;
  size_t mask_ = 0;
};

}  // namespace nifty::candles
