// Conformance of every indicator, batch and streaming, with the golden values that R's TTR package
// computed (scripts/gen-indicator-goldens.R) over real daily and 5-minute candles of 11 symbols in
// testdata/indicators. For every column and row:
//  - where the golden value is NA (the indicator's warm-up), ours must be NaN ("not ready"), so the
//    warm-up length and the output alignment are checked too;
//  - elsewhere |ours - golden| <= 1e-8 * max(1, |golden|): relative for values above 1 in
//    magnitude, absolute below (a MACD histogram or a DI crossing zero has no meaningful ratio).
// The inputs are parsed here again, independently of the unit tests' helper.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/timestamp.h"
#include "indicators/indicators.h"

namespace nifty::indicators {
namespace {

constexpr double kTolerance = 1e-8;
const std::string kRoot = std::string(NIFTY_SOURCE_DIR) + "/testdata/indicators";

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream ss(line);
  std::string field;
  while (std::getline(ss, field, ',')) fields.push_back(field);
  return fields;
}

struct Input {
  std::vector<std::string> time;
  std::vector<int64_t> start_nanos;
  std::vector<double> high, low, close, volume;
};

Input read_input(const std::string& path) {
  Input in;
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);  // header
  while (std::getline(file, line)) {
    auto f = split(line);
    if (f.size() < 6) continue;
    in.time.push_back(f[0]);
    auto t = core::Timestamp::parse(f[0]);
    in.start_nanos.push_back(t.is_ok() ? t.value().nanos() : 0);
    in.high.push_back(std::stod(f[2]));
    in.low.push_back(std::stod(f[3]));
    in.close.push_back(std::stod(f[4]));
    in.volume.push_back(std::stod(f[5]));
  }
  return in;
}

// Column name -> values (NA read as NaN), plus the time column.
struct Golden {
  std::vector<std::string> time;
  std::map<std::string, std::vector<double>> columns;
};

Golden read_golden(const std::string& path) {
  Golden g;
  std::ifstream file(path);
  std::string line;
  std::vector<std::string> names;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto f = split(line);
    if (names.empty()) {
      names = f;
      continue;
    }
    if (f.size() != names.size()) continue;
    g.time.push_back(f[0]);
    for (size_t i = 1; i < f.size(); ++i) {
      g.columns[names[i]].push_back(f[i] == "NA" ? std::nan("") : std::strtod(f[i].c_str(), nullptr));
    }
  }
  return g;
}

// Our values for every golden column, from the batch functions and, separately, the streaming classes.
using Series = std::map<std::string, std::vector<double>>;

Series batch(const Input& in) {
  Series s;
  s["close"] = in.close;
  s["sma_20"] = sma(in.close, 20);
  s["ema_20"] = ema(in.close, 20);
  s["rsi_14"] = rsi(in.close, 14);
  auto m = macd(in.close, 12, 26, 9);
  s["macd"] = m.macd;
  s["macd_signal"] = m.signal;
  s["macd_histogram"] = m.histogram;
  auto bb = bollinger(in.close, 20, 2.0);
  s["bb_upper"] = bb.upper;
  s["bb_middle"] = bb.middle;
  s["bb_lower"] = bb.lower;
  s["atr_14"] = atr(in.high, in.low, in.close, 14);
  auto st = stochastic(in.high, in.low, in.close, 14, 3, 3);
  s["stoch_slowk"] = st.slowk;
  s["stoch_slowd"] = st.slowd;
  auto a = adx(in.high, in.low, in.close, 14);
  s["plus_di"] = a.plus_di;
  s["minus_di"] = a.minus_di;
  s["dx"] = a.dx;
  s["adx_14"] = a.adx;
  s["obv"] = obv(in.close, in.volume);
  s["vwap"] = vwap(in.start_nanos, in.high, in.low, in.close, in.volume);
  auto trend = supertrend(in.high, in.low, in.close, 10, 3.0);
  s["supertrend"] = trend.value;
  s["supertrend_direction"].assign(trend.direction.begin(), trend.direction.end());
  s["supertrend_upper"] = trend.upper;
  s["supertrend_lower"] = trend.lower;
  return s;
}

