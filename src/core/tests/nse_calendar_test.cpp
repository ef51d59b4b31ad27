#include "core/nse_calendar.h"

#include <gtest/gtest.h>

namespace nifty::core {
namespace {

const NseCalendar& cal() { return NseCalendar::builtin(); }

// The 2026 closed days, copied by hand from ../shared/design/broker-protocols.md section 5.2.
TEST(NseCalendar, All2026HolidaysFromTheProtocolNotesAreClosed) {
  const Date kHolidays2026[] = {{2026, 1, 15}, {2026, 1, 26}, {2026, 3, 3},   {2026, 3, 26},
                                {2026, 3, 31}, {2026, 4, 3},  {2026, 4, 14},  {2026, 5, 1},
                                {2026, 5, 28}, {2026, 6, 26}, {2026, 9, 14},  {2026, 10, 2},
                                {2026, 10, 20}, {2026, 11, 10}, {2026, 11, 24}, {2026, 12, 25}};
  for (const Date& d : kHolidays2026) {
    EXPECT_FALSE(cal().is_trading_day(d)) << d.to_string();
    EXPECT_TRUE(cal().sessions(d).empty()) << d.to_string();
    EXPECT_FALSE(cal().describe(d).empty()) << d.to_string();
    EXPECT_FALSE(cal().in_session(Timestamp::from_ist(d, 11, 0))) << d.to_string();
  }
  EXPECT_NE(cal().describe(Date{2026, 6, 26}).find("Muharram"), std::string::npos);
  // KHELJA's July 21 date for Muharram is the one the notes reject: a normal Tuesday.
  EXPECT_TRUE(cal().is_trading_day(Date{2026, 7, 21}));
}

TEST(NseCalendar, WeekendsAreClosedAndWeekdaysOpen) {
  EXPECT_FALSE(cal().is_trading_day(Date{2026, 11, 28}));  // Saturday
  EXPECT_FALSE(cal().is_trading_day(Date{2026, 11, 29}));  // Sunday
  EXPECT_TRUE(cal().is_trading_day(Date{2026, 11, 25}));   // Wednesday
  EXPECT_TRUE(cal().describe(Date{2026, 11, 25}).empty());
  // Years before 2025 carry no holiday list: an ordinary 2023 weekday trades.
  EXPECT_TRUE(cal().is_trading_day(Date{2023, 2, 28}));
}

TEST(NseCalendar, RegularSessionIsHalfOpen0915To1530) {
  const Date d{2026, 11, 25};
  auto s = cal().sessions(d);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].start, Timestamp::from_ist(d, 9, 15));
  EXPECT_EQ(s[0].end, Timestamp::from_ist(d, 15, 30));
  EXPECT_FALSE(cal().in_session(Timestamp::from_ist(d, 9, 14, 59, 999'999'999)));
  EXPECT_TRUE(cal().in_session(Timestamp::from_ist(d, 9, 15, 0)));
  EXPECT_TRUE(cal().in_session(Timestamp::from_ist(d, 15, 29, 59, 999'999'999)));
  EXPECT_FALSE(cal().in_session(Timestamp::from_ist(d, 15, 30, 0)));
  auto at = cal().session_at(Timestamp::from_ist(d, 12, 0));
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(at->start, s[0].start);
  EXPECT_EQ(at->end, s[0].end);
}

TEST(NseCalendar, SaturdaySpecialSessionHasTwoParts) {
  // 2024-03-02: 09:15-10:00 and 11:30-12:30 (21 five-minute candles in the 5-minute data set).
  const Date d{2024, 3, 2};
  auto s = cal().sessions(d);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].start, Timestamp::from_ist(d, 9, 15));
  EXPECT_EQ(s[0].end, Timestamp::from_ist(d, 10, 0));
  EXPECT_EQ(s[1].start, Timestamp::from_ist(d, 11, 30));
  EXPECT_EQ(s[1].end, Timestamp::from_ist(d, 12, 30));
  EXPECT_EQ(((s[0].end - s[0].start) + (s[1].end - s[1].start)) / (5 * kNanosPerMinute), 21);
  EXPECT_TRUE(cal().in_session(Timestamp::from_ist(d, 9, 59)));
  EXPECT_FALSE(cal().in_session(Timestamp::from_ist(d, 10, 0)));
  EXPECT_FALSE(cal().in_session(Timestamp::from_ist(d, 11, 0)));
  EXPECT_TRUE(cal().in_session(Timestamp::from_ist(d, 11, 30)));
  EXPECT_FALSE(cal().in_session(Timestamp::from_ist(d, 12, 30)));
  EXPECT_FALSE(cal().in_session(Timestamp::from_ist(d, 14, 0)));  // no regular session that day
}

