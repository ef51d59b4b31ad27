// NseCalendar: when the NSE equity cash market trades. Regular session 09:15-15:30 IST on weekdays,
// holidays and special sessions (Muhurat, Saturday sessions) from a data file.
// Immutable after construction; safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "core/timestamp.h"

namespace nifty::core {

// A trading session [start, end).
struct Session {
  Timestamp start;
  Timestamp end;
  bool contains(Timestamp t) const { return t >= start && t < end; }
};

class NseCalendar {
 public:
  // The calendar built into the binary (src/core/nse_calendar.csv).
  static const NseCalendar& builtin();
  // Parses the calendar file format; errors name the source and line.
  static Result<NseCalendar> parse(std::string_view text, std::string_view source_name);
  static Result<NseCalendar> load_file(const std::string& path);

  // Sessions of an IST date, in order; empty on weekends and holidays.
  std::vector<Session> sessions(const Date& date) const;
  bool is_trading_day(const Date& date) const { return !sessions(date).empty(); }
  // The session that contains `t`, if any.
  std::optional<Session> session_at(Timestamp t) const;
  bool in_session(Timestamp t) const { return session_at(t).has_value(); }
  // Description of a holiday or special day ("Holi"), empty for ordinary days.
  std::string describe(const Date& date) const;
  // The regular session of any trading weekday: 09:15-15:30.
  static constexpr int kOpenMinute = 9 * 60 + 15;
  static constexpr int kCloseMinute = 15 * 60 + 30;

 private:
  struct Special {
    std::vector<std::pair<int, int>> minutes;  // [open, close) in IST minutes of day
    std::string description;
  };
  std::unordered_map<int64_t, std::string> holidays_;  // by days since epoch
  std::unordered_map<int64_t, Special> specials_;
};

}  // namespace nifty::core
