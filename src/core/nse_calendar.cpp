#include "core/nse_calendar.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace nifty::core {

extern const char* const kBuiltinNseCalendar;  // generated from nse_calendar.csv

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
    if (p == std::string_view::npos) break;
    start = p + 1;
  }
  return out;
}

std::optional<int> parse_hhmm(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  int h = 0, m = 0;
  auto r1 = std::from_chars(s.data(), s.data() + 2, h);
  auto r2 = std::from_chars(s.data() + 3, s.data() + 5, m);
  if (r1.ec != std::errc() || r2.ec != std::errc() || h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

}  // namespace

const NseCalendar& NseCalendar::builtin() {
  static const NseCalendar calendar = [] {
    auto parsed = parse(kBuiltinNseCalendar, "builtin nse_calendar.csv");
    NIFTY_CHECK(parsed.is_ok(), "the built-in NSE calendar does not parse");
    return std::move(parsed).value();
  }();
  return calendar;
}

Result<NseCalendar> NseCalendar::parse(std::string_view text, std::string_view source_name) {
  NseCalendar cal;
  int line_no = 0;
  for (std::string_view line : split(text, '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto bad = [&](const std::string& why) {
      return error(ErrorCode::kParseError,
                   std::string(source_name) + ":" + std::to_string(line_no) + ": " + why);
    };
    auto fields = split(line, ',');
    if (fields.size() < 3) return bad("want date,kind,sessions,description");
    auto date = Date::parse(fields[0]);
    if (!date) return bad(date.status().message());
    std::string description = fields.size() > 3 ? std::string(fields[3]) : std::string();
    for (size_t i = 4; i < fields.size(); ++i) description += "," + std::string(fields[i]);
    int64_t key = date->days_since_epoch();
    if (fields[1] == "holiday") {
      cal.holidays_[key] = description;
    } else if (fields[1] == "special") {
      Special sp;
      sp.description = description;
      for (std::string_view range : split(fields[2], ';')) {
        auto parts = split(range, '-');
        if (parts.size() != 2) return bad("bad session '" + std::string(range) + "' (want HH:MM-HH:MM)");
        auto open = parse_hhmm(parts[0]);
        auto close = parse_hhmm(parts[1]);
        if (!open || !close || *close <= *open) return bad("bad session '" + std::string(range) + "'");
        sp.minutes.emplace_back(*open, *close);
      }
      cal.specials_[key] = std::move(sp);
    } else {
      return bad("kind must be 'holiday' or 'special', not '" + std::string(fields[1]) + "'");
    }
  }
  return cal;
}

Result<NseCalendar> NseCalendar::load_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return error(ErrorCode::kIoError, "cannot read calendar file " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

std::vector<Session> NseCalendar::sessions(const Date& date) const {
  std::vector<Session> out;
  int64_t key = date.days_since_epoch();
  auto to_session = [&](int open, int close) {
    return Session{Timestamp::from_ist(date, open / 60, open % 60), Timestamp::from_ist(date, close / 60, close % 60)};
  };
  if (auto it = specials_.find(key); it != specials_.end()) {
    for (auto [open, close] : it->second.minutes) out.push_back(to_session(open, close));
    return out;
  }
  if (holidays_.count(key) || date.weekday() >= 5) return out;
  out.push_back(to_session(kOpenMinute, kCloseMinute));
  return out;
}

std::optional<Session> NseCalendar::session_at(Timestamp t) const {
  const Date date = t.ist_date();
  const int64_t key = date.days_since_epoch();
  const int64_t tod = t.ist_time_of_day();
  auto make = [&](int open, int close) -> std::optional<Session> {
    if (tod >= open * kNanosPerMinute && tod < close * kNanosPerMinute) {
      return Session{Timestamp::from_ist(date, open / 60, open % 60), Timestamp::from_ist(date, close / 60, close % 60)};
    }
    return std::nullopt;
  };
  if (!specials_.empty()) {
    if (auto it = specials_.find(key); it != specials_.end()) {
      for (auto [open, close] : it->second.minutes) {
        if (auto s = make(open, close)) return s;
      }
      return std::nullopt;
    }
  }
  if (date.weekday() >= 5 || holidays_.count(key)) return std::nullopt;
  return make(kOpenMinute, kCloseMinute);
}

std::string NseCalendar::describe(const Date& date) const {
  int64_t key = date.days_since_epoch();
  if (auto it = holidays_.find(key); it != holidays_.end()) return it->second;
  if (auto it = specials_.find(key); it != specials_.end()) return it->second.description;
  return {};
}

}  // namespace nifty::core
