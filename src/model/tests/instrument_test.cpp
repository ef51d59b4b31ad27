#include "model/instrument.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace nifty::model {
namespace {

// A byte-for-byte copy of ../shared/data/nifty50.csv (testdata/README.md).
const std::string kCsv = NIFTY_SOURCE_DIR "/config/nifty50.csv";

TEST(Universe, LoadsTheFiftyStocksPlusTheIndex) {
  auto u = Universe::load_csv(kCsv);
  ASSERT_TRUE(u.is_ok()) << u.status().to_string();
  EXPECT_EQ(u->size(), 51u);
  int equities = 0;
  for (const auto& ins : u->instruments()) equities += ins.kind == InstrumentKind::kEquity;
  EXPECT_EQ(equities, 50);
  const Instrument* idx = u->find(Symbol("NIFTY 50"));
  ASSERT_NE(idx, nullptr);
  EXPECT_EQ(idx->kind, InstrumentKind::kIndex);
  EXPECT_EQ(idx->kite_token, 256265u);
  EXPECT_EQ(idx->nse_token, 26000u);
  EXPECT_EQ(idx->noren_key, "NSE|26000");
  EXPECT_FALSE(idx->has_volume());
  EXPECT_EQ(u->find_by_kite_token(256265), idx);
  EXPECT_EQ(u->find_by_nse_token(26000), idx);
}

// Reads the file with a parser of its own (not Universe) and checks every equity row against the
// rule kite_token = nse_token * 256 + 1, and that Universe holds the same numbers.
TEST(Universe, KiteTokenIsNseTokenTimes256PlusOneForEveryEquityRow) {
  auto u = Universe::load_csv(kCsv);
  ASSERT_TRUE(u.is_ok());
  std::ifstream in(kCsv);
  ASSERT_TRUE(in);
  std::string line;
  std::getline(in, line);  // header
  EXPECT_EQ(line.rfind("symbol,nse_token,kite_token", 0), 0u);
  int rows = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string sym, nse, kite;
    std::getline(ss, sym, ',');
    std::getline(ss, nse, ',');
    std::getline(ss, kite, ',');
    const unsigned long long n = std::stoull(nse), k = std::stoull(kite);
    EXPECT_EQ(k, n * 256 + 1) << sym;
    const Instrument* ins = u->find(Symbol(sym));
    ASSERT_NE(ins, nullptr) << sym;
    EXPECT_EQ(ins->nse_token, n) << sym;
    EXPECT_EQ(ins->kite_token, k) << sym;
    EXPECT_EQ(ins->noren_key, "NSE|" + nse) << sym;
    EXPECT_EQ(u->find_by_kite_token(static_cast<uint32_t>(k)), ins) << sym;
    EXPECT_EQ(u->find_by_nse_token(static_cast<uint32_t>(n)), ins) << sym;
    ++rows;
  }
  EXPECT_EQ(rows, 50);
}

TEST(Universe, AgreesWithTheBrokerNotesTable) {
  // From ../shared/design/broker-protocols.md section 5.3 (and Kite's docs for INFY).
  auto u = Universe::load_csv(kCsv);
  ASSERT_TRUE(u.is_ok());
  struct Row {
    const char* symbol;
    uint32_t nse, kite;
  };
  for (Row r : {Row{"RELIANCE", 2885, 738561}, Row{"INFY", 1594, 408065}, Row{"ADANIENT", 25, 6401},
                Row{"M&M", 2031, 519937}, Row{"BAJAJ-AUTO", 16669, 4267265}}) {
    const Instrument* ins = u->find(Symbol(r.symbol));
    ASSERT_NE(ins, nullptr) << r.symbol;
    EXPECT_EQ(ins->nse_token, r.nse) << r.symbol;
    EXPECT_EQ(ins->kite_token, r.kite) << r.symbol;
  }
  EXPECT_EQ(u->find(Symbol("HDFC")), nullptr);
}

TEST(Universe, BadRowsGiveErrorsNamingTheLine) {
  struct Case {
    const char* text;
    const char* where;
  };
  for (Case c : {Case{"symbol,nse_token,kite_token\nA,1,257\nB,x,513\n", "u.csv:3:"},
                 Case{"symbol,nse_token,kite_token\nA,1\n", "u.csv:2:"},
                 Case{"symbol,nse_token,kite_token\nA,1,257\nA,2,513\n", "u.csv:3:"},
                 Case{"symbol,nse_token,kite_token\nA,1,257\nB,1,513\n", "u.csv:3:"},
                 Case{"symbol,nse_token,kite_token\n,1,257\n", "u.csv:2:"},
                 Case{"symbol,nse_token,kite_token\nA,-1,257\n", "u.csv:2:"},
                 Case{"symbol,nse_token,kite_token\nABCDEFGHIJKLMNOPQRSTUVWXYZ,1,257\n", "u.csv:2:"}}) {
    auto r = Universe::parse_csv(c.text, "u.csv");
    ASSERT_FALSE(r.is_ok()) << c.text;
    EXPECT_EQ(r.status().message().rfind(c.where, 0), 0u) << r.status().message();
  }
  EXPECT_FALSE(Universe::parse_csv("symbol,nse_token,kite_token\n", "empty.csv").is_ok());
  auto missing = Universe::load_csv("/nonexistent/u.csv");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), core::ErrorCode::kIoError);
}

}  // namespace
}  // namespace nifty::model
