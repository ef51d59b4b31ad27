#include "indicators/tests/real_closes.h"

#include <fstream>
#include <sstream>

namespace nifty::indicators::testing {

std::vector<double> real_closes(const std::string& day, const std::string& symbol) {
  std::ifstream in(std::string(NIFTY_SOURCE_DIR) + "/testdata/nse-1min/" + day + "/" + symbol + ".txt");
  std::vector<double> closes;
  std::string line;
  // SYMBOL,YYYYMMDD,HH:MM,open,high,low,close,volume,oi
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, ',')) fields.push_back(field);
    if (fields.size() < 7) continue;
    if (fields[2] < "09:16" || fields[2] > "15:30") continue;
    closes.push_back(std::stod(fields[6]));
  }
  return closes;
}

}  // namespace nifty::indicators::testing
