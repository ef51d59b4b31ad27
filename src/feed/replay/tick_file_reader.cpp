#include "feed/replay/tick_file_reader.h"

#include <array>

#include "feed/replay/csv_fields.h"

namespace nifty::feed {

namespace {

std::string excerpt(std::string_view s) {
  constexpr size_t kMax = 40;
  return "'" + std::string(s.substr(0, kMax)) + (s.size() > kMax ? "...'" : "'");
}

}  // namespace

core::Result<TickFileReader> TickFileReader::open(const std::string& path) {
  TickFileReader r;
  r.path_ = path;
  r.in_ = std::make_unique<std::ifstream>(path);
  if (!*r.in_) return core::error(core::ErrorCode::kIoError, "cannot open tick file " + path);
  return r;
}

bool TickFileReader::next(model::Tick& out) {
  while (in_ && std::getline(*in_, line_)) {
    ++line_no_;
    std::string_view line = csv::clean_line(line_, line_no_ == 1);
    if (csv::trim(line).empty()) continue;
    if (line_no_ == 1 && csv::iequals(csv::trim(line.substr(0, line.find(','))), "symbol")) continue;  // header
    if (!parse(line, line_no_, out)) continue;
    if (last_time_ && out.exchange_time < *last_time_) {
      errors_.add(path_, line_no_, LineErrorKind::kOutOfOrder,
                  "exchange time " + out.exchange_time.to_iso_ist() + " is before the previous tick's " +
                      last_time_->to_iso_ist());
      continue;
    }
    last_time_ = out.exchange_time;
    ++ticks_read_;
    return true;
  }
  if (in_ && in_->bad() && status_.is_ok()) {
    status_ = core::error(core::ErrorCode::kIoError,
                          "reading tick file " + path_ + " failed after line " + std::to_string(line_no_));
  }
  return false;
}

bool TickFileReader::parse(std::string_view line, uint64_t line_no, model::Tick& out) {
  auto bad = [&](std::string why) {
    errors_.add(path_, line_no, LineErrorKind::kMalformed, std::move(why));
    return false;
  };
  std::array<std::string_view, 7> f;
  size_t n = csv::split(line, f);
  if (n < 4 || n > 7) {
    return bad((n > 7 ? std::string("more than 7") : std::to_string(n)) + " fields, want 4 to 7");
  }
  for (size_t i = 0; i < n; ++i) f[i] = csv::trim(f[i]);
  out = model::Tick{};
  if (!model::Symbol::valid(f[0])) return bad("bad symbol " + excerpt(f[0]));
  out.symbol = model::Symbol(f[0]);
  auto t = core::Timestamp::parse(f[1]);
  if (!t) return bad("bad exchange_time " + excerpt(f[1]));
  out.exchange_time = *t;
  auto price = model::Price::parse(f[2]);
  if (!price) return bad("bad price " + excerpt(f[2]));
  out.last_price = *price;
  if (!csv::parse_int64(f[3], out.cumulative_volume) || out.cumulative_volume > model::kMaxQuantity) {
    return bad("bad cumulative_volume " + excerpt(f[3]));
  }
  if (n > 4 && !f[4].empty() &&
      (!csv::parse_int64(f[4], out.last_quantity) || out.last_quantity < 0 || out.last_quantity > model::kMaxQuantity)) {
    return bad("bad last_qty " + excerpt(f[4]));
  }
  if (n > 5 && !f[5].empty()) {
    auto bid = model::Price::parse(f[5]);
    if (!bid) return bad("bad bid " + excerpt(f[5]));
    out.bid = *bid;
  }
  if (n > 6 && !f[6].empty()) {
    auto ask = model::Price::parse(f[6]);
    if (!ask) return bad("bad ask " + excerpt(f[6]));
    out.ask = *ask;
  }
  return true;
}

}  // namespace nifty::feed
