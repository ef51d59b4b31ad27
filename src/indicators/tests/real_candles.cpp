#include "indicators/tests/real_candles.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/timestamp.h"

namespace nifty::indicators::testing {

namespace {
std::string dir() { return std::string(NIFTY_SOURCE_DIR) + "/testdata/indicators"; }
}  // namespace

RealCandles real_candles(const std::string& kind, const std::string& symbol) {
  RealCandles out;
  std::ifstream in(dir() + "/" + kind + "/" + symbol + ".csv");
  std::string line;
  std::getline(in, line);  // header: time,open,high,low,close,volume[,oi]
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, ',')) fields.push_back(field);
    if (fields.size() < 6) continue;
    auto time = core::Timestamp::parse(fields[0]);
    if (!time.is_ok()) continue;
    out.start_nanos.push_back(time.value().nanos());
    out.high.push_back(std::stod(fields[2]));
    out.low.push_back(std::stod(fields[3]));
    out.close.push_back(std::stod(fields[4]));
    out.volume.push_back(std::stod(fields[5]));
  }
  return out;
}

std::vector<std::string> real_symbols() {
  std::vector<std::string> symbols;
  for (const auto& entry : std::filesystem::directory_iterator(dir() + "/daily")) {
    std::string symbol = entry.path().stem().string();
    if (std::filesystem::exists(dir() + "/5min/" + symbol + ".csv")) symbols.push_back(symbol);
  }
  std::sort(symbols.begin(), symbols.end());
  return symbols;
}

}  // namespace nifty::indicators::testing
