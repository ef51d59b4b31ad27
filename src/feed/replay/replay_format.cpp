#include "feed/replay/replay_format.h"

#include <array>
#include <fstream>

#include "core/timestamp.h"
#include "feed/replay/csv_fields.h"

namespace nifty::feed {

std::string_view format_name(Format format) {
  switch (format) {
    case Format::kNse1Min: return "nse1min";
    case Format::kCsv: return "csv";
    case Format::kTicks: return "ticks";
  }
  return "unknown";
}

std::optional<Format> parse_format(std::string_view name) {
  for (Format f : {Format::kNse1Min, Format::kCsv, Format::kTicks}) {
    if (csv::iequals(name, format_name(f))) return f;
  }
  return std::nullopt;
}

std::optional<Format> detect_format(std::string_view first_line) {
  std::string_view line = csv::clean_line(first_line, true);
  std::array<std::string_view, 10> f;
  size_t n = csv::split(line, f);
  if (n > f.size() || n < 4) return std::nullopt;
  for (size_t i = 0; i < n; ++i) f[i] = csv::trim(f[i]);
  if (csv::iequals(f[0], "date") || csv::iequals(f[0], "timestamp") || csv::iequals(f[0], "datetime") ||
      csv::iequals(f[0], "time")) {
    return Format::kCsv;
  }
  if (csv::iequals(f[0], "symbol")) return Format::kTicks;
  if (n == 9 && f[1].size() == 8 && csv::is_digits(f[1]) && csv::parse_hh_mm(f[2]) >= 0) return Format::kNse1Min;
  if (n >= 4 && n <= 7 && core::Timestamp::parse(f[1]).is_ok()) return Format::kTicks;
  return std::nullopt;
}

core::Result<Format> detect_file_format(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::error(core::ErrorCode::kIoError, "cannot open replay file " + path);
  std::string line;
  std::getline(in, line);
  if (in.bad()) return core::error(core::ErrorCode::kIoError, "cannot read replay file " + path);
  auto format = detect_format(line);
  if (!format) {
    return core::error(core::ErrorCode::kParseError,
                       path + ":1: unknown file format (first line '" + line.substr(0, 80) +
                           "'); want nse1min, csv candles or ticks");
  }
  return *format;
}

}  // namespace nifty::feed
