#include "feed/replay/replay_feed.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>

#include "core/log.h"
#include "feed/replay/candle_file_reader.h"
#include "feed/replay/candle_ticks.h"
#include "feed/replay/csv_fields.h"
#include "feed/replay/tick_file_reader.h"

namespace nifty::feed {

namespace fs = std::filesystem;

namespace {

constexpr int64_t kIdleSkipNanos = 60 * core::kNanosPerSecond;
constexpr int64_t kFinalClockNanos = core::kNanosPerMinute + 5 * core::kNanosPerSecond;
constexpr std::chrono::milliseconds kClockEvery{100};

bool is_data_file(const fs::path& p) {
  std::string name = p.filename().string();
  if (name.empty() || name.front() == '.') return false;
  std::string ext = p.extension().string();
  return csv::iequals(ext, ".csv") || csv::iequals(ext, ".txt");
}

// One input file as a stream of ticks in exchange-time order.
struct Source {
  std::string path;
  std::optional<CandleFileReader> candles;
  std::optional<TickFileReader> ticks;
  std::array<model::Tick, kMaxTicksPerCandle> buffer{};
  size_t pos = 0;
  size_t count = 0;

  // Makes head() the next tick; false at the end of the file.
  bool fill(const core::NseCalendar& calendar) {
    if (pos < count) return true;
    pos = 0;
    count = 0;
    if (candles) {
      model::Candle c;
      if (!candles->next(c)) return false;
      count = candle_price_path(c, calendar, buffer);
    } else {
      if (!ticks->next(buffer[0])) return false;
      count = 1;
    }
    return true;
  }
  const model::Tick& head() const { return buffer[pos]; }
  const LineErrorLog& errors() const { return candles ? candles->errors() : ticks->errors(); }
  const core::Status& status() const { return candles ? candles->status() : ticks->status(); }
};

core::Result<Source> open_source(const std::string& path, std::optional<Format> forced) {
  Format format;
  std::error_code ec;
  if (forced) {
    format = *forced;
  } else if (std::filesystem::file_size(path, ec) == 0 && !ec) {
    // An empty file holds no candles; it must not stop the files beside it from being read.
    core::Logger::get("feed").warn("empty replay file", {{"file", path}});
    format = Format::kNse1Min;
  } else {
    NIFTY_ASSIGN_OR_RETURN(format, detect_file_format(path));
  }
  Source s;
  s.path = path;
  if (format == Format::kTicks) {
    NIFTY_ASSIGN_OR_RETURN(auto reader, TickFileReader::open(path));
    s.ticks.emplace(std::move(reader));
  } else {
    NIFTY_ASSIGN_OR_RETURN(auto reader, CandleFileReader::open(path, ReaderOptions{format, std::nullopt}));
    s.candles.emplace(std::move(reader));
  }
  return s;
}

// Emission state of one run(): batching, sequence numbers and pacing.
class Emitter {
 public:
  Emitter(FeedSink& sink, std::stop_token stop, const ReplayConfig& config, ReplayReport& report)
      : sink_(sink), stop_(std::move(stop)), speed_(config.speed), batch_size_(std::max<size_t>(config.batch, 1)),
        report_(report) {
    batch_.reserve(batch_size_);
  }

  // Queues one tick; false when the replay must end (stop requested, sink refused).
  bool emit(const model::Tick& tick) {
    if (stop_.stop_requested()) return false;
    if (speed_ > 0 && !wait_until_due(tick.exchange_time)) return false;
    batch_.push_back(tick);
    batch_.back().sequence = ++sequence_;
    last_time_ = tick.exchange_time;
    if (batch_.size() >= batch_size_) return flush();
    return true;
  }

  // Sends what is queued, then the closing clock.
  bool finish() {
    if (!flush()) return false;
    if (last_time_ && !stop_.stop_requested()) return sink_.on_clock(*last_time_ + kFinalClockNanos);
    return true;
  }

