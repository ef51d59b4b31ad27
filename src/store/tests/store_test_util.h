// Helpers shared by the store tests: a temporary directory and candle builders.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "model/candle.h"

namespace nifty::store::testing {

// A fresh directory under the system temp dir, removed with everything in it at scope end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nifty-store-XXXXXX").string();
    char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr) << "mkdtemp failed for " << pattern;
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// 2024-01-25 09:15 IST = 03:45 UTC = 1706154300 s since the epoch (date -u -d '2024-01-25 03:45:00' +%s).
inline constexpr int64_t kMarketOpenSeconds = 1706154300;

inline model::Candle make_candle(std::string_view symbol, model::Interval interval, int64_t start_seconds,
                                 int64_t open_paise, int64_t volume = 1000) {
  model::Candle c;
  c.symbol = model::Symbol(symbol);
  c.interval = interval;
  c.start = core::Timestamp::from_seconds(start_seconds);
  c.open = model::Price::from_paise(open_paise);
  c.high = model::Price::from_paise(open_paise + 155);
  c.low = model::Price::from_paise(open_paise - 90);
  c.close = model::Price::from_paise(open_paise + 35);
  c.volume = volume;
  c.trades = 17;
  c.vwap = model::Price::from_paise(open_paise + 20);
  return c;
}

// Field-by-field equality with a readable failure.
inline void expect_same_candle(const model::Candle& a, const model::Candle& b) {
  EXPECT_EQ(a.symbol.view(), b.symbol.view());
  EXPECT_EQ(a.interval, b.interval);
  EXPECT_EQ(a.start.nanos(), b.start.nanos());
  EXPECT_EQ(a.open.paise(), b.open.paise());
  EXPECT_EQ(a.high.paise(), b.high.paise());
  EXPECT_EQ(a.low.paise(), b.low.paise());
  EXPECT_EQ(a.close.paise(), b.close.paise());
  EXPECT_EQ(a.volume, b.volume);
  EXPECT_EQ(a.trades, b.trades);
  EXPECT_EQ(a.vwap.paise(), b.vwap.paise());
}

}  // namespace nifty::store::testing
