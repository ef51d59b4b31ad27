#include "analysis/market_view_builder.h"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "model/json_codec.h"

namespace nifty::analysis {
namespace {

using model::Price;
using model::Sentiment;
using model::Symbol;

const core::Date kDay{2024, 1, 25};

// A scorecard as the builder sees it: ltp, change in paise, change % (worked by hand below).
model::Scorecard card(std::string_view symbol, int64_t ltp_paise, int64_t change_paise, double change_percent,
                      core::Timestamp at = core::Timestamp::from_ist(kDay, 10, 0)) {
  model::Scorecard c;
  c.symbol = Symbol(symbol);
  c.timestamp = at;
  c.ltp = Price::from_paise(ltp_paise);
  c.change = static_cast<double>(change_paise) / 100.0;
  c.change_percent = change_percent;
  return c;
}

// Five stocks and the index, 2024-01-25 10:00 IST:
//   AAA 1010.00 +10.00 (+1.0 %)   BBB 204.00 +4.00 (+2.0 %)   CCC 99.50 -0.50 (-0.5 %)
//   DDD 50.00 0 (0 %)             EEE 303.00 +3.00 (+1.0 %)   NIFTY 50 21500.50 +120.25 (+0.56 %)
// advances 3 (AAA BBB EEE), declines 1 (CCC), unchanged 1 (DDD); breadth 3 / 1 = 3.0;
// average change % = (1 + 2 - 0.5 + 0 + 1) / 5 = 0.7; 3.0 >= 1.5 and 0.7 >= 0.1: BULLISH.
// Gainers BBB 2.0, AAA 1.0, EEE 1.0 (tie broken by symbol); losers CCC -0.5.
MarketViewBuilder five_stocks() {
  MarketViewBuilder b;
  EXPECT_TRUE(b.on_scorecard(card("EEE", 30300, 300, 1.0)));
  EXPECT_TRUE(b.on_scorecard(card("AAA", 101000, 1000, 1.0)));
  EXPECT_TRUE(b.on_scorecard(card("CCC", 9950, -50, -0.5)));
  EXPECT_TRUE(b.on_scorecard(card("NIFTY 50", 2150050, 12025, 0.56)));
  EXPECT_TRUE(b.on_scorecard(card("DDD", 5000, 0, 0.0)));
  EXPECT_TRUE(b.on_scorecard(card("BBB", 20400, 400, 2.0)));
  return b;
}

TEST(MarketViewBuilder, HandWorkedBreadthMoversSentimentAndIndex) {
  model::MarketView v = five_stocks().view();
  EXPECT_EQ(v.timestamp, core::Timestamp::from_ist(kDay, 10, 0));
  EXPECT_EQ(v.stocks, 5);
  EXPECT_EQ(v.advances, 3);
  EXPECT_EQ(v.declines, 1);
  EXPECT_EQ(v.unchanged, 1);
  EXPECT_DOUBLE_EQ(v.breadth_ratio, 3.0);
  EXPECT_NEAR(v.average_change_percent, 0.7, 1e-12);
  EXPECT_EQ(v.sentiment, Sentiment::kBullish);
  ASSERT_EQ(v.gainers.size(), 3u);
  EXPECT_EQ(v.gainers[0].symbol, Symbol("BBB"));
  EXPECT_EQ(v.gainers[1].symbol, Symbol("AAA"));
  EXPECT_EQ(v.gainers[2].symbol, Symbol("EEE"));
  EXPECT_EQ(v.gainers[0].ltp, Price::from_paise(20400));
  ASSERT_EQ(v.losers.size(), 1u);
  EXPECT_EQ(v.losers[0].symbol, Symbol("CCC"));
  EXPECT_EQ(v.losers[0].change_percent, -0.5);
  ASSERT_TRUE(v.index.has_value());
  EXPECT_EQ(v.index->symbol, Symbol("NIFTY 50"));
  EXPECT_EQ(v.index->level, Price::from_paise(2150050));
  EXPECT_EQ(v.index->change, 120.25);
  EXPECT_EQ(v.index->change_percent, 0.56);
}

TEST(MarketViewBuilder, LatestScorecardPerSymbolWins) {
  MarketViewBuilder b = five_stocks();
  // CCC turns up at 10:01: +1.50 (+1.5 %); an older AAA scorecard (09:59, -1 %) is ignored.
  b.on_scorecard(card("CCC", 10150, 150, 1.5, core::Timestamp::from_ist(kDay, 10, 1)));
  b.on_scorecard(card("AAA", 99000, -1000, -1.0, core::Timestamp::from_ist(kDay, 9, 59)));
  model::MarketView v = b.view();
  // advances 4, declines 0 -> breadth = advances = 4; average (1 + 2 + 1.5 + 0 + 1) / 5 = 1.1.
  EXPECT_EQ(v.advances, 4);
  EXPECT_EQ(v.declines, 0);
  EXPECT_DOUBLE_EQ(v.breadth_ratio, 4.0);
  EXPECT_NEAR(v.average_change_percent, 1.1, 1e-12);
  EXPECT_TRUE(v.losers.empty());
  EXPECT_EQ(v.gainers[1].symbol, Symbol("CCC"));
  EXPECT_EQ(v.timestamp, core::Timestamp::from_ist(kDay, 10, 1));
}

TEST(MarketViewBuilder, BearishAndNeutralByTheDocumentedRule) {
  // 1 advance, 3 declines: breadth 1/3 <= 1/1.5; average (0.5 - 1 - 0.5 - 1) / 4 = -0.5 <= -0.1.
  MarketViewBuilder bear;
  bear.on_scorecard(card("A", 100, 1, 0.5));
  bear.on_scorecard(card("B", 100, -1, -1.0));
  bear.on_scorecard(card("C", 100, -1, -0.5));
  bear.on_scorecard(card("D", 100, -1, -1.0));
  EXPECT_EQ(bear.view().sentiment, Sentiment::kBearish);
  EXPECT_NEAR(bear.view().breadth_ratio, 1.0 / 3.0, 1e-15);

  // Breadth 2 but an average of +0.05 %: not enough to call it.
  MarketViewBuilder flat;
  flat.on_scorecard(card("A", 100, 1, 0.1));
  flat.on_scorecard(card("B", 100, 1, 0.1));
  flat.on_scorecard(card("C", 100, -1, -0.05));
  flat.on_scorecard(card("D", 100, 0, 0.05));  // change rounds to 0 paise: unchanged
  model::MarketView v = flat.view();
  EXPECT_DOUBLE_EQ(v.breadth_ratio, 2.0);
  EXPECT_NEAR(v.average_change_percent, 0.05, 1e-15);
  EXPECT_EQ(v.sentiment, Sentiment::kNeutral);

  EXPECT_EQ(MarketViewBuilder::sentiment(9.0, 5.0, 0, MarketViewConfig{}), Sentiment::kNeutral);  // no stocks
  EXPECT_EQ(MarketViewBuilder::breadth_ratio(0, 0), 0.0);
  EXPECT_EQ(MarketViewBuilder::breadth_ratio(7, 0), 7.0);
  EXPECT_EQ(MarketViewBuilder::breadth_ratio(5, 2), 2.5);
}

TEST(MarketViewBuilder, TopTenOnly) {
  MarketViewBuilder b;
  for (int i = 1; i <= 12; ++i) {
    b.on_scorecard(card("UP" + std::to_string(100 + i), 1000, i, i * 0.1));
    b.on_scorecard(card("DN" + std::to_string(100 + i), 1000, -i, -i * 0.1));
  }
  model::MarketView v = b.view();
  ASSERT_EQ(v.gainers.size(), 10u);
  ASSERT_EQ(v.losers.size(), 10u);
  EXPECT_EQ(v.gainers.front().symbol, Symbol("UP112"));
  EXPECT_EQ(v.gainers.back().symbol, Symbol("UP103"));
  EXPECT_EQ(v.losers.front().symbol, Symbol("DN112"));
  EXPECT_EQ(v.stocks, 24);
}

TEST(MarketViewBuilder, YesterdaysScorecardsAndTheIndexAreNotCounted) {
  MarketViewBuilder b;
  b.on_scorecard(card("OLD", 1000, 50, 5.0, core::Timestamp::from_ist(core::Date{2024, 1, 24}, 15, 29)));
  b.on_scorecard(card("NIFTY", 2150050, -5000, -0.23));  // the replay files' name for the index
  b.on_scorecard(card("NEW", 1000, -10, -1.0));
  model::MarketView v = b.view();
  EXPECT_EQ(v.stocks, 1);
  EXPECT_EQ(v.declines, 1);
  EXPECT_EQ(v.advances, 0);
  ASSERT_TRUE(v.index.has_value());
  EXPECT_EQ(v.index->symbol, Symbol("NIFTY"));
  EXPECT_EQ(v.index->change, -50.0);
}

TEST(MarketViewBuilder, EmptyAndRejected) {
  MarketViewBuilder b;
  model::MarketView v = b.view();
  EXPECT_EQ(v.stocks, 0);
  EXPECT_EQ(v.sentiment, Sentiment::kNeutral);
  EXPECT_EQ(v.breadth_ratio, 0.0);
  EXPECT_FALSE(v.index.has_value());
  EXPECT_FALSE(b.on_scorecard(model::Scorecard{}));
  EXPECT_EQ(b.rejected(), 1);
  EXPECT_EQ(model::encode_market_view(v),
            R"({"overall":"NEUTRAL","breadth":0.0,"timestamp":"1970-01-01T00:00:00Z","advances":0,"declines":0,)"
            R"("unchanged":0,"stocks":0,"average_change_percent":0.0,"gainers":[],"losers":[],"index":null})");
}

TEST(MarketViewBuilder, EncodesAsTheSpecMarketSentimentMessage) {
  MarketViewConfig config;
  config.top_n = 2;
  MarketViewBuilder b(config);
  b.on_scorecard(card("TCS", 350000, 5000, 1.5));
  b.on_scorecard(card("INFY", 150005, 1000, 0.75));
  b.on_scorecard(card("WIPRO", 45000, -500, -1.25));
  b.on_scorecard(card("ITC", 44000, 100, 0.25));
  b.on_scorecard(card("HCLTECH", 160000, 800, 0.5));
  b.on_scorecard(card("NIFTY 50", 2150050, 12025, 0.56));
  // advances 4, declines 1: breadth 4; average (1.5 + 0.75 - 1.25 + 0.25 + 0.5) / 5 = 0.35.
  EXPECT_EQ(model::encode_market_view(b.view()),
            R"({"overall":"BULLISH","breadth":4.0,"timestamp":"2024-01-25T04:30:00Z","advances":4,"declines":1,)"
            R"("unchanged":0,"stocks":5,"average_change_percent":0.35,)"
            R"("gainers":[{"symbol":"TCS","ltp":3500.0,"change_percent":1.5},)"
            R"({"symbol":"INFY","ltp":1500.05,"change_percent":0.75}],)"
            R"("losers":[{"symbol":"WIPRO","ltp":450.0,"change_percent":-1.25}],)"
            R"("index":{"symbol":"NIFTY 50","level":21500.5,"change":120.25,"change_percent":0.56}})");
  auto back = model::decode_market_view(model::encode_market_view(b.view()));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(model::encode_market_view(*back), model::encode_market_view(b.view()));
  EXPECT_EQ(model::to_json(b.view()), nlohmann::json::parse(model::encode_market_view(b.view())));
}

TEST(MarketViewConfig, ValidateNamesTheBadField) {
  MarketViewConfig c;
  EXPECT_TRUE(c.validate().is_ok());
  c.bullish_breadth = 1.0;
  EXPECT_NE(c.validate().message().find("bullish_breadth"), std::string::npos);
  c = {};
  c.top_n = -1;
  EXPECT_NE(c.validate().message().find("top_n"), std::string::npos);
  c = {};
  c.index_symbols = {""};
  EXPECT_NE(c.validate().message().find("index_symbols"), std::string::npos);
}

}  // namespace
}  // namespace nifty::analysis
