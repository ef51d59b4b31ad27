// Symbol: an exchange ticker ("RELIANCE", "M&M", "BAJAJ-AUTO") stored inline, so that ticks and
// candles are trivially copyable and never allocate. At most 23 characters.
// Value type; thread-safe.
#pragma once

#include <array>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

namespace nifty::model {

class Symbol {
 public:
  static constexpr size_t kMaxLength = 23;

  constexpr Symbol() = default;
  // Truncates names longer than kMaxLength; use valid() first on untrusted input.
  explicit Symbol(std::string_view name) {
    size_t n = name.size() < kMaxLength ? name.size() : kMaxLength;
    std::memcpy(chars_.data(), name.data(), n);
    chars_[kMaxLength] = static_cast<char>(n);
  }
  static bool valid(std::string_view name) { return !name.empty() && name.size() <= kMaxLength; }

  std::string_view view() const { return {chars_.data(), static_cast<size_t>(chars_[kMaxLength])}; }
  std::string str() const { return std::string(view()); }
  bool empty() const { return chars_[kMaxLength] == 0; }

  bool operator==(const Symbol& o) const { return chars_ == o.chars_; }
  bool operator<(const Symbol& o) const { return view() < o.view(); }

 private:
  std::array<char, kMaxLength + 1> chars_{};  // last byte holds the length
};

}  // namespace nifty::model

template <>
struct std::hash<nifty::model::Symbol> {
  size_t operator()(const nifty::model::Symbol& s) const noexcept {
    return std::hash<std::string_view>{}(s.view());
  }
};
