#include "support/source_data.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace nifty::testing {
namespace {

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
  }
  return true;
}

std::optional<int64_t> parse_int(const std::string& s) {
  if (!all_digits(s) || s.size() > 18) return std::nullopt;
  return std::stoll(s);
}

}  // namespace

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  std::tm tm{};
  tm.tm_year = static_cast<int>(y - 1900);
  tm.tm_mon = static_cast<int>(m) - 1;
  tm.tm_mday = static_cast<int>(d);
  return static_cast<int64_t>(timegm(&tm)) / 86400;
}

int64_t ist_to_unix(int y, int m, int d, int hh, int mm, int ss) {
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400 + hh * 3600 + mm * 60 + ss -
         kIstOffsetSeconds;
}

int ist_minute_of_day(int64_t unix_seconds) {
  int64_t ist = unix_seconds + kIstOffsetSeconds;
  int64_t sec = ((ist % 86400) + 86400) % 86400;
  return static_cast<int>(sec / 60);
}

int ist_yyyymmdd(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds + kIstOffsetSeconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

std::optional<int64_t> parse_paise(const std::string& text) {
  size_t dot = text.find('.');
  std::string whole = text.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : text.substr(dot + 1);
  auto rupees = parse_int(whole);
  if (!rupees) return std::nullopt;
  if (dot != std::string::npos && (frac.empty() || frac.size() > 2 || !all_digits(frac))) return std::nullopt;
  int64_t paise = 0;
  if (frac.size() == 1) paise = (frac[0] - '0') * 10;
  if (frac.size() == 2) paise = (frac[0] - '0') * 10 + (frac[1] - '0');
  return *rupees * 100 + paise;
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::stringstream ss(line);
  while (std::getline(ss, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

bool parse_one_minute_line(const std::string& line, SourceCandle& c, std::string& why) {
  auto p = split_csv(line);
  if (p.size() != 9) return why = "want 9 fields", false;
  const std::string& date = p[1];
  const std::string& time = p[2];
  if (date.size() != 8 || !all_digits(date)) return why = "bad date", false;
  if (time.size() != 5 || time[2] != ':') return why = "bad time", false;
  auto hh = parse_int(time.substr(0, 2));
  auto mm = parse_int(time.substr(3, 2));
  if (!hh || !mm || *hh > 23 || *mm > 59) return why = "bad time", false;
  int y = std::stoi(date.substr(0, 4)), mo = std::stoi(date.substr(4, 2)), d = std::stoi(date.substr(6, 2));
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return why = "bad date", false;
  auto o = parse_paise(p[3]), h = parse_paise(p[4]), l = parse_paise(p[5]), cl = parse_paise(p[6]);
  auto v = parse_int(p[7]);
  if (!o || !h || !l || !cl || !v) return why = "bad number", false;
  c.symbol = p[0];
  c.start = ist_to_unix(y, mo, d, static_cast<int>(*hh), static_cast<int>(*mm)) - 60;  // END label
  c.open = *o;
  c.high = *h;
  c.low = *l;
  c.close = *cl;
  c.volume = *v;
  return true;
}

OneMinuteFile read_one_minute_file(const std::string& path) {
  OneMinuteFile f;
  std::ifstream in(path);
  if (!in) {
    f.error = "cannot read " + path;
    return f;
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    SourceCandle c;
    std::string why;
    if (!parse_one_minute_line(line, c, why)) {
      f.error = path + ":" + std::to_string(n) + ": " + why;
      return f;
    }
    c.line = n;
    f.rows.push_back(std::move(c));
  }
  return f;
}

bool is_regular_minute(const SourceCandle& c) {
  int m = ist_minute_of_day(c.start);
  return m >= 9 * 60 + 15 && m <= 15 * 60 + 29;
}

FiveMinuteFile read_five_minute_file(const std::string& path, const std::string& symbol) {
  FiveMinuteFile f;
  std::ifstream in(path);
  if (!in) {
    f.error = "cannot read " + path;
    return f;
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (n == 1) {
      if (line.rfind("date,", 0) != 0) f.error = path + ":1: no header";
      if (!f.error.empty()) return f;
      continue;
    }
    auto fail = [&](const std::string& why) { f.error = path + ":" + std::to_string(n) + ": " + why; };
    auto p = split_csv(line);
    if (p.size() != 6) return fail("want 6 fields"), f;
    // 2023-07-03 09:15:00+05:30
    const std::string& t = p[0];
    if (t.size() != 25 || t.substr(19) != "+05:30" || t[4] != '-' || t[7] != '-' || t[10] != ' ' || t[13] != ':' ||
        t[16] != ':') {
      return fail("bad time '" + t + "'"), f;
    }
    auto y = parse_int(t.substr(0, 4)), mo = parse_int(t.substr(5, 2)), d = parse_int(t.substr(8, 2));
    auto hh = parse_int(t.substr(11, 2)), mm = parse_int(t.substr(14, 2)), ss = parse_int(t.substr(17, 2));
    if (!y || !mo || !d || !hh || !mm || !ss) return fail("bad time '" + t + "'"), f;
    SourceCandle c;
    c.symbol = symbol;
    c.line = n;
    c.start = ist_to_unix(static_cast<int>(*y), static_cast<int>(*mo), static_cast<int>(*d), static_cast<int>(*hh),
                          static_cast<int>(*mm), static_cast<int>(*ss));
    auto o = parse_paise(p[1]), h = parse_paise(p[2]), l = parse_paise(p[3]), cl = parse_paise(p[4]);
    auto v = parse_int(p[5]);
    if (!o || !h || !l || !cl || !v) return fail("bad number"), f;
    c.open = *o;
    c.high = *h;
    c.low = *l;
    c.close = *cl;
    c.volume = *v;
    f.rows.push_back(c);
  }
  return f;
}

std::vector<SourceCandle> roll_up(const std::vector<SourceCandle>& one_minute, int64_t seconds) {
  std::vector<SourceCandle> out;
  for (const auto& m : one_minute) {
    const int64_t ist = m.start + kIstOffsetSeconds;
    const int64_t midnight = ist - ((ist % 86400) + 86400) % 86400 - kIstOffsetSeconds;  // unix seconds
    int64_t bucket = 0;
    if (seconds == 86400) {
      bucket = midnight;
    } else {
      const int64_t open = midnight + (9 * 60 + 15) * 60;
      bucket = open + (m.start - open) / seconds * seconds;
    }
    if (out.empty() || out.back().start != bucket) {
      SourceCandle c = m;
      c.start = bucket;
      out.push_back(c);
      continue;
    }
    SourceCandle& c = out.back();
    c.high = std::max(c.high, m.high);
    c.low = std::min(c.low, m.low);
    c.close = m.close;
    c.volume += m.volume;
  }
  return out;
}

std::string describe(const SourceCandle& c) {
  int ymd = ist_yyyymmdd(c.start);
  int mod = ist_minute_of_day(c.start);
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s %04d-%02d-%02d %02d:%02d IST o=%lld h=%lld l=%lld c=%lld v=%lld (line %d)",
                c.symbol.c_str(), ymd / 10000, ymd / 100 % 100, ymd % 100, mod / 60, mod % 60,
                static_cast<long long>(c.open), static_cast<long long>(c.high), static_cast<long long>(c.low),
                static_cast<long long>(c.close), static_cast<long long>(c.volume), c.line);
  return buf;
}

}  // namespace nifty::testing
