// Instrument and Universe: what a live feed subscribes to. The universe is read from a CSV
// (symbol,nse_token,kite_token) such as ../shared/data/nifty50.csv, plus the NIFTY 50 index.
// Immutable after load; safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "model/symbol.h"

namespace nifty::model {

enum class InstrumentKind : uint8_t { kEquity, kIndex };

struct Instrument {
  Symbol symbol;
  InstrumentKind kind = InstrumentKind::kEquity;
  uint32_t nse_token = 0;   // NSE exchange token; also the Noren (Flattrade) and mStock token
  uint32_t kite_token = 0;  // Kite instrument token (= nse_token * 256 + 1 for NSE equities)
  std::string noren_key;    // "NSE|2885", "NSE|26000" for the index
  bool has_volume() const { return kind == InstrumentKind::kEquity; }
};

class Universe {
 public:
  // The NIFTY 50 index itself: Kite 256265, Noren NSE|26000, no volume.
  static Instrument nifty50_index();
  // Parses "symbol,nse_token,kite_token" with a header line; adds the NIFTY 50 index.
  // Errors name the source and line.
  static core::Result<Universe> parse_csv(std::string_view text, std::string_view source_name);
  static core::Result<Universe> load_csv(const std::string& path);

  const std::vector<Instrument>& instruments() const { return instruments_; }
  const Instrument* find(const Symbol& symbol) const;
  const Instrument* find_by_kite_token(uint32_t token) const;
  const Instrument* find_by_nse_token(uint32_t token) const;
  size_t size() const { return instruments_.size(); }

 private:
  void index();
  std::vector<Instrument> instruments_;
  std::unordered_map<Symbol, size_t> by_symbol_;
  std::unordered_map<uint32_t, size_t> by_kite_;
  std::unordered_map<uint32_t, size_t> by_nse_;
};

}  // namespace nifty::model
