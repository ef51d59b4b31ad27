// Test helper: the closes of one real symbol-day from testdata/nse-1min (a byte-for-byte copy of
// ../shared/data/nse-1min/2023-02-28, the only day kept in the repository).
#pragma once

#include <string>
#include <vector>

namespace nifty::indicators::testing {

// Column 7 (close) of the regular-session rows 09:16..15:30 of testdata/nse-1min/<day>/<symbol>.txt.
// Empty when the file cannot be read.
std::vector<double> real_closes(const std::string& day = "2023-02-28", const std::string& symbol = "RELIANCE");

}  // namespace nifty::indicators::testing