  bool flush() {
    if (batch_.empty()) return true;
    const core::Timestamp now = core::Timestamp::now();
    for (model::Tick& t : batch_) t.receive_time = now;
    const bool ok = sink_.on_ticks(batch_);
    report_.ticks_emitted += batch_.size();
    batch_.clear();
    return ok;
  }

 private:
  using SteadyClock = std::chrono::steady_clock;

  core::Timestamp paced_time(SteadyClock::time_point now) const {
    const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(now - base_wall_).count();
    return base_exchange_ + static_cast<int64_t>(static_cast<double>(elapsed) * speed_);
  }

  // Blocks until exchange time `t` is due at the replay speed.
  bool wait_until_due(core::Timestamp t) {
    if (!started_) {
      started_ = true;
      base_exchange_ = t;
      base_wall_ = SteadyClock::now();
      last_clock_wall_ = base_wall_;
      return true;
    }
    while (true) {
      const auto now = SteadyClock::now();
      const core::Timestamp paced = paced_time(now);
      if (t <= paced) return true;
      if (!flush()) return false;  // deliver what is due before waiting
      if (t - paced > kIdleSkipNanos) {
        base_exchange_ = t;
        base_wall_ = now;
        ++report_.idle_skips;
        return true;
      }
      if (now - last_clock_wall_ >= kClockEvery) {
        last_clock_wall_ = now;
        if (!sink_.on_clock(paced)) return false;
      }
      const auto until_due = std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(t - paced) / speed_) + 1);
      const auto until_clock = std::chrono::duration_cast<std::chrono::nanoseconds>(last_clock_wall_ + kClockEvery - now);
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, stop_, std::min(until_due, until_clock), [] { return false; });
      if (stop_.stop_requested()) return false;
    }
  }

  FeedSink& sink_;
  std::stop_token stop_;
  double speed_;
  size_t batch_size_;
  ReplayReport& report_;
  std::vector<model::Tick> batch_;
  uint64_t sequence_ = 0;
  std::optional<core::Timestamp> last_time_;
  bool started_ = false;
  core::Timestamp base_exchange_;
  SteadyClock::time_point base_wall_;
  SteadyClock::time_point last_clock_wall_;
  std::mutex mu_;
  std::condition_variable_any cv_;
};

}  // namespace

core::Result<std::vector<std::string>> list_replay_files(const std::vector<std::string>& inputs) {
  if (inputs.empty()) return core::error(core::ErrorCode::kInvalidArgument, "no replay inputs given");
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto add = [&](const fs::path& p) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(p, ec);
    if (seen.insert(ec ? p.string() : canonical.string()).second) out.push_back(p.string());
  };
  for (const std::string& input : inputs) {
    std::error_code ec;
    const fs::file_status st = fs::status(input, ec);
    if (ec || !fs::exists(st)) {
      return core::error(core::ErrorCode::kNotFound, "replay input " + input + " does not exist");
    }
    if (fs::is_directory(st)) {
      std::vector<fs::path> files;
      fs::recursive_directory_iterator it(input, fs::directory_options::follow_directory_symlink, ec);
      for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && is_data_file(it->path())) files.push_back(it->path());
      }
      if (ec) return core::error(core::ErrorCode::kIoError, "cannot list replay folder " + input + ": " + ec.message());
      if (files.empty()) {
        return core::error(core::ErrorCode::kNotFound, "replay folder " + input + " has no .csv or .txt files");
      }
      std::sort(files.begin(), files.end());
      for (const fs::path& f : files) add(f);
    } else {
      add(input);
    }
  }
  return out;
}

core::Result<std::unordered_map<model::Symbol, model::Interval>> source_intervals(
    const std::vector<std::string>& inputs, std::optional<Format> format) {
  NIFTY_ASSIGN_OR_RETURN(auto files, list_replay_files(inputs));
  std::unordered_map<model::Symbol, model::Interval> finest;
  for (const auto& path : files) {
    NIFTY_ASSIGN_OR_RETURN(Source s, open_source(path, format));
    if (!s.candles) continue;  // tick files: their symbols keep the 1-minute default
    model::Candle first;
    if (!s.candles->next(first)) continue;  // no candle (an empty file, or only bad lines)
    auto [it, inserted] = finest.try_emplace(first.symbol, s.candles->interval());
    if (!inserted) it->second = std::min(it->second, s.candles->interval());
  }
  return finest;
}

