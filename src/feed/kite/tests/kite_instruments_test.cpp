// Tests of the Kite instruments dump loader. Rows follow broker-protocols.md 1.10 (header and the
// INFY example row, quoted from Kite's docs) and 1.9 (the NIFTY 50 index row); the universe tokens
// come from ../shared/data/nifty50.csv's documented values (RELIANCE 2885 / 738561, TCS 11536 /
// 2953217). Line numbers and expected picks are counted by hand.
#include "feed/kite/kite_instruments.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"

namespace nifty::feed::kite {
namespace {

using core::ErrorCode;

constexpr std::string_view kHeader =
    "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,"
    "instrument_type,segment,exchange\n";

model::Universe universe() {
  auto u = model::Universe::parse_csv(
      "symbol,nse_token,kite_token\nINFY,1594,408065\nRELIANCE,2885,738561\nTCS,11536,2953217\n", "test");
  EXPECT_TRUE(u.is_ok());
  return std::move(u).value();
}

std::string dump() {
  std::string s(kHeader);
  s += "408065,1594,INFY,INFOSYS,0,,,0.05,1,EQ,NSE,NSE\n";                          // line 2
  s += "128053508,500209,INFY,INFOSYS,0,,,0.05,1,EQ,BSE,BSE\n";                    // line 3: BSE, not picked
  s += "738561,2885,RELIANCE,\"RELIANCE INDUSTRIES, LTD\",0,,,0.05,1,EQ,NSE,NSE\n";  // line 4: quoted comma
  s += "this,is,not,a,row\n";                                                       // line 5: bad
  s += "12345,abc,FOO,FOO,0,,,0.05,1,EQ,NSE,NSE\n";                                 // line 6: bad token
  s += "2953217,11536,TCS,TATA CONSULTANCY SERV LT,0,,,0.05,1,EQ,NSE,NSE\n";        // line 7
  s += "256265,1001,NIFTY 50,NIFTY 50,0,,,0,0,EQ,INDICES,NSE\r\n";                  // line 8 (CRLF)
  s += "13368834,52222,INFY24JANFUT,INFY,0,2024-01-25,0,0.05,400,FUT,NFO-FUT,NFO\n";  // line 9: F&O
  return s;
}

TEST(KiteInstruments, PicksTheUniverseEquityAndIndexRows) {
  auto r = parse_kite_instruments(dump(), universe(), "instruments.csv");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->lines_read, 8u);
  EXPECT_EQ(r->rows.size(), 4u);
  EXPECT_EQ(r->token_by_symbol.at(model::Symbol("INFY")), 408065u);
  EXPECT_EQ(r->token_by_symbol.at(model::Symbol("RELIANCE")), 738561u);
  EXPECT_EQ(r->token_by_symbol.at(model::Symbol("TCS")), 2953217u);
  EXPECT_EQ(r->token_by_symbol.at(model::Symbol("NIFTY 50")), 256265u);
  EXPECT_EQ(r->symbol_by_token.at(408065).view(), "INFY");
  EXPECT_EQ(r->rows[1].name, "RELIANCE INDUSTRIES, LTD");
  EXPECT_EQ(r->rows[1].line, 4);
  // 408065 = 1594*256+1 and 256265 = 1001*256+9: the formula holds for every picked row.
  EXPECT_TRUE(r->formula_mismatches.empty());
  EXPECT_TRUE(r->universe_mismatches.empty());
  ASSERT_EQ(r->bad_lines.size(), 2u);
  EXPECT_EQ(r->bad_lines[0].line, 5);
  EXPECT_EQ(r->bad_lines[1].line, 6);
  EXPECT_NE(r->bad_lines[0].reason.find("line 5"), std::string::npos);
}

TEST(KiteInstruments, AMissingUniverseSymbolFailsNamingIt) {
  std::string s(kHeader);
  s += "408065,1594,INFY,INFOSYS,0,,,0.05,1,EQ,NSE,NSE\n";
  s += "256265,1001,NIFTY 50,NIFTY 50,0,,,0,0,EQ,INDICES,NSE\n";
  auto r = parse_kite_instruments(s, universe(), "instruments.csv");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.status().message().find("RELIANCE"), std::string::npos);
  EXPECT_NE(r.status().message().find("TCS"), std::string::npos);
}

TEST(KiteInstruments, AWrongHeaderIsAnError) {
  auto r = parse_kite_instruments("symbol,nse_token,kite_token\nINFY,1594,408065\n", universe(), "x.csv");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kParseError);
  EXPECT_FALSE(parse_kite_instruments("", universe(), "x.csv").is_ok());
}

TEST(KiteInstruments, TokenChangesAreReportedAndAppliedToTheUniverse) {
  std::string s = dump();
  // TCS moves to a token that breaks the formula (11536*256+1 = 2953217).
  s.replace(s.find("2953217,11536,TCS"), 7, "2953999");
  auto r = parse_kite_instruments(s, universe(), "instruments.csv");
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->formula_mismatches.size(), 1u);
  EXPECT_NE(r->formula_mismatches[0].find("TCS"), std::string::npos);
  ASSERT_EQ(r->universe_mismatches.size(), 1u);
  auto updated = universe_with_kite_tokens(universe(), *r);
  ASSERT_TRUE(updated.is_ok()) << updated.status().to_string();
  EXPECT_EQ(updated->find(model::Symbol("TCS"))->kite_token, 2953999u);
  EXPECT_EQ(updated->find(model::Symbol("INFY"))->kite_token, 408065u);
}

TEST(KiteInstruments, LoadsFromAFile) {
  testing::TempDir dir;
  std::string path = dir.file("instruments.csv");
  { std::ofstream(path) << dump(); }
  auto r = load_kite_instruments(path, universe());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->rows.size(), 4u);
  EXPECT_EQ(load_kite_instruments(dir.file("absent.csv"), universe()).status().code(), ErrorCode::kIoError);
}

}  // namespace
}  // namespace nifty::feed::kite
