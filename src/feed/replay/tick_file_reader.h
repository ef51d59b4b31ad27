// TickFileReader: streams ticks out of a CSV file, one per next(), without loading the file.
//   symbol,exchange_time,price,cumulative_volume[,last_qty,bid,ask]
// An optional header line starts with "symbol". exchange_time is ISO-8601 with an offset or 'Z', or
// naive IST; fractional seconds are allowed ("2023-02-27 09:16:05.250"). Prices are parsed exactly;
// empty optional fields read as 0. The reader checks syntax only: values such as a zero price are
// passed on for the TickNormalizer to reject and count.
// Bad lines are skipped and recorded in errors(): malformed lines, and ticks whose exchange time is
// earlier than the previous tick's in the file ("out_of_order"; equal times are fine).
// Not thread-safe: one reader per thread. Movable.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "feed/replay/line_error.h"
#include "model/tick.h"

namespace nifty::feed {

class TickFileReader {
 public:
  // kIoError when the file cannot be opened.
  static core::Result<TickFileReader> open(const std::string& path);

  // The next good tick (exchange_time, symbol, prices, volumes set; receive_time and sequence
  // left 0); false at the end of the file (or on a read error: see status()).
  bool next(model::Tick& out);

  const std::string& path() const { return path_; }
  uint64_t ticks_read() const { return ticks_read_; }
  const LineErrorLog& errors() const { return errors_; }
  // Ok unless reading the file failed part way (kIoError naming the file).
  const core::Status& status() const { return status_; }

  TickFileReader(TickFileReader&&) = default;
  TickFileReader& operator=(TickFileReader&&) = default;

 private:
  TickFileReader() = default;
  bool parse(std::string_view line, uint64_t line_no, model::Tick& out);

  std::string path_;
  std::unique_ptr<std::ifstream> in_;
  std::string line_;
  uint64_t line_no_ = 0;
  uint64_t ticks_read_ = 0;
  std::optional<core::Timestamp> last_time_;
  LineErrorLog errors_;
  core::Status status_;
};

}  // namespace nifty::feed
