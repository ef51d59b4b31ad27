// Kite instruments dump loader: reads the CSV of GET /instruments (broker-protocols.md 1.10;
// columns instrument_token, exchange_token, tradingsymbol, name, last_price, expiry, strike,
// tick_size, lot_size, instrument_type, segment, exchange) and picks, for a model::Universe, the
// NSE equity rows (exchange NSE, segment NSE, type EQ) of its symbols and the index rows (segment
// INDICES) of its indices, giving token <-> symbol maps. The dump is the source of truth; the
// formula instrument_token = exchange_token * 256 + segment (1.9) is only a sanity check whose
// failures are listed. A line that does not parse is listed with its line number and skipped; only a
// universe symbol missing from the dump (or a wrong header) fails the load.
// The caller decompresses the gzipped download first. mStock's scrip master is not covered: the
// protocol notes say only that it is a JSON array, not which fields it has (2.1).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "model/instrument.h"
#include "model/symbol.h"

namespace nifty::feed::kite {

struct KiteInstrumentRow {
  uint32_t instrument_token = 0;
  uint32_t exchange_token = 0;
  std::string tradingsymbol;
  std::string name;
  std::string instrument_type;  // EQ, FUT, CE, PE
  std::string segment;          // NSE, NFO-OPT, INDICES, ...
  std::string exchange;         // NSE, BSE, ...
  int line = 0;                 // 1-based line in the dump
};

struct KiteBadLine {
  int line = 0;
  std::string reason;  // "line 17: 11 fields, expected 12"
};

struct KiteInstruments {
  std::unordered_map<model::Symbol, uint32_t> token_by_symbol;  // universe symbols only
  std::unordered_map<uint32_t, model::Symbol> symbol_by_token;
  std::vector<KiteInstrumentRow> rows;                          // the picked rows, in dump order
  std::vector<KiteBadLine> bad_lines;                           // skipped lines (any row of the dump)
  // Picked rows whose instrument_token != exchange_token * 256 + segment ("INFY: 408065 != 1594*256+1").
  std::vector<std::string> formula_mismatches;
  // Universe symbols whose token in the dump differs from the universe's kite_token.
  std::vector<std::string> universe_mismatches;
  uint64_t lines_read = 0;  // data lines (header excluded)
};

// Parses the dump text. Errors (kParseError / kNotFound) name `source_name`: a missing or wrong
// header, or universe symbols that the dump lacks (all of them listed).
core::Result<KiteInstruments> parse_kite_instruments(std::string_view csv, const model::Universe& universe,
                                                     std::string_view source_name);
// Reads `path` and parses it; kIoError when unreadable.
core::Result<KiteInstruments> load_kite_instruments(const std::string& path, const model::Universe& universe);

// The universe with the Kite tokens of the dump (equities; the index keeps its built-in token, whose
// mismatch is in universe_mismatches). Errors as model::Universe::parse_csv.
core::Result<model::Universe> universe_with_kite_tokens(const model::Universe& universe,
                                                        const KiteInstruments& instruments);

}  // namespace nifty::feed::kite