Series streaming(const Input& in) {
  Series s;
  Sma sma20(20);
  Ema ema20(20);
  Rsi rsi14(14);
  Macd macd_(12, 26, 9);
  Bollinger bb(20, 2.0);
  Atr atr14(14);
  Stochastic stoch(14, 3, 3);
  Adx adx14(14);
  Obv obv_;
  Vwap vwap_;
  SuperTrend trend(10, 3.0);
  for (size_t i = 0; i < in.close.size(); ++i) {
    double c = in.close[i];
    Hlcv candle{in.high[i], in.low[i], c, in.volume[i]};
    sma20.update(c);
    ema20.update(c);
    rsi14.update(c);
    macd_.update(c);
    bb.update(c);
    atr14.update(candle);
    stoch.update(candle);
    adx14.update(candle);
    obv_.update(candle);
    vwap_.update(in.start_nanos[i], candle);
    trend.update(candle);
    s["close"].push_back(c);
    s["sma_20"].push_back(sma20.value());
    s["ema_20"].push_back(ema20.value());
    s["rsi_14"].push_back(rsi14.value());
    s["macd"].push_back(macd_.macd());
    s["macd_signal"].push_back(macd_.signal());
    s["macd_histogram"].push_back(macd_.histogram());
    s["bb_upper"].push_back(bb.upper());
    s["bb_middle"].push_back(bb.middle());
    s["bb_lower"].push_back(bb.lower());
    s["atr_14"].push_back(atr14.value());
    s["stoch_slowk"].push_back(stoch.slowk());
    s["stoch_slowd"].push_back(stoch.slowd());
    s["plus_di"].push_back(adx14.plus_di());
    s["minus_di"].push_back(adx14.minus_di());
    s["dx"].push_back(adx14.dx());
    s["adx_14"].push_back(adx14.adx());
    s["obv"].push_back(obv_.value());
    s["vwap"].push_back(vwap_.value());
    s["supertrend"].push_back(trend.value());
    s["supertrend_direction"].push_back(trend.direction());
    s["supertrend_upper"].push_back(trend.upper());
    s["supertrend_lower"].push_back(trend.lower());
  }
  return s;
}

struct Case {
  std::string kind;
  std::string symbol;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  for (const char* kind : {"daily", "5min"}) {
    std::vector<std::string> symbols;
    for (const auto& e : std::filesystem::directory_iterator(kRoot + "/" + kind)) {
      symbols.push_back(e.path().stem().string());
    }
    std::sort(symbols.begin(), symbols.end());
    for (const auto& s : symbols) out.push_back({kind, s});
  }
  return out;
}

// Compares every column of `ours` with the golden; returns the number of values compared.
size_t compare(const Golden& golden, const Series& ours, const std::string& what) {
  size_t compared = 0;
  for (const auto& [name, expected] : golden.columns) {
    auto it = ours.find(name);
    EXPECT_NE(it, ours.end()) << what << ": no column " << name;
    if (it == ours.end()) continue;
    const auto& actual = it->second;
    EXPECT_EQ(actual.size(), expected.size()) << what << " " << name;
    if (actual.size() != expected.size()) continue;
    int failures = 0;
    for (size_t i = 0; i < expected.size() && failures < 5; ++i) {
      bool ok = std::isnan(expected[i])
                    ? std::isnan(actual[i])
                    : std::abs(actual[i] - expected[i]) <= kTolerance * std::max(1.0, std::abs(expected[i]));
      if (!ok) ++failures;
      EXPECT_TRUE(ok) << what << " " << name << " row " << i << " (" << golden.time[i] << "): ours "
                      << actual[i] << ", TTR " << expected[i];
      ++compared;
    }
  }
  return compared;
}

TEST(IndicatorConformance, EveryValueMatchesTtrAfterWarmUp) {
  auto all = cases();
  ASSERT_GE(all.size(), 20u) << "expected >= 10 symbols of daily and of 5-minute candles in " << kRoot;
  size_t compared = 0;
  size_t symbols_5min = 0;
  for (const auto& c : all) {
    std::string what = c.kind + "/" + c.symbol;
    Input in = read_input(kRoot + "/" + c.kind + "/" + c.symbol + ".csv");
    Golden golden = read_golden(kRoot + "/golden/" + c.kind + "/" + c.symbol + ".csv");
    ASSERT_EQ(in.close.size(), 400u) << what;
    ASSERT_EQ(golden.time, in.time) << what << ": golden rows do not line up with the input";
    ASSERT_EQ(golden.columns.size(), 23u) << what;
    compared += compare(golden, batch(in), what + " batch");
    compared += compare(golden, streaming(in), what + " streaming");
    if (c.kind == "5min") ++symbols_5min;
  }
  EXPECT_GE(symbols_5min, 10u);
  EXPECT_EQ(compared, all.size() * 2 * 23 * 400);
}

}  // namespace
}  // namespace nifty::indicators
