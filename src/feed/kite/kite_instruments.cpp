#include "feed/kite/kite_instruments.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "feed/kite/kite_messages.h"

namespace nifty::feed::kite {

namespace {

using core::ErrorCode;

constexpr std::string_view kColumns[] = {"instrument_token", "exchange_token", "tradingsymbol", "name",
                                         "last_price",       "expiry",         "strike",        "tick_size",
                                         "lot_size",         "instrument_type", "segment",      "exchange"};
constexpr size_t kColumnCount = 12;

// Splits one CSV line; double-quoted fields may hold commas and "" escapes. False on an
// unterminated quote.
bool split_line(std::string_view line, std::vector<std::string>& fields) {
  fields.clear();
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (quoted) return false;
  fields.push_back(std::move(cur));
  return true;
}

bool parse_u32(std::string_view s, uint32_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::optional<Segment> segment_named(std::string_view segment, std::string_view exchange) {
  if (segment == "INDICES") return Segment::kIndices;
  if (segment == "NSE") return Segment::kNse;
  if (segment == "BSE") return Segment::kBse;
  if (segment.starts_with("NFO")) return Segment::kNfo;
  if (segment.starts_with("BFO")) return Segment::kBfo;
  if (segment.starts_with("CDS")) return Segment::kCds;
  if (segment.starts_with("BCD")) return Segment::kBcd;
  if (segment.starts_with("MCX")) return Segment::kMcx;
  (void)exchange;
  return std::nullopt;
}

}  // namespace

core::Result<KiteInstruments> parse_kite_instruments(std::string_view csv, const model::Universe& universe,
                                                     std::string_view source_name) {
  const std::string src(source_name);
  KiteInstruments out;
  std::vector<std::string> fields;
  size_t pos = 0;
  int line_no = 0;
  bool header_seen = false;
  std::unordered_set<std::string> picked_symbols;
  while (pos < csv.size()) {
    size_t end = csv.find('\n', pos);
    if (end == std::string_view::npos) end = csv.size();
    std::string_view line = csv.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (!header_seen) {
      header_seen = true;
      if (!split_line(line, fields) || fields.size() != kColumnCount) {
        return core::error(ErrorCode::kParseError, src + ": line " + std::to_string(line_no) +
                                                       ": not the Kite instruments header (expected 12 columns "
                                                       "instrument_token,...,exchange)");
      }
      for (size_t i = 0; i < kColumnCount; ++i) {
        if (fields[i] != kColumns[i]) {
          return core::error(ErrorCode::kParseError, src + ": line " + std::to_string(line_no) + ": column " +
                                                         std::to_string(i + 1) + " is \"" + fields[i] +
                                                         "\", expected \"" + std::string(kColumns[i]) + "\"");
        }
      }
      continue;
    }
    ++out.lines_read;
    auto bad = [&](std::string reason) {
      out.bad_lines.push_back({line_no, src + ": line " + std::to_string(line_no) + ": " + std::move(reason)});
    };
    if (!split_line(line, fields)) {
      bad("unterminated quote");
      continue;
    }
    if (fields.size() != kColumnCount) {
      bad(std::to_string(fields.size()) + " fields, expected 12");
      continue;
    }
    KiteInstrumentRow row;
    if (!parse_u32(fields[0], row.instrument_token) || row.instrument_token == 0) {
      bad("bad instrument_token \"" + fields[0] + "\"");
      continue;
    }
    if (!parse_u32(fields[1], row.exchange_token)) {
      bad("bad exchange_token \"" + fields[1] + "\"");
      continue;
    }
    row.tradingsymbol = fields[2];
    row.name = fields[3];
    row.instrument_type = fields[9];
    row.segment = fields[10];
    row.exchange = fields[11];
    row.line = line_no;

    const model::Instrument* inst = nullptr;
    if (model::Symbol::valid(row.tradingsymbol)) inst = universe.find(model::Symbol(row.tradingsymbol));
    if (inst == nullptr) continue;
    bool wanted = inst->kind == model::InstrumentKind::kEquity
                      ? (row.exchange == "NSE" && row.segment == "NSE" && row.instrument_type == "EQ")
                      : row.segment == "INDICES";
    if (!wanted) continue;
    if (!picked_symbols.insert(row.tradingsymbol).second) {
      bad("second row for " + row.tradingsymbol + " (kept the first)");
      continue;
    }
    if (auto seg = segment_named(row.segment, row.exchange);
        seg && instrument_token(row.exchange_token, *seg) != row.instrument_token) {
      out.formula_mismatches.push_back(row.tradingsymbol + ": " + std::to_string(row.instrument_token) + " != " +
                                       std::to_string(row.exchange_token) + "*256+" +
                                       std::to_string(static_cast<int>(*seg)));
    }
    if (inst->kite_token != 0 && inst->kite_token != row.instrument_token) {
      out.universe_mismatches.push_back(row.tradingsymbol + ": dump " + std::to_string(row.instrument_token) +
                                        ", universe " + std::to_string(inst->kite_token));
    }
    out.token_by_symbol[inst->symbol] = row.instrument_token;
    out.symbol_by_token[row.instrument_token] = inst->symbol;
    out.rows.push_back(std::move(row));
  }
  if (!header_seen) return core::error(ErrorCode::kParseError, src + ": empty file (no header)");
  std::string missing;
  size_t missing_count = 0;
  for (const auto& inst : universe.instruments()) {
    if (out.token_by_symbol.count(inst.symbol) == 0) {
      if (missing_count++ > 0) missing += ", ";
      missing += inst.symbol.str();
    }
  }
  if (missing_count > 0) {
    return core::error(ErrorCode::kNotFound, src + ": " + std::to_string(missing_count) +
                                                 " universe symbol(s) not in the dump: " + missing);
  }
  return out;
}

core::Result<KiteInstruments> load_kite_instruments(const std::string& path, const model::Universe& universe) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::error(ErrorCode::kIoError, "cannot read Kite instruments file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_kite_instruments(ss.str(), universe, path);
}

core::Result<model::Universe> universe_with_kite_tokens(const model::Universe& universe,
                                                        const KiteInstruments& instruments) {
  std::string csv = "symbol,nse_token,kite_token\n";
  for (const auto& inst : universe.instruments()) {
    if (inst.kind != model::InstrumentKind::kEquity) continue;
    auto it = instruments.token_by_symbol.find(inst.symbol);
    uint32_t token = it != instruments.token_by_symbol.end() ? it->second : inst.kite_token;
    csv += inst.symbol.str() + "," + std::to_string(inst.nse_token) + "," + std::to_string(token) + "\n";
  }
  return model::Universe::parse_csv(csv, "kite instruments dump");
}

}  // namespace nifty::feed::kite