TEST(NseCalendar, SundayMuhuratSession) {
  // 2023-11-12 (a Sunday): 18:15-19:15, 12 five-minute candles in the 5-minute data set.
  const Date d{2023, 11, 12};
  auto s = cal().sessions(d);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].start, Timestamp::from_ist(d, 18, 15));
  EXPECT_EQ(s[0].end, Timestamp::from_ist(d, 19, 15));
  EXPECT_EQ((s[0].end - s[0].start) / (5 * kNanosPerMinute), 12);
  EXPECT_TRUE(cal().is_trading_day(d));
  EXPECT_FALSE(cal().in_session(Timestamp::from_ist(d, 10, 0)));
  EXPECT_TRUE(cal().in_session(Timestamp::from_ist(d, 18, 15)));
  EXPECT_FALSE(cal().in_session(Timestamp::from_ist(d, 19, 15)));
}

TEST(NseCalendar, ParsesItsOwnFormat) {
  auto c = NseCalendar::parse(
      "# comment\r\n"
      "\n"
      "2027-01-26,holiday,,Republic Day\n"
      "2027-02-06,special,10:00-11:00,Budget day, a Saturday\n",
      "test.csv");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_FALSE(c->is_trading_day(Date{2027, 1, 26}));
  EXPECT_EQ(c->describe(Date{2027, 1, 26}), "Republic Day");
  EXPECT_EQ(c->describe(Date{2027, 2, 6}), "Budget day, a Saturday");
  ASSERT_EQ(c->sessions(Date{2027, 2, 6}).size(), 1u);
  EXPECT_TRUE(c->is_trading_day(Date{2027, 1, 25}));
}

TEST(NseCalendar, BadLinesGiveErrorsNamingTheLine) {
  struct Case {
    const char* text;
    const char* where;
  };
  const Case cases[] = {
      {"# header\n2026-13-01,holiday,,Bad month\n", "cal.csv:2:"},
      {"2026-01-01,holiday,,ok\n2026-01-02,closed,,What\n", "cal.csv:2:"},
      {"\n\n2026-01-02\n", "cal.csv:3:"},
      {"2026-01-03,special,10:00-09:00,Backwards\n", "cal.csv:1:"},
      {"2026-01-03,special,10:00,No end\n", "cal.csv:1:"},
      {"2026-01-03,special,,No sessions\n", "cal.csv:1:"},
      {"2026-01-03,special,25:00-26:00,No such hour\n", "cal.csv:1:"},
  };
  for (const Case& c : cases) {
    auto r = NseCalendar::parse(c.text, "cal.csv");
    ASSERT_FALSE(r.is_ok()) << c.text;
    EXPECT_EQ(r.status().code(), ErrorCode::kParseError);
    EXPECT_EQ(r.status().message().rfind(c.where, 0), 0u) << r.status().message();
  }
}

TEST(NseCalendar, LoadFileReportsAMissingFile) {
  auto r = NseCalendar::load_file("/nonexistent/calendar.csv");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kIoError);
  EXPECT_NE(r.status().message().find("/nonexistent/calendar.csv"), std::string::npos);
}

TEST(NseCalendar, TheSourceFileParses) {
  auto r = NseCalendar::load_file(NIFTY_SOURCE_DIR "/src/core/nse_calendar.csv");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_FALSE(r->is_trading_day(Date{2026, 1, 15}));
}

}  // namespace
}  // namespace nifty::core
