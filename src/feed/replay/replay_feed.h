// ReplayFeed: a Feed that plays historical files as if they were a live feed. It reads candle files
// (kNse1Min, kCsv) and tick CSV files (see replay_format.h), turns candles into ticks
// (candle_ticks.h), and merges all files by exchange time (ties go to the earlier input), so that
// symbols interleave as they would live. Ticks go to the sink in batches with receive_time = now
// and sequence 1, 2, 3, ...
//
// Speed 0 replays as fast as the sink takes ticks, then calls on_clock(last tick + 1 min + 5 s)
// once so the last candles close. Speed N makes exchange time run N times faster than wall time,
// calls on_clock(paced exchange time) about every 100 ms of wall time while waiting, and jumps over
// stretches with no tick due for more than 60 s of exchange time (nights, breaks) instead of
// sleeping through them. A stop request is honoured within 100 ms in every mode (unless the sink
// itself blocks).
//
// Threading: run() on one thread (the feed thread). report() may be read once run() has returned.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/nse_calendar.h"
#include "core/status.h"
#include "feed/feed.h"
#include "feed/replay/line_error.h"
#include "feed/replay/replay_format.h"
#include "model/candle.h"

namespace nifty::feed {

struct ReplayConfig {
  // Files or folders; folders are read recursively (their *.csv and *.txt files). All files are
  // sorted by path; that order breaks ties between equal exchange times.
  std::vector<std::string> inputs;
  // Forces the format of every file; detected per file from its first line when unset.
  std::optional<Format> format;
  // 0 = as fast as possible; N = N times real time.
  double speed = 0.0;
  // Most ticks per sink.on_ticks() call.
  size_t batch = 1024;
};

struct ReplayReport {
  std::vector<std::string> files;  // in merge order
  uint64_t files_read = 0;
  uint64_t candles_read = 0;       // good candles read from candle files
  uint64_t ticks_read = 0;         // good ticks read from tick files
  uint64_t ticks_emitted = 0;
  uint64_t idle_skips = 0;         // paced mode: stretches jumped over
  LineErrorLog line_errors;        // merged over all files
};

// The files `inputs` name: files as given, folders searched recursively for *.csv and *.txt; the
// result sorted by path within each input and without repeats. kNotFound names a missing input
// or a folder without data files.
core::Result<std::vector<std::string>> list_replay_files(const std::vector<std::string>& inputs);

// Calls `on_candle` for every good candle of the candle files of `inputs`, file by file in path
// order (no merge, no ticks): for `nifty import`. Stops early, with ok, when `on_candle` returns
// false. Tick files, unreadable files and unknown formats are errors naming the file. Line errors
// and counts are added to `report`.
core::Status for_each_candle(const std::vector<std::string>& inputs, std::optional<Format> format,
                             const std::function<bool(const model::Candle&)>& on_candle, ReplayReport& report);

// The finest interval of each symbol's candle files among the inputs (a symbol found only in tick
// files is absent: it is traded minute by minute). A replay of 5-minute data builds 1-minute
// candles whose inner shape is made up, so those should not be stored as history.
// Errors as for list_replay_files and for unreadable files.
core::Result<std::unordered_map<model::Symbol, model::Interval>> source_intervals(
    const std::vector<std::string>& inputs, std::optional<Format> format);

class ReplayFeed final : public Feed {
 public:
  // `calendar` (used to place the ticks of daily candles) must outlive the feed.
  explicit ReplayFeed(ReplayConfig config, const core::NseCalendar& calendar = core::NseCalendar::builtin());

  std::string_view name() const override { return "replay"; }
  // Opens every input first: an unreadable or unrecognised input returns an error naming it before
  // any tick is sent. Ok at the end of the input, on stop, or when the sink refuses.
  core::Status run(FeedSink& sink, std::stop_token stop) override;

  const ReplayReport& report() const { return report_; }

 private:
  ReplayConfig config_;
  const core::NseCalendar& calendar_;
  ReplayReport report_;
};

}  // namespace nifty::feed
