#include "model/price.h"

#include <cstdio>

namespace nifty::model {

std::optional<Price> Price::parse(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int64_t whole = 0;
  size_t i = 0;
  size_t digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) {
    if (whole > 100'000'000'000LL) return std::nullopt;
    whole = whole * 10 + (s[i] - '0');
  }
  int64_t frac = 0;
  int frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i == s.size()) return std::nullopt;  // "2850." is not a price
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
      if (frac_digits < 2) {
        frac = frac * 10 + (s[i] - '0');
        ++frac_digits;
      } else if (s[i] != '0') {
        return std::nullopt;  // sub-paisa precision
      }
    }
  }
  if (i != s.size() || digits == 0) return std::nullopt;
  if (frac_digits == 1) frac *= 10;
  return Price(whole * 100 + frac);
}

std::string Price::to_string() const {
  char buf[32];
  int64_t p = paise_ < 0 ? -paise_ : paise_;
  std::snprintf(buf, sizeof buf, "%s%lld.%02lld", paise_ < 0 ? "-" : "", static_cast<long long>(p / 100),
                static_cast<long long>(p % 100));
  return buf;
}

}  // namespace nifty::model
