#include "analysis/indicator_table.h"

#include <cmath>
#include <cstdio>

#include "indicators/indicators.h"

namespace nifty::analysis {

IndicatorTable compute_indicator_table(std::span<const model::Candle> candles) {
  const size_t n = candles.size();
  std::vector<double> high(n), low(n), close(n), volume(n);
  std::vector<int64_t> start(n);
  for (size_t i = 0; i < n; ++i) {
    high[i] = candles[i].high.rupees();
    low[i] = candles[i].low.rupees();
    close[i] = candles[i].close.rupees();
    volume[i] = static_cast<double>(candles[i].volume);
    start[i] = candles[i].start.nanos();
  }
  IndicatorTable t;
  auto add = [&](std::string name, std::vector<double> values) { t.columns.push_back({std::move(name), std::move(values)}); };
  add("rsi14", indicators::rsi(close, 14));
  auto macd = indicators::macd(close, 12, 26, 9);
  add("macd", std::move(macd.macd));
  add("macd_signal", std::move(macd.signal));
  add("macd_hist", std::move(macd.histogram));
  add("ema50", indicators::ema(close, 50));
  add("ema100", indicators::ema(close, 100));
  add("ema200", indicators::ema(close, 200));
  add("sma20", indicators::sma(close, 20));
  auto bb = indicators::bollinger(close, 20, 2.0);
  add("bb_upper", std::move(bb.upper));
  add("bb_middle", std::move(bb.middle));
  add("bb_lower", std::move(bb.lower));
  add("atr14", indicators::atr(high, low, close, 14));
  auto stoch = indicators::stochastic(high, low, close, 14, 3, 3);
  add("stoch_k", std::move(stoch.slowk));
  add("stoch_d", std::move(stoch.slowd));
  auto adx = indicators::adx(high, low, close, 14);
  add("plus_di14", std::move(adx.plus_di));
  add("minus_di14", std::move(adx.minus_di));
  add("adx14", std::move(adx.adx));
  add("obv", indicators::obv(close, volume));
  add("vwap", indicators::vwap(start, high, low, close, volume));
  auto st = indicators::supertrend(high, low, close, 10, 3.0);
  add("supertrend", std::move(st.value));
  std::vector<double> direction(n, std::nan(""));
  for (size_t i = 0; i < n; ++i) {
    if (st.direction[i] != 0) direction[i] = st.direction[i];
  }
  add("supertrend_dir", std::move(direction));
  return t;
}

std::string indicator_table_csv(std::span<const model::Candle> candles, const IndicatorTable& table) {
  std::string out = "time,close";
  for (const auto& c : table.columns) out += "," + c.name;
  out += "\n";
  char buf[64];
  for (size_t i = 0; i < candles.size(); ++i) {
    out += candles[i].start.to_iso_ist();
    out += ",";
    out += candles[i].close.to_string();
    for (const auto& c : table.columns) {
      out += ",";
      double v = c.values[i];
      if (std::isfinite(v)) {
        std::snprintf(buf, sizeof buf, "%.10g", v);
        out += buf;
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace nifty::analysis
