#include "feed/replay/candle_file_reader.h"

#include <algorithm>
#include <array>
#include <filesystem>

#include "feed/replay/csv_fields.h"

namespace nifty::feed {

namespace {

constexpr size_t kMaxFields = 16;

std::string excerpt(std::string_view s) {
  constexpr size_t kMax = 40;
  return "'" + std::string(s.substr(0, kMax)) + (s.size() > kMax ? "...'" : "'");
}

bool same_values(const model::Candle& a, const model::Candle& b) {
  return a.open == b.open && a.high == b.high && a.low == b.low && a.close == b.close && a.volume == b.volume;
}

}  // namespace

core::Result<CandleFileReader> CandleFileReader::open(const std::string& path, ReaderOptions options) {
  CandleFileReader r;
  r.path_ = path;
  r.in_ = std::make_unique<std::ifstream>(path);
  if (!*r.in_) return core::error(core::ErrorCode::kIoError, "cannot open candle file " + path);

  std::string first;
  if (!std::getline(*r.in_, first)) {
    if (r.in_->bad()) return core::error(core::ErrorCode::kIoError, "cannot read candle file " + path);
    // An empty file: no candles.
    r.format_ = options.format.value_or(Format::kNse1Min);
    return r;
  }
  r.line_no_ = 1;
  std::optional<Format> format = options.format ? options.format : detect_format(first);
  if (!format) {
    return core::error(core::ErrorCode::kParseError,
                       path + ":1: not a candle file (first line " + excerpt(first) +
                           "); want SYMBOL,YYYYMMDD,HH:MM,open,high,low,close,volume,oi or a "
                           "date,open,high,low,close,volume header");
  }
  if (*format == Format::kTicks) {
    return core::error(core::ErrorCode::kInvalidArgument, path + ": is a tick file, not a candle file");
  }
  r.format_ = *format;

  if (r.format_ == Format::kNse1Min) {
    r.interval_ = model::Interval::k1m;
    // The first line is data: hand it back to next().
    r.lookahead_.emplace_back(1, std::move(first));
    return r;
  }

  // kCsv: a header naming the columns; the symbol is the file name stem.
  std::string stem = std::filesystem::path(path).stem().string();
  if (!model::Symbol::valid(stem)) {
    return core::error(core::ErrorCode::kInvalidArgument,
                       path + ": the file name stem " + excerpt(stem) + " is not a valid symbol");
  }
  r.file_symbol_ = model::Symbol(stem);
  std::array<std::string_view, kMaxFields> f;
  std::string_view header = csv::clean_line(first, true);
  size_t n = csv::split(header, f);
  if (n > kMaxFields) return core::error(core::ErrorCode::kParseError, path + ":1: too many columns");
  r.columns_.count = n;
  for (size_t i = 0; i < n; ++i) {
    std::string_view name = csv::trim(f[i]);
    int idx = static_cast<int>(i);
    if (csv::iequals(name, "date") || csv::iequals(name, "timestamp") || csv::iequals(name, "datetime") ||
        csv::iequals(name, "time")) {
      r.columns_.time = idx;
    } else if (csv::iequals(name, "open")) {
      r.columns_.open = idx;
    } else if (csv::iequals(name, "high")) {
      r.columns_.high = idx;
    } else if (csv::iequals(name, "low")) {
      r.columns_.low = idx;
    } else if (csv::iequals(name, "close")) {
      r.columns_.close = idx;
    } else if (csv::iequals(name, "volume")) {
      r.columns_.volume = idx;
    }
  }
  const CsvColumns& c = r.columns_;
  if (c.time < 0 || c.open < 0 || c.high < 0 || c.low < 0 || c.close < 0 || c.volume < 0) {
    return core::error(core::ErrorCode::kParseError,
                       path + ":1: header " + excerpt(header) + " lacks one of date,open,high,low,close,volume");
  }
  // Read ahead the first rows (kept for next()) to infer the interval.
  std::string line;
  while (r.lookahead_.size() < kInferRows && std::getline(*r.in_, line)) {
    r.lookahead_.emplace_back(++r.line_no_, line);
  }
  if (r.in_->bad()) return core::error(core::ErrorCode::kIoError, "cannot read candle file " + path);
  if (options.interval) {
    r.interval_ = *options.interval;
  } else {
    NIFTY_RETURN_IF_ERROR(r.infer_interval());
  }
  return r;
}

core::Status CandleFileReader::infer_interval() {
  std::array<std::string_view, kMaxFields> f;
  std::optional<core::Timestamp> prev;
  int64_t best = 0;
  bool first = true;
  for (const auto& [line_no, text] : lookahead_) {
    std::string_view line = csv::clean_line(text, false);
    if (line.empty() || csv::split(line, f) != columns_.count) continue;
    auto t = core::Timestamp::parse(csv::trim(f[columns_.time]));
    if (!t) continue;
    if (first) {
      first = false;
      if (t->ist_time_of_day() == 0) {
        interval_ = model::Interval::k1d;
        return core::Status::ok();
      }
    }
    if (prev && prev->ist_date() == t->ist_date()) {
      int64_t step = *t - *prev;
      if (step > 0 && (best == 0 || step < best)) best = step;
    }
    prev = *t;
  }
  if (first) return core::Status::ok();  // no data rows: the interval does not matter
  for (model::Interval i : {model::Interval::k1m, model::Interval::k5m, model::Interval::k15m, model::Interval::k1h}) {
    if (model::interval_nanos(i) == best) {
      interval_ = i;
      return core::Status::ok();
    }
  }
  return core::error(core::ErrorCode::kParseError,
                     path_ + ": cannot infer the candle interval from the first rows (smallest step " +
                         std::to_string(best / core::kNanosPerSecond) +
                         " s; want 1m, 5m, 15m, 1h or 00:00 daily times); give the interval explicitly");
}

bool CandleFileReader::read_line(std::string& line, uint64_t& line_no) {
  if (!lookahead_.empty()) {
    line_no = lookahead_.front().first;
    line = std::move(lookahead_.front().second);
    lookahead_.pop_front();
    return true;
  }
  if (!in_ || !std::getline(*in_, line)) {
    if (in_ && in_->bad() && status_.is_ok()) {
      status_ = core::error(core::ErrorCode::kIoError,
                            "reading candle file " + path_ + " failed after line " + std::to_string(line_no_));
    }
    return false;
  }
  line_no = ++line_no_;
  return true;
}

bool CandleFileReader::next(model::Candle& out) {
  uint64_t line_no = 0;
  while (read_line(line_, line_no)) {
    std::string_view line = csv::clean_line(line_, line_no == 1);
    if (csv::trim(line).empty()) continue;  // blank lines (a trailing one is common) carry nothing
    if (!parse_line(line, line_no, out)) continue;
    if (!out.ohlc_valid()) {
      errors_.add(path_, line_no, LineErrorKind::kInvalidOhlc,
                  "open " + out.open.to_string() + " high " + out.high.to_string() + " low " +
                      out.low.to_string() + " close " + out.close.to_string());
      continue;
    }
    if (!check_order(out, line_no)) continue;
    if (recent_.size() == kRecentWindow) recent_.pop_front();
    recent_.push_back(out);
    ++candles_read_;
    return true;
  }
  return false;
}

bool CandleFileReader::check_order(const model::Candle& c, uint64_t line_no) {
  if (recent_.empty() || c.start > recent_.back().start) return true;
  auto it = std::lower_bound(recent_.begin(), recent_.end(), c.start,
                             [](const model::Candle& a, core::Timestamp t) { return a.start < t; });
  if (it != recent_.end() && it->start == c.start && same_values(*it, c)) {
    errors_.add(path_, line_no, LineErrorKind::kDuplicate, "repeats the row at " + c.start.to_iso_ist());
  } else {
    errors_.add(path_, line_no, LineErrorKind::kOutOfOrder,
                "starts " + c.start.to_iso_ist() + ", not after the previous row's " +
                    recent_.back().start.to_iso_ist());
  }
  return false;
}

bool CandleFileReader::parse_line(std::string_view line, uint64_t line_no, model::Candle& out) {
  out = model::Candle{};
  out.interval = interval_;
  return format_ == Format::kNse1Min ? parse_nse_1min(line, line_no, out) : parse_csv(line, line_no, out);
}

bool CandleFileReader::parse_nse_1min(std::string_view line, uint64_t line_no, model::Candle& out) {
  auto bad = [&](std::string why) {
    errors_.add(path_, line_no, LineErrorKind::kMalformed, std::move(why));
    return false;
  };
  std::array<std::string_view, 9> f;
  size_t n = csv::split(line, f);
  if (n != 9) return bad(n > 9 ? "more than 9 fields" : std::to_string(n) + " fields, want 9");
  for (auto& field : f) field = csv::trim(field);
  if (!model::Symbol::valid(f[0])) return bad("bad symbol " + excerpt(f[0]));
  if (f[1] != last_date_text_) {
    auto date = core::Date::parse(f[1]);
    if (!date) return bad("bad date " + excerpt(f[1]));
    last_date_text_ = std::string(f[1]);
    last_date_ = *date;
  }
  int end_minute = csv::parse_hh_mm(f[2]);
  if (end_minute < 0) return bad("bad time " + excerpt(f[2]) + " (want HH:MM)");
  auto open = model::Price::parse(f[3]);
  auto high = model::Price::parse(f[4]);
  auto low = model::Price::parse(f[5]);
  auto close = model::Price::parse(f[6]);
  if (!open) return bad("bad open " + excerpt(f[3]));
  if (!high) return bad("bad high " + excerpt(f[4]));
  if (!low) return bad("bad low " + excerpt(f[5]));
  if (!close) return bad("bad close " + excerpt(f[6]));
  int64_t volume = 0;
  if (!csv::parse_int64(f[7], volume) || volume < 0 || volume > model::kMaxQuantity) {
    return bad("bad volume " + excerpt(f[7]));
  }
  out.symbol = model::Symbol(f[0]);
  // Labelled by the END minute.
  out.start = core::Timestamp::from_ist(last_date_, end_minute / 60, end_minute % 60) - core::kNanosPerMinute;
  out.open = *open;
  out.high = *high;
  out.low = *low;
  out.close = *close;
  out.volume = volume;
  return true;
}

bool CandleFileReader::parse_csv(std::string_view line, uint64_t line_no, model::Candle& out) {
  auto bad = [&](std::string why) {
    errors_.add(path_, line_no, LineErrorKind::kMalformed, std::move(why));
    return false;
  };
  std::array<std::string_view, kMaxFields> f;
  size_t n = csv::split(line, f);
  if (n != columns_.count) {
    return bad((n > kMaxFields ? std::string("too many") : std::to_string(n)) + " fields, want " +
               std::to_string(columns_.count));
  }
  std::string_view time_text = csv::trim(f[columns_.time]);
  auto start = core::Timestamp::parse(time_text);
  if (!start) return bad("bad time " + excerpt(time_text));
  auto price = [&](int col, const char* what, model::Price& p) {
    std::string_view text = csv::trim(f[col]);
    auto v = model::Price::parse(text);
    if (!v) return bad(std::string("bad ") + what + " " + excerpt(text));
    p = *v;
    return true;
  };
  if (!price(columns_.open, "open", out.open) || !price(columns_.high, "high", out.high) ||
      !price(columns_.low, "low", out.low) || !price(columns_.close, "close", out.close)) {
    return false;
  }
  std::string_view vol_text = csv::trim(f[columns_.volume]);
  int64_t volume = 0;
  if (!csv::parse_int64(vol_text, volume) || volume < 0 || volume > model::kMaxQuantity) {
    return bad("bad volume " + excerpt(vol_text));
  }
  out.symbol = file_symbol_;
  out.start = *start;
  out.volume = volume;
  return true;
}

}  // namespace nifty::feed
