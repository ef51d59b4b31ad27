// Format: the file formats the replay readers understand, and their detection from a file's first
// line. See ../shared/data/README.md for the candle sets.
//   kNse1Min  SYMBOL,YYYYMMDD,HH:MM,open,high,low,close,volume,oi   (no header; labelled by END minute)
//   kCsv      date,open,high,low,close,volume[,oi] with ISO times (header; labelled by START;
//             symbol = file name stem)
//   kTicks    symbol,exchange_time,price,cumulative_volume[,last_qty,bid,ask] (header optional)
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace nifty::feed {

enum class Format : uint8_t { kNse1Min, kCsv, kTicks };

// "nse1min", "csv", "ticks".
std::string_view format_name(Format format);
// Accepts the names above (case-insensitive); nullopt otherwise.
std::optional<Format> parse_format(std::string_view name);

// The format a file with this first line is in; nullopt when it looks like none of them.
std::optional<Format> detect_format(std::string_view first_line);
// Reads the first line of `path` and detects its format. kIoError when the file cannot be read,
// kParseError (naming the file and its first line) when the format is not recognised.
core::Result<Format> detect_file_format(const std::string& path);

}  // namespace nifty::feed
