#include "feed/recording/recording_feed.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "core/log.h"

namespace nifty::feed::recording {

namespace {

using core::ErrorCode;
using core::Status;
using core::Timestamp;

constexpr int64_t kCloseLastCandlesNanos = 65 * core::kNanosPerSecond;
constexpr int64_t kIdleSkipNanos = 60 * core::kNanosPerSecond;
constexpr auto kPollStep = std::chrono::milliseconds(100);

}  // namespace

RecordingFeed::RecordingFeed(std::unique_ptr<RecordingReader> reader, std::unique_ptr<live::FrameDecoder> decoder,
                             RecordingFeedConfig config)
    : reader_(std::move(reader)), decoder_(std::move(decoder)), config_(std::move(config)) {
  report_.vendor = reader_->header().vendor;
}

core::Result<std::unique_ptr<RecordingFeed>> RecordingFeed::open(const std::string& path, RecordingFeedConfig config) {
  if (config.speed < 0) return core::error(ErrorCode::kConfigError, "recording feed: speed must be >= 0");
  if (config.batch == 0) return core::error(ErrorCode::kConfigError, "recording feed: batch must be >= 1");
  auto reader = RecordingReader::open(path);
  if (!reader.is_ok()) return reader.status();
  auto decoder = live::make_frame_decoder((*reader)->header().vendor, config.universe, config.decoder);
  if (!decoder.is_ok()) {
    return core::error(decoder.status().code(), "recording " + path + ": " + decoder.status().message());
  }
  return std::unique_ptr<RecordingFeed>(
      new RecordingFeed(std::move(reader).value(), std::move(decoder).value(), std::move(config)));
}

Status RecordingFeed::run(FeedSink& sink, std::stop_token stop) {
  core::Logger& log = core::Logger::get("feed");
  core::RateLimitedLog reject_log;
  std::vector<model::Tick> ticks;
  ticks.reserve(config_.batch + 64);
  std::vector<live::FrameEvent> events;
  bool paced = config_.speed > 0;
  bool any_tick = false;
  Timestamp latest_exchange;

  // Paced mode: recorded time `origin_recorded` plays at wall time `origin_wall`.
  using Clock = std::chrono::steady_clock;
  bool started = false;
  Timestamp origin_recorded;
  Clock::time_point origin_wall;
  Timestamp last_recorded;

  auto flush = [&]() -> bool {
    if (ticks.empty()) return true;
    for (const auto& t : ticks) {
      if (!any_tick || t.exchange_time > latest_exchange) latest_exchange = t.exchange_time;
      any_tick = true;
    }
    report_.ticks_emitted += ticks.size();
    bool more = sink.on_ticks(ticks);
    ticks.clear();
    return more;
  };

  // Waits until `recorded` falls due; false when stopped or the sink refuses.
  auto wait_for = [&](Timestamp recorded) -> bool {
    if (!started) {
      started = true;
      origin_recorded = recorded;
      origin_wall = Clock::now();
      last_recorded = recorded;
      return true;
    }
    if (recorded - last_recorded > kIdleSkipNanos) {
      // Jump: re-anchor so the next record is due now.
      ++report_.idle_skips;
      origin_recorded = recorded;
      origin_wall = Clock::now();
    }
    last_recorded = std::max(last_recorded, recorded);
    auto due = origin_wall + std::chrono::nanoseconds(
                                 static_cast<int64_t>(static_cast<double>(recorded - origin_recorded) / config_.speed));
    while (true) {
      if (stop.stop_requested()) return false;
      auto now = Clock::now();
      if (now >= due) return true;
      std::this_thread::sleep_for(std::min<Clock::duration>(due - now, kPollStep));
      auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - origin_wall).count();
      Timestamp paced_now = origin_recorded + static_cast<int64_t>(static_cast<double>(elapsed) * config_.speed);
      if (!sink.on_clock(std::min(paced_now, recorded))) return false;
    }
  };

  Record rec;
  while (!stop.stop_requested()) {
    auto more = reader_->next(rec);
    if (!more.is_ok()) {
      if (reader_->torn_tail()) {
        report_.torn_tail = reader_->torn_tail();
        report_.torn_tail_message = more.status().message();
        log.warn("recording ends in a torn record", {{"detail", more.status().message()}});
        break;
      }
      flush();
      return more.status();
    }
    if (!*more) break;
    ++report_.records;
    if (paced) {
      if (!flush()) return Status::ok();
      if (!wait_for(rec.receive_time)) return Status::ok();
    }
    switch (rec.kind) {
      case RecordKind::kOpen:
        ++report_.connections;
        decoder_->reset();
        continue;
      case RecordKind::kClose:
      case RecordKind::kNote: continue;
      case RecordKind::kText:
      case RecordKind::kBinary: break;
    }
    ++report_.frames;
    events.clear();
    auto kind = rec.kind == RecordKind::kText ? live::FrameKind::kText : live::FrameKind::kBinary;
    auto decoded = decoder_->decode(kind, rec.bytes, rec.receive_time, ticks, events);
    if (!decoded.is_ok()) {
      ++report_.frames_rejected;
      uint64_t suppressed = 0;
      if (reject_log.should_log(suppressed)) {
        log.warn("recorded frame rejected", {{"offset", static_cast<int64_t>(rec.offset)},
                                             {"error", decoded.status().message()},
                                             {"suppressed", static_cast<int64_t>(suppressed)}});
      }
      continue;
    }
    report_.packets_rejected += decoded->rejected;
    report_.events += events.size();
    if (config_.on_event)
      for (const auto& e : events) config_.on_event(e, rec.receive_time);
    if (ticks.size() >= config_.batch && !flush()) return Status::ok();
  }
  if (!flush()) return Status::ok();
  if (!paced && any_tick && !stop.stop_requested()) sink.on_clock(latest_exchange + kCloseLastCandlesNanos);
  return Status::ok();
}

core::Result<std::unique_ptr<Feed>> open_recording_feed(const std::string& path, RecordingFeedConfig config) {
  auto feed = RecordingFeed::open(path, std::move(config));
  if (!feed.is_ok()) return feed.status();
  return std::unique_ptr<Feed>(std::move(feed).value());
}

}  // namespace nifty::feed::recording
