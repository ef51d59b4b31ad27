#include "core/timestamp.h"

#include <gtest/gtest.h>

namespace nifty::core {
namespace {

// Golden epoch values below were computed independently with Python's datetime
// (e.g. datetime(2024,1,25,10,30,tzinfo=timezone.utc).timestamp() == 1706178600).
constexpr int64_t k20240125T1030Z = 1706178600;
constexpr int64_t k20230703T0915Ist = 1688355900;  // 2023-07-03 09:15 +05:30
constexpr int64_t k20261125T0915Ist = 1795578300;  // 2026-11-25 09:15 +05:30

TEST(Date, ParsesBothFormsAndRejectsImpossibleDates) {
  auto a = Date::parse("2024-02-29");
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(*a, (Date{2024, 2, 29}));
  auto b = Date::parse("20230228");
  ASSERT_TRUE(b.is_ok());
  EXPECT_EQ(*b, (Date{2023, 2, 28}));
  EXPECT_FALSE(Date::parse("2023-02-29").is_ok());  // not a leap year
  EXPECT_FALSE(Date::parse("2023-13-01").is_ok());
  EXPECT_FALSE(Date::parse("2023-00-10").is_ok());
  EXPECT_FALSE(Date::parse("2023-1-10").is_ok());
  EXPECT_FALSE(Date::parse("-023-01-10").is_ok());
  EXPECT_FALSE(Date::parse("").is_ok());
  EXPECT_FALSE(Date::parse("2023/01/10").is_ok());
}

TEST(Date, WeekdayAndEpochDays) {
  // 1970-01-01 was a Thursday; 2026-11-25 is a Wednesday; 2024-03-02 a Saturday; 2023-11-12 a Sunday.
  EXPECT_EQ((Date{1970, 1, 1}).weekday(), 3);
  EXPECT_EQ((Date{2026, 11, 25}).weekday(), 2);
  EXPECT_EQ((Date{2024, 3, 2}).weekday(), 5);
  EXPECT_EQ((Date{2023, 11, 12}).weekday(), 6);
  EXPECT_EQ((Date{2026, 1, 15}).days_since_epoch(), 20468);
  EXPECT_EQ(Date::from_days_since_epoch(20468), (Date{2026, 1, 15}));
  EXPECT_EQ(Date::from_days_since_epoch(-1), (Date{1969, 12, 31}));
  EXPECT_EQ((Date{2026, 1, 5}).to_string(), "2026-01-05");
}

TEST(Timestamp, ParsesUtcWithZ) {
  auto t = Timestamp::parse("2024-01-25T10:30:00Z");
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  EXPECT_EQ(t->nanos(), k20240125T1030Z * kNanosPerSecond);
}

TEST(Timestamp, ParsesExplicitOffsets) {
  auto ist = Timestamp::parse("2023-07-03 09:15:00+05:30");
  ASSERT_TRUE(ist.is_ok());
  EXPECT_EQ(ist->seconds(), k20230703T0915Ist);
  // 03:45Z is 09:15 IST; written with a +00:00 offset.
  auto utc = Timestamp::parse("2023-07-03T03:45:00+00:00");
  ASSERT_TRUE(utc.is_ok());
  EXPECT_EQ(utc->seconds(), k20230703T0915Ist);
  // A negative offset: 22:15 on the previous day at -05:30 is 03:45Z.
  auto neg = Timestamp::parse("2023-07-02T22:15:00-05:30");
  ASSERT_TRUE(neg.is_ok());
  EXPECT_EQ(neg->seconds(), k20230703T0915Ist);
}

TEST(Timestamp, ReadsNaiveTimesAsIst) {
  auto t = Timestamp::parse("2023-07-03 09:15:00");
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ(t->seconds(), k20230703T0915Ist);
  auto no_seconds = Timestamp::parse("2023-07-03 09:15");
  ASSERT_TRUE(no_seconds.is_ok());
  EXPECT_EQ(no_seconds->seconds(), k20230703T0915Ist);
}

TEST(Timestamp, ParsesFractions) {
  // 2023-02-27 09:16:05.250 IST == 1677469565.25 (Python).
  auto t = Timestamp::parse("2023-02-27 09:16:05.250");
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ(t->nanos(), 1677469565LL * kNanosPerSecond + 250 * kNanosPerMilli);
  auto one_digit = Timestamp::parse("2024-01-25T10:30:00.5Z");
  ASSERT_TRUE(one_digit.is_ok());
  EXPECT_EQ(one_digit->nanos(), k20240125T1030Z * kNanosPerSecond + 500 * kNanosPerMilli);
  auto nanos = Timestamp::parse("2024-01-25T10:30:00.000000007Z");
  ASSERT_TRUE(nanos.is_ok());
  EXPECT_EQ(nanos->nanos(), k20240125T1030Z * kNanosPerSecond + 7);
}

TEST(Timestamp, RejectsBadInputWithTheTextInTheError) {
  for (const char* bad : {"", "2024-01-25", "2024-01-25X10:30:00Z", "2024-01-25T25:00:00Z", "2024-01-25T10:60:00Z",
                          "2024-01-25T10:30:00.Z", "2024-01-25T10:30:00+5:30", "2024-01-25T10:30:00+99:00",
                          "2024-01-25T-1:30:00Z", "2024-01-25T10:30:00 IST", "2024-02-30T10:30:00Z",
                          "2024-01-25T10:3a:00Z"}) {
    auto t = Timestamp::parse(bad);
    EXPECT_FALSE(t.is_ok()) << bad;
    if (!t.is_ok()) {
      EXPECT_EQ(t.status().code(), ErrorCode::kParseError);
      EXPECT_NE(t.status().message().find(std::string("'") + bad + "'"), std::string::npos) << bad;
    }
  }
}

TEST(Timestamp, IstDateAndTimeOfDayNearMidnight) {
  // 18:29:59Z is 23:59:59 IST on the same date; 18:30:00Z is 00:00 IST on the next date.
  Timestamp before = Timestamp::from_seconds(k20240125T1030Z + 8 * 3600 - 1);  // 18:29:59Z
  EXPECT_EQ(before.ist_date(), (Date{2024, 1, 25}));
  EXPECT_EQ(before.ist_time_of_day(), (23 * 3600 + 59 * 60 + 59) * kNanosPerSecond);
  Timestamp midnight = before + kNanosPerSecond;
  EXPECT_EQ(midnight.ist_date(), (Date{2024, 1, 26}));
  EXPECT_EQ(midnight.ist_time_of_day(), 0);
  EXPECT_EQ(midnight.ist_minute_of_day(), 0);
  // 20:00Z on the 25th is 01:30 IST on the 26th: the UTC date and the IST date differ.
  Timestamp late = Timestamp::from_seconds(k20240125T1030Z + 9 * 3600 + 30 * 60);
  EXPECT_EQ(late.ist_date(), (Date{2024, 1, 26}));
  EXPECT_EQ(late.ist_minute_of_day(), 90);
  // Before the epoch: 1969-12-31T20:00Z is 1970-01-01 01:30 IST.
  Timestamp pre_epoch = Timestamp::from_seconds(-4 * 3600);
  EXPECT_EQ(pre_epoch.ist_date(), (Date{1970, 1, 1}));
  EXPECT_EQ(pre_epoch.ist_minute_of_day(), 90);
}

TEST(Timestamp, FromIstMatchesParse) {
  EXPECT_EQ(Timestamp::from_ist(Date{2026, 11, 25}, 9, 15).seconds(), k20261125T0915Ist);
  EXPECT_EQ(Timestamp::from_ist(Date{2023, 7, 3}, 9, 15, 0).seconds(), k20230703T0915Ist);
}

TEST(Timestamp, FloorAlignsToThePeriod) {
  Timestamp t = Timestamp::from_seconds(k20240125T1030Z + 4 * 60 + 59) + 123;  // 10:34:59.000000123Z
  EXPECT_EQ(t.floor(kNanosPerMinute).seconds(), k20240125T1030Z + 4 * 60);
  EXPECT_EQ(t.floor(5 * kNanosPerMinute).seconds(), k20240125T1030Z);
  // Negative instants floor downwards, not towards zero.
  EXPECT_EQ(Timestamp(-1).floor(kNanosPerSecond).nanos(), -kNanosPerSecond);
  EXPECT_EQ(Timestamp(-1).millis(), -1);
  // IST minutes are whole UTC minutes apart: floor(1m) of 09:15:30 IST is 09:15:00 IST.
  Timestamp ist = Timestamp::from_ist(Date{2026, 11, 25}, 9, 15, 30);
  EXPECT_EQ(ist.floor(kNanosPerMinute), Timestamp::from_ist(Date{2026, 11, 25}, 9, 15));
}

TEST(Timestamp, FormatsIso) {
  Timestamp t = Timestamp::from_seconds(k20240125T1030Z);
  EXPECT_EQ(t.to_iso_utc(), "2024-01-25T10:30:00Z");
  EXPECT_EQ((t + 250 * kNanosPerMilli).to_iso_utc(), "2024-01-25T10:30:00.250Z");
  EXPECT_EQ(t.to_iso_ist(), "2024-01-25T16:00:00+05:30");
  EXPECT_EQ(t.to_ist_clock(), "16:00:00");
  EXPECT_EQ(Timestamp::from_millis(1705560000000).to_iso_utc(), "2024-01-18T06:40:00Z");
}

TEST(Timestamp, IsoRoundTrips) {
  for (int64_t ms : {0LL, 1705560000000LL, 1705560000123LL, 1795578300999LL}) {
    Timestamp t = Timestamp::from_millis(ms);
    auto back = Timestamp::parse(t.to_iso_utc());
    ASSERT_TRUE(back.is_ok()) << t.to_iso_utc();
    EXPECT_EQ(*back, t);
    auto back_ist = Timestamp::parse(t.to_iso_ist());
    ASSERT_TRUE(back_ist.is_ok()) << t.to_iso_ist();
    EXPECT_EQ(*back_ist, t);
  }
}

}  // namespace
}  // namespace nifty::core
