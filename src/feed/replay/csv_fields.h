// Small helpers shared by the replay file readers: splitting a CSV line (no quoting: the market
// data files never quote) and exact integer parsing. Internal to feed/replay.
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace nifty::feed::csv {

// Splits `line` at commas into `out`; returns the number of fields, or out.size() + 1 when the
// line has more fields than `out` holds.
template <size_t N>
size_t split(std::string_view line, std::array<std::string_view, N>& out) {
  size_t n = 0;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    if (n == N) return N + 1;
    out[n++] = line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (comma == std::string_view::npos) return n;
    start = comma + 1;
  }
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Removes a trailing '\r' and a leading UTF-8 byte order mark.
inline std::string_view clean_line(std::string_view s, bool first_line) {
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  if (first_line && s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return s;
}

inline bool parse_int64(std::string_view s, int64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

inline bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "09:16" -> 556 (minutes of day); -1 when it is not HH:MM.
inline int parse_hh_mm(std::string_view s) {
  if (s.size() != 5 || s[2] != ':' || !is_digits(s.substr(0, 2)) || !is_digits(s.substr(3, 2))) return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return -1;
  return h * 60 + m;
}

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace nifty::feed::csv
