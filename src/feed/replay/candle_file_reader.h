// CandleFileReader: streams historical candles out of one file in the kNse1Min or kCsv format (see
// replay_format.h), one candle per next(), without loading the file.
//   - Prices are parsed exactly (model::Price::parse); volume as an integer; trades = 0, vwap = 0.
//   - kNse1Min rows are labelled by their END minute: "09:16" is the candle starting 09:15. Every
//     row is returned, the 09:08 pre-open print and the post-close prints included.
//   - kCsv rows are labelled by their START; the symbol is the file name stem (RELIANCE.csv). The
//     interval is 1d when the first row's IST time of day is 00:00, else the smallest positive step
//     between rows of one day among the first rows, unless ReaderOptions::interval forces it.
// Bad lines are skipped and recorded in errors() (file, line, kind): malformed lines, invalid OHLC,
// and rows whose start is not after the previous one ("duplicate" when identical to the row already
// read at that time, else "out_of_order").
// Not thread-safe: one reader per thread. Movable.
#pragma once

#include <cstdint>
#include <deque>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "core/status.h"
#include "feed/replay/line_error.h"
#include "feed/replay/replay_format.h"
#include "model/candle.h"

namespace nifty::feed {

struct ReaderOptions {
  std::optional<Format> format;             // detected from the first line when unset
  std::optional<model::Interval> interval;  // kCsv only: forces the interval instead of inferring it
};

class CandleFileReader {
 public:
  // Opens `path` and reads its header (and, for kCsv, a few rows to infer the interval).
  // kIoError when unreadable; kParseError when it is not a candle file or its interval cannot be
  // inferred (the message names the file).
  static core::Result<CandleFileReader> open(const std::string& path, ReaderOptions options = {});

  // The next good candle; false at the end of the file (or on a read error: see status()).
  bool next(model::Candle& out);

  const std::string& path() const { return path_; }
  Format format() const { return format_; }
  model::Interval interval() const { return interval_; }
  uint64_t candles_read() const { return candles_read_; }
  const LineErrorLog& errors() const { return errors_; }
  // Ok unless reading the file failed part way (kIoError naming the file).
  const core::Status& status() const { return status_; }

  CandleFileReader(CandleFileReader&&) = default;
  CandleFileReader& operator=(CandleFileReader&&) = default;

 private:
  // Accepted rows kept to tell a repeated row ("duplicate") from a genuinely out-of-order one.
  static constexpr size_t kRecentWindow = 4096;
  // kCsv: rows read ahead at open() to infer the interval.
  static constexpr size_t kInferRows = 64;

  struct CsvColumns {
    int time = -1, open = -1, high = -1, low = -1, close = -1, volume = -1;
    size_t count = 0;
  };

  CandleFileReader() = default;
  bool read_line(std::string& line, uint64_t& line_no);
  // Parses one data line; on failure records the error and returns false.
  bool parse_line(std::string_view line, uint64_t line_no, model::Candle& out);
  bool parse_nse_1min(std::string_view line, uint64_t line_no, model::Candle& out);
  bool parse_csv(std::string_view line, uint64_t line_no, model::Candle& out);
  bool check_order(const model::Candle& c, uint64_t line_no);
  core::Status infer_interval();

  std::string path_;
  std::unique_ptr<std::ifstream> in_;
  Format format_ = Format::kNse1Min;
  model::Interval interval_ = model::Interval::k1m;
  model::Symbol file_symbol_;
  CsvColumns columns_;
  std::deque<std::pair<uint64_t, std::string>> lookahead_;  // (line number, text)
  uint64_t line_no_ = 0;
  std::string line_;
  std::deque<model::Candle> recent_;
  uint64_t candles_read_ = 0;
  LineErrorLog errors_;
  core::Status status_;
  // kNse1Min: the last YYYYMMDD text and its date, to avoid re-parsing the same date every row.
  std::string last_date_text_;
  core::Date last_date_;
};

}  // namespace nifty::feed
