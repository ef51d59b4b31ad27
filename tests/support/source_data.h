// Independent readers of the real data sets in ../shared/data, for golden tests. They share no code
// with src/feed: each is a few lines of plain string handling written from the data's README, so a
// bug in the project's readers cannot hide itself. Times become unix seconds UTC of the candle
// START; prices become integer paise; nothing is rounded through a double.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

namespace nifty::testing {

// One candle as the source file states it.
struct SourceCandle {
  std::string symbol;
  int64_t start = 0;  // unix seconds UTC of the candle's first instant
  int64_t open = 0;   // paise
  int64_t high = 0;
  int64_t low = 0;
  int64_t close = 0;
  int64_t volume = 0;
  int line = 0;       // 1-based line in its file
};

inline bool operator==(const SourceCandle& a, const SourceCandle& b) {
  return std::tie(a.symbol, a.start, a.open, a.high, a.low, a.close, a.volume) ==
         std::tie(b.symbol, b.start, b.open, b.high, b.low, b.close, b.volume);
}

inline constexpr int64_t kIstOffsetSeconds = 5 * 3600 + 30 * 60;

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
// Unix seconds of an IST wall-clock time.
int64_t ist_to_unix(int y, int m, int d, int hh, int mm, int ss = 0);
// IST minutes since midnight of a unix time (0..1439), and its IST date as YYYYMMDD.
int ist_minute_of_day(int64_t unix_seconds);
int ist_yyyymmdd(int64_t unix_seconds);
// "1517", "1517.5", "1517.05" -> paise; nullopt for anything else.
std::optional<int64_t> parse_paise(const std::string& text);
// Splits on commas.
std::vector<std::string> split_csv(const std::string& line);

// A 1-minute NSE file (SYMBOL,YYYYMMDD,HH:MM,o,h,l,c,v,oi; labelled by the minute's END): every
// row, start = label - 60 s. Aborts the test (via the returned error string) on a line that does not
// parse: the real files have none.
struct OneMinuteFile {
  std::vector<SourceCandle> rows;
  std::string error;  // empty when every line parsed
};
OneMinuteFile read_one_minute_file(const std::string& path);
// One line of such a file; false with `why` set when it does not parse.
bool parse_one_minute_line(const std::string& line, SourceCandle& out, std::string& why);

// The regular-session rows: labels 09:16 .. 15:30 IST (starts 09:15 .. 15:29).
bool is_regular_minute(const SourceCandle& c);

// A Kite-style 5-minute CSV (header date,open,high,low,close,volume; "YYYY-MM-DD HH:MM:SS+05:30",
// labelled by START); symbol = file stem.
struct FiveMinuteFile {
  std::vector<SourceCandle> rows;  // every data row, in file order
  std::string error;
};
FiveMinuteFile read_five_minute_file(const std::string& path, const std::string& symbol);

// The rollup of 1-minute candles into buckets of `seconds` aligned to 09:15 IST (clipped to the
// session end 15:30), or, for seconds == 86400, to IST midnight: open first, close last, high max,
// low min, volume sum. Input: one symbol's regular-session rows, oldest first.
std::vector<SourceCandle> roll_up(const std::vector<SourceCandle>& one_minute, int64_t seconds);

// Keyed for comparison: (symbol, start).
using CandleKey = std::pair<std::string, int64_t>;
using CandleMap = std::map<CandleKey, SourceCandle>;

// gtest prints candles with describe().
std::string describe(const SourceCandle& c);
inline void PrintTo(const SourceCandle& c, std::ostream* os) { *os << describe(c); }

// Readable description for failure messages: "INFY 2023-02-28 09:15 IST o=... h=... ...".
std::string describe(const SourceCandle& c);

}  // namespace nifty::testing
