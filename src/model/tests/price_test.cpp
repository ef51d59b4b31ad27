#include "model/price.h"

#include <gtest/gtest.h>

namespace nifty::model {
namespace {

TEST(Price, ParsesExactDecimals) {
  EXPECT_EQ(Price::parse("2850.5")->paise(), 285050);
  EXPECT_EQ(Price::parse("2850.50")->paise(), 285050);
  EXPECT_EQ(Price::parse("2850.05")->paise(), 285005);
  EXPECT_EQ(Price::parse("2850")->paise(), 285000);
  EXPECT_EQ(Price::parse("0.05")->paise(), 5);
  EXPECT_EQ(Price::parse("0")->paise(), 0);
  // Trailing zeros beyond the paisa are exact, so accepted.
  EXPECT_EQ(Price::parse("2850.2500")->paise(), 285025);
  // A value a double cannot hold exactly is still exact here: 0.1 + 0.2 style.
  EXPECT_EQ(Price::parse("1234567.89")->paise(), 123456789);
}

TEST(Price, RejectsAThirdNonZeroDecimal) {
  EXPECT_FALSE(Price::parse("2850.505").has_value());
  EXPECT_FALSE(Price::parse("2850.001").has_value());
  EXPECT_FALSE(Price::parse("2850.0000001").has_value());
}

TEST(Price, RejectsJunk) {
  for (const char* junk : {"", " ", "abc", "-5", "+5", "2850.", ".5", "2,850.50", "2850.5 ", " 2850.5", "1e3",
                           "2850.5x", "28 50", "nan", "inf", "99999999999999999999"}) {
    EXPECT_FALSE(Price::parse(junk).has_value()) << "'" << junk << "'";
  }
}

TEST(Price, FromRupeesRoundsToThePaisa) {
  EXPECT_EQ(Price::from_rupees(2850.5).paise(), 285050);
  EXPECT_EQ(Price::from_rupees(0.1 + 0.2).paise(), 30);
  EXPECT_EQ(Price::from_rupees(2850.499999).paise(), 285050);
}

TEST(Price, FormatsWithTwoDecimals) {
  EXPECT_EQ(Price::from_paise(285050).to_string(), "2850.50");
  EXPECT_EQ(Price::from_paise(5).to_string(), "0.05");
  EXPECT_EQ(Price::from_paise(-5).to_string(), "-0.05");
  EXPECT_EQ(Price::from_paise(0).to_string(), "0.00");
  EXPECT_DOUBLE_EQ(Price::from_paise(285025).rupees(), 2850.25);
}

TEST(Price, ArithmeticAndOrder) {
  Price a = Price::from_paise(100), b = Price::from_paise(5);
  EXPECT_EQ((a + b).paise(), 105);
  EXPECT_EQ((a - b).paise(), 95);
  EXPECT_LT(b, a);
}

}  // namespace
}  // namespace nifty::model