core::Status for_each_candle(const std::vector<std::string>& inputs, std::optional<Format> format,
                             const std::function<bool(const model::Candle&)>& on_candle, ReplayReport& report) {
  NIFTY_ASSIGN_OR_RETURN(std::vector<std::string> files, list_replay_files(inputs));
  for (const std::string& path : files) {
    Format f;
    if (format) {
      f = *format;
    } else {
      NIFTY_ASSIGN_OR_RETURN(f, detect_file_format(path));
    }
    if (f == Format::kTicks) {
      return core::error(core::ErrorCode::kInvalidArgument, path + ": is a tick file, not a candle file");
    }
    NIFTY_ASSIGN_OR_RETURN(CandleFileReader reader, CandleFileReader::open(path, ReaderOptions{f, std::nullopt}));
    report.files.push_back(path);
    ++report.files_read;
    model::Candle candle;
    bool go_on = true;
    while (go_on && reader.next(candle)) go_on = on_candle(candle);
    report.candles_read += reader.candles_read();
    report.line_errors.merge(reader.errors());
    NIFTY_RETURN_IF_ERROR(reader.status());
    if (!go_on) break;
  }
  return core::Status::ok();
}

ReplayFeed::ReplayFeed(ReplayConfig config, const core::NseCalendar& calendar)
    : config_(std::move(config)), calendar_(calendar) {}

core::Status ReplayFeed::run(FeedSink& sink, std::stop_token stop) {
  report_ = ReplayReport{};
  auto& log = core::Logger::get("feed");
  NIFTY_ASSIGN_OR_RETURN(std::vector<std::string> files, list_replay_files(config_.inputs));

  std::vector<Source> sources;
  sources.reserve(files.size());
  for (const std::string& path : files) {
    NIFTY_ASSIGN_OR_RETURN(Source s, open_source(path, config_.format));
    sources.push_back(std::move(s));
  }
  report_.files = files;
  report_.files_read = sources.size();
  log.info("replay starting", {{"files", sources.size()}, {"speed", config_.speed}});

  // k-way merge: a min-heap of (head exchange time, source index).
  using Entry = std::pair<int64_t, uint32_t>;
  std::vector<Entry> heap;
  heap.reserve(sources.size());
  const auto later = [](const Entry& a, const Entry& b) { return a > b; };
  for (uint32_t i = 0; i < sources.size(); ++i) {
    if (sources[i].fill(calendar_)) heap.emplace_back(sources[i].head().exchange_time.nanos(), i);
  }
  std::make_heap(heap.begin(), heap.end(), later);

  Emitter emitter(sink, stop, config_, report_);
  DayVolume day_volume;
  bool go_on = true;
  while (go_on && !heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const uint32_t i = heap.back().second;
    heap.pop_back();
    Source& src = sources[i];
    model::Tick tick = src.head();
    ++src.pos;
    if (src.fill(calendar_)) {
      heap.emplace_back(src.head().exchange_time.nanos(), i);
      std::push_heap(heap.begin(), heap.end(), later);
    }
    if (src.candles) day_volume.accumulate(tick);
    go_on = emitter.emit(tick);
  }
  if (go_on) emitter.finish();

  core::Status status = core::Status::ok();
  for (const Source& s : sources) {
    if (s.candles) {
      report_.candles_read += s.candles->candles_read();
    } else {
      report_.ticks_read += s.ticks->ticks_read();
    }
    report_.line_errors.merge(s.errors());
    if (status.is_ok() && !s.status().is_ok()) status = s.status();
  }
  log.info("replay finished", {{"files", report_.files_read},
                               {"candles", report_.candles_read},
                               {"ticks_emitted", report_.ticks_emitted},
                               {"bad_lines", report_.line_errors.total()},
                               {"stopped", stop.stop_requested()}});
  return status;
}

}  // namespace nifty::feed
