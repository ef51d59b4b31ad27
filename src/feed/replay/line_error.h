// LineError and LineErrorLog: the bad lines a replay file reader skipped, named by file and line.
// The log keeps the first kKeep errors in full and counts all of them by kind.
// Value types; not thread-safe (one reader owns one log; a report merges them after the fact).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nifty::feed {

enum class LineErrorKind : uint8_t {
  kMalformed,   // wrong field count, a number, price, date or time that does not parse
  kInvalidOhlc, // high < max(open, close), low > min(open, close) or low <= 0
  kOutOfOrder,  // time earlier than (or, for candles, equal to) the previous row, with different values
  kDuplicate,   // a candle row identical to the one already read at that time
};
inline constexpr size_t kLineErrorKindCount = 4;

// "malformed", "invalid_ohlc", "out_of_order", "duplicate".
std::string_view line_error_kind_name(LineErrorKind kind);

struct LineError {
  std::string file;
  uint64_t line = 0;  // 1-based line number in `file`
  LineErrorKind kind = LineErrorKind::kMalformed;
  std::string reason;  // what was wrong, for humans: "7 fields, want 9"

  // "data/RELIANCE.txt:12: malformed: 7 fields, want 9".
  std::string to_string() const;
};

class LineErrorLog {
 public:
  static constexpr size_t kKeep = 100;

  void add(std::string_view file, uint64_t line, LineErrorKind kind, std::string reason);
  // Adds another log's counts and as many of its kept errors as still fit.
  void merge(const LineErrorLog& other);

  // The first kKeep errors, in the order seen.
  const std::vector<LineError>& errors() const { return errors_; }
  uint64_t total() const { return total_; }
  uint64_t count(LineErrorKind kind) const { return counts_[static_cast<size_t>(kind)]; }
  const std::array<uint64_t, kLineErrorKindCount>& counts() const { return counts_; }

 private:
  std::vector<LineError> errors_;
  std::array<uint64_t, kLineErrorKindCount> counts_{};
  uint64_t total_ = 0;
};

}  // namespace nifty::feed
