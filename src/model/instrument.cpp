#include "model/instrument.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace nifty::model {

using core::ErrorCode;
using core::Result;

Instrument Universe::nifty50_index() {
  Instrument idx;
  idx.symbol = Symbol("NIFTY 50");
  idx.kind = InstrumentKind::kIndex;
  idx.nse_token = 26000;
  idx.kite_token = 256265;
  idx.noren_key = "NSE|26000";
  return idx;
}

Result<Universe> Universe::parse_csv(std::string_view text, std::string_view source_name) {
  Universe u;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string_view line = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? text.size() : end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    if (line_no == 1 && line.rfind("symbol", 0) == 0) continue;  // header
    auto bad = [&](const std::string& why) {
      return core::error(ErrorCode::kParseError,
                         std::string(source_name) + ":" + std::to_string(line_no) + ": " + why);
    };
    size_t c1 = line.find(',');
    size_t c2 = c1 == std::string_view::npos ? c1 : line.find(',', c1 + 1);
    if (c2 == std::string_view::npos) return bad("want symbol,nse_token,kite_token");
    std::string_view sym = line.substr(0, c1);
    std::string_view nse = line.substr(c1 + 1, c2 - c1 - 1);
    std::string_view kite = line.substr(c2 + 1);
    if (!Symbol::valid(sym)) return bad("bad symbol '" + std::string(sym) + "'");
    Instrument ins;
    ins.symbol = Symbol(sym);
    auto r1 = std::from_chars(nse.data(), nse.data() + nse.size(), ins.nse_token);
    auto r2 = std::from_chars(kite.data(), kite.data() + kite.size(), ins.kite_token);
    if (r1.ec != std::errc() || r1.ptr != nse.data() + nse.size() || r2.ec != std::errc() ||
        r2.ptr != kite.data() + kite.size()) {
      return bad("tokens must be whole numbers");
    }
    ins.noren_key = "NSE|" + std::to_string(ins.nse_token);
    if (u.find(ins.symbol)) return bad("duplicate symbol " + std::string(sym));
    // A repeated token would make the token lookups silently pick one of the two rows.
    if (u.find_by_nse_token(ins.nse_token)) return bad("duplicate nse_token " + std::string(nse));
    if (u.find_by_kite_token(ins.kite_token)) return bad("duplicate kite_token " + std::string(kite));
    u.instruments_.push_back(std::move(ins));
    u.index();
  }
  if (u.instruments_.empty()) return core::error(ErrorCode::kInvalidArgument, std::string(source_name) + ": no instruments");
  u.instruments_.push_back(nifty50_index());
  u.index();
  return u;
}

Result<Universe> Universe::load_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::error(ErrorCode::kIoError, "cannot read universe file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_csv(ss.str(), path);
}

void Universe::index() {
  by_symbol_.clear();
  by_kite_.clear();
  by_nse_.clear();
  for (size_t i = 0; i < instruments_.size(); ++i) {
    by_symbol_[instruments_[i].symbol] = i;
    by_kite_[instruments_[i].kite_token] = i;
    by_nse_[instruments_[i].nse_token] = i;
  }
}

const Instrument* Universe::find(const Symbol& symbol) const {
  auto it = by_symbol_.find(symbol);
  return it == by_symbol_.end() ? nullptr : &instruments_[it->second];
}
const Instrument* Universe::find_by_kite_token(uint32_t token) const {
  auto it = by_kite_.find(token);
  return it == by_kite_.end() ? nullptr : &instruments_[it->second];
}
const Instrument* Universe::find_by_nse_token(uint32_t token) const {
  auto it = by_nse_.find(token);
  return it == by_nse_.end() ? nullptr : &instruments_[it->second];
}

}  // namespace nifty::model
