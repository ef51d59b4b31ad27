// Price: an exact amount in paise (1/100 rupee) as int64. NSE's tick size is 5 paise for most stocks.
// Value type; thread-safe.
#pragma once

#include <cmath>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nifty::model {

// The largest price any layer accepts: the spec's tables store prices as NUMERIC(10, 2), i.e. up to
// 99,999,999.99 rupees. Parsers reject a price above it as malformed.
inline constexpr int64_t kMaxPricePaise = 9'999'999'999;

class Price {
 public:
  constexpr Price() = default;
  static constexpr Price from_paise(int64_t paise) { return Price(paise); }
  // Rounds to the nearest paisa.
  static Price from_rupees(double rupees) { return Price(std::llround(rupees * 100.0)); }
  // Exact decimal parse of "2850.5", "2850.50", "2850" (at most 2 decimals, no sign).
  // Returns nullopt for anything else, including a third non-zero decimal.
  static std::optional<Price> parse(std::string_view text);

  constexpr int64_t paise() const { return paise_; }
  constexpr double rupees() const { return static_cast<double>(paise_) / 100.0; }
  // "2850.50".
  std::string to_string() const;

  constexpr auto operator<=>(const Price&) const = default;
  constexpr Price operator+(Price o) const { return Price(paise_ + o.paise_); }
  constexpr Price operator-(Price o) const { return Price(paise_ - o.paise_); }

 private:
  constexpr explicit Price(int64_t paise) : paise_(paise) {}
  int64_t paise_ = 0;
};

using Quantity = int64_t;
// No real quantity comes near this (NSE's busiest stocks trade ~1e9 shares a day); input above it is
// rejected, which also keeps every sum of quantities far from int64 overflow.
inline constexpr Quantity kMaxQuantity = 1'000'000'000'000'000;

}  // namespace nifty::model
