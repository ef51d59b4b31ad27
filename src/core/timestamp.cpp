#include "core/timestamp.h"

#include <charconv>
#include <cstdio>

namespace nifty::core {
namespace {

// Howard Hinnant's civil-date algorithms (public domain formulas).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

Date civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Date{static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

// Digits only: from_chars alone would accept a leading '-' ("-1" as an hour).
bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool valid_date(const Date& d) {
  if (d.month < 1 || d.month > 12 || d.day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = kDays[d.month - 1];
  bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
  if (d.month == 2 && leap) max = 29;
  return d.day <= max;
}

std::string format_clock(int64_t tod_nanos, bool with_millis) {
  int64_t secs = tod_nanos / kNanosPerSecond;
  int64_t ms = (tod_nanos % kNanosPerSecond) / kNanosPerMilli;
  char buf[32];
  if (with_millis && ms != 0) {
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", static_cast<int>(secs / 3600),
                  static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60), static_cast<int>(ms));
  } else {
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", static_cast<int>(secs / 3600),
                  static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  }
  return buf;
}

}  // namespace

int64_t Date::days_since_epoch() const { return days_from_civil(year, month, day); }
Date Date::from_days_since_epoch(int64_t days) { return civil_from_days(days); }
int Date::weekday() const {
  int64_t d = days_since_epoch();  // 1970-01-01 was a Thursday (3)
  return static_cast<int>(((d % 7) + 7 + 3) % 7);
}

std::string Date::to_string() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
  return buf;
}

Result<Date> Date::parse(std::string_view text) {
  Date d;
  bool ok = false;
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    ok = parse_int(text.substr(0, 4), d.year) && parse_int(text.substr(5, 2), d.month) &&
         parse_int(text.substr(8, 2), d.day);
  } else if (text.size() == 8) {
    ok = parse_int(text.substr(0, 4), d.year) && parse_int(text.substr(4, 2), d.month) &&
         parse_int(text.substr(6, 2), d.day);
  }
  if (!ok || !valid_date(d)) {
    return error(ErrorCode::kParseError, "bad date '" + std::string(text) + "' (want YYYY-MM-DD)");
  }
  return d;
}

Timestamp Timestamp::from_ist(const Date& date, int hour, int minute, int second, int64_t nanos) {
  int64_t n = date.days_since_epoch() * kNanosPerDay + hour * kNanosPerHour + minute * kNanosPerMinute +
              second * kNanosPerSecond + nanos - kIstOffsetNanos;
  return Timestamp(n);
}

Timestamp Timestamp::now() {
  auto d = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

Date Timestamp::ist_date() const {
  return civil_from_days(floor_div(nanos_ + kIstOffsetNanos, kNanosPerDay));
}

int64_t Timestamp::ist_time_of_day() const {
  int64_t local = nanos_ + kIstOffsetNanos;
  return local - floor_div(local, kNanosPerDay) * kNanosPerDay;
}

std::string Timestamp::to_iso_utc() const {
  Date d = civil_from_days(floor_div(nanos_, kNanosPerDay));
  int64_t tod = nanos_ - floor_div(nanos_, kNanosPerDay) * kNanosPerDay;
  return d.to_string() + "T" + format_clock(tod, true) + "Z";
}

std::string Timestamp::to_iso_ist() const {
  return ist_date().to_string() + "T" + format_clock(ist_time_of_day(), true) + "+05:30";
}

std::string Timestamp::to_ist_clock() const { return format_clock(ist_time_of_day(), false); }

Result<Timestamp> Timestamp::parse(std::string_view text) {
  auto bad = [&](const char* why) {
    return error(ErrorCode::kParseError, "bad timestamp '" + std::string(text) + "': " + why);
  };
  if (text.size() < 16) return bad("too short");
  auto date = Date::parse(text.substr(0, 10));
  if (!date) return bad("bad date");
  if (text[10] != 'T' && text[10] != ' ') return bad("want 'T' or ' ' after the date");
  int hh = 0, mm = 0, ss = 0;
  if (!parse_int(text.substr(11, 2), hh) || text[13] != ':' || !parse_int(text.substr(14, 2), mm)) {
    return bad("bad time");
  }
  size_t pos = 16;
  int64_t frac = 0;
  if (pos < text.size() && text[pos] == ':') {
    if (pos + 3 > text.size() || !parse_int(text.substr(pos + 1, 2), ss)) return bad("bad seconds");
    pos += 3;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      int digits = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        if (digits < 9) {
          frac = frac * 10 + (text[pos] - '0');
          ++digits;
        }
        ++pos;
      }
      if (digits == 0) return bad("empty fraction");
      for (; digits < 9; ++digits) frac *= 10;
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) return bad("time out of range");
  int64_t offset = kIstOffsetNanos;  // naive times are IST
  if (pos < text.size()) {
    std::string_view zone = text.substr(pos);
    if (zone == "Z") {
      offset = 0;
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
      int oh = 0, om = 0;
      if (!parse_int(zone.substr(1, 2), oh) || !parse_int(zone.substr(4, 2), om) || oh > 23 || om > 59) {
        return bad("bad offset");
      }
      offset = (oh * kNanosPerHour + om * kNanosPerMinute) * (zone[0] == '-' ? -1 : 1);
    } else {
      return bad("bad zone (want Z or +hh:mm)");
    }
  }
  int64_t n = date->days_since_epoch() * kNanosPerDay + hh * kNanosPerHour + mm * kNanosPerMinute +
              ss * kNanosPerSecond + frac - offset;
  return Timestamp(n);
}

}  // namespace nifty::core
