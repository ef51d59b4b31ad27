// The allocation-free batch forms (outputs into caller-provided spans) against the vector-returning
// ones (which the other tests check by hand-worked values and the conformance suite against TTR):
// the same values, every element written (the warm-up as NaN over whatever the buffer held), and
// buffers reusable across series.
#include <gtest/gtest.h>

#include <cmath>
#include <span>
#include <vector>

#include "indicators/bollinger.h"
#include "indicators/ema.h"
#include "indicators/macd.h"
#include "indicators/rsi.h"
#include "indicators/sma.h"
#include "indicators/tests/real_closes.h"

namespace nifty::indicators {
namespace {

constexpr double kGarbage = -12345.0;

// Bit-identical, or both NaN.
void expect_same(const std::vector<double>& expected, const std::vector<double>& actual, const char* what) {
  ASSERT_EQ(expected.size(), actual.size()) << what;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(actual[i])) << what << " index " << i;
    } else {
      EXPECT_EQ(expected[i], actual[i]) << what << " index " << i;
    }
  }
}

std::vector<double> garbage(size_t n) { return std::vector<double>(n, kGarbage); }

// Sizes around each warm-up (shorter than, equal to, longer than) and the full real day.
std::vector<size_t> lengths() { return {0, 1, 13, 14, 15, 19, 20, 25, 26, 33, 34, 375}; }

TEST(BatchSpans, SameValuesAsTheVectorForms) {
  auto day = testing::real_closes();
  ASSERT_EQ(day.size(), 375u);
  for (size_t n : lengths()) {
    std::span<const double> in(day.data(), n);
    auto a = garbage(n);
    sma(in, 20, a);
    expect_same(sma(in, 20), a, "sma");
    a = garbage(n);
    ema(in, 12, a);
    expect_same(ema(in, 12), a, "ema");
    a = garbage(n);
    rsi(in, 14, a);
    expect_same(rsi(in, 14), a, "rsi");

    auto b = garbage(n), c = garbage(n);
    a = garbage(n);
    macd(in, 12, 26, 9, MacdBuffers{a, b, c});
    auto m = macd(in, 12, 26, 9);
    expect_same(m.macd, a, "macd line");
    expect_same(m.signal, b, "macd signal");
    expect_same(m.histogram, c, "macd histogram");

    a = garbage(n), b = garbage(n), c = garbage(n);
    bollinger(in, 20, 2.0, BollingerBuffers{a, b, c});
    auto bb = bollinger(in, 20, 2.0);
    expect_same(bb.upper, a, "bollinger upper");
    expect_same(bb.middle, b, "bollinger middle");
    expect_same(bb.lower, c, "bollinger lower");
  }
}

TEST(BatchSpans, BuffersAreReusableAcrossSeries) {
  auto day = testing::real_closes();
  ASSERT_EQ(day.size(), 375u);
  std::span<const double> first(day.data(), 300);
  std::span<const double> second(day.data() + 75, 300);
  std::vector<double> up(300), mid(300), lo(300);
  bollinger(first, 20, 2.0, BollingerBuffers{up, mid, lo});
  bollinger(second, 20, 2.0, BollingerBuffers{up, mid, lo});
  auto expected = bollinger(second, 20, 2.0);
  expect_same(expected.upper, up, "upper");
  expect_same(expected.middle, mid, "middle");
  expect_same(expected.lower, lo, "lower");
}

TEST(BatchSpansDeathTest, AWrongOutputSizeIsABug) {
  std::vector<double> in{1, 2, 3, 4};
  std::vector<double> short_out(3);
  EXPECT_DEATH(sma(in, 2, short_out), "");
  EXPECT_DEATH(rsi(in, 2, std::span<double>(in)), "");  // the output overlaps the input
}

}  // namespace
}  // namespace nifty::indicators
