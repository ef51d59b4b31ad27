// Timestamp: nanoseconds since the Unix epoch, UTC. IST (UTC+05:30, no DST) only at the edges.
// Value type; thread-safe.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nifty::core {

inline constexpr int64_t kNanosPerMicro = 1'000;
inline constexpr int64_t kNanosPerMilli = 1'000'000;
inline constexpr int64_t kNanosPerSecond = 1'000'000'000;
inline constexpr int64_t kNanosPerMinute = 60 * kNanosPerSecond;
inline constexpr int64_t kNanosPerHour = 60 * kNanosPerMinute;
inline constexpr int64_t kNanosPerDay = 24 * kNanosPerHour;
// India Standard Time is UTC+05:30 all year.
inline constexpr int64_t kIstOffsetNanos = 5 * kNanosPerHour + 30 * kNanosPerMinute;

// A calendar date (proleptic Gregorian).
struct Date {
  int year = 1970;
  int month = 1;
  int day = 1;
  auto operator<=>(const Date&) const = default;
  // Days since 1970-01-01.
  int64_t days_since_epoch() const;
  static Date from_days_since_epoch(int64_t days);
  // 0 = Monday ... 6 = Sunday.
  int weekday() const;
  // "2026-01-26".
  std::string to_string() const;
  // Parses "YYYY-MM-DD" or "YYYYMMDD".
  static Result<Date> parse(std::string_view text);
};

class Timestamp {
 public:
  constexpr Timestamp() = default;
  constexpr explicit Timestamp(int64_t nanos) : nanos_(nanos) {}

  static constexpr Timestamp from_nanos(int64_t n) { return Timestamp(n); }
  static constexpr Timestamp from_micros(int64_t us) { return Timestamp(us * kNanosPerMicro); }
  static constexpr Timestamp from_millis(int64_t ms) { return Timestamp(ms * kNanosPerMilli); }
  static constexpr Timestamp from_seconds(int64_t s) { return Timestamp(s * kNanosPerSecond); }
  // The instant at which IST wall time on `date` reads hh:mm:ss.
  static Timestamp from_ist(const Date& date, int hour, int minute, int second = 0, int64_t nanos = 0);
  // Wall clock now.
  static Timestamp now();

  constexpr int64_t nanos() const { return nanos_; }
  constexpr int64_t millis() const { return floor_div(nanos_, kNanosPerMilli); }
  constexpr int64_t seconds() const { return floor_div(nanos_, kNanosPerSecond); }

  // Start of the UTC-aligned period containing this instant (minutes align the same in UTC and IST).
  constexpr Timestamp floor(int64_t period_nanos) const {
    return Timestamp(floor_div(nanos_, period_nanos) * period_nanos);
  }
  // The IST calendar date of this instant.
  Date ist_date() const;
  // Nanoseconds since IST midnight of ist_date().
  int64_t ist_time_of_day() const;
  // Minutes since IST midnight.
  int ist_minute_of_day() const { return static_cast<int>(ist_time_of_day() / kNanosPerMinute); }

  // "2024-01-25T10:30:00Z" (fractional seconds only when present, millisecond precision).
  std::string to_iso_utc() const;
  // "2024-01-25T16:00:00+05:30".
  std::string to_iso_ist() const;
  // "16:00:00" IST.
  std::string to_ist_clock() const;
  // Parses ISO-8601 with 'Z' or a +hh:mm offset, or naive time read as IST:
  // "2024-01-25T10:30:00Z", "2023-07-03 09:15:00+05:30", "2023-02-27 09:16:05.250".
  static Result<Timestamp> parse(std::string_view text);

  constexpr auto operator<=>(const Timestamp&) const = default;
  constexpr Timestamp operator+(int64_t n) const { return Timestamp(nanos_ + n); }
  constexpr Timestamp operator-(int64_t n) const { return Timestamp(nanos_ - n); }
  constexpr int64_t operator-(Timestamp o) const { return nanos_ - o.nanos_; }

 private:
  static constexpr int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
  }
  int64_t nanos_ = 0;
};

}  // namespace nifty::core
