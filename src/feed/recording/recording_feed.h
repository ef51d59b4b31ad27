// RecordingFeed: a Feed that plays a recording of raw broker frames (FrameRecorder, format in
// README.md) through the same FrameDecoder the live session used (vendor from the file's header), so
// a live session can be reproduced exactly: same frames, same receive times, same ticks.
//
// Speed 0 plays as fast as the sink takes ticks and then calls on_clock(latest exchange time +
// 65 s) once, so the last candles close. Speed N plays N times faster than the recorded receive
// times, hands ticks to the sink frame by frame as they fall due, calls on_clock(paced receive
// time) about every 100 ms while waiting, and jumps over gaps of more than 60 s of recorded time
// (nights, reconnect pauses) instead of sleeping through them. An "open" record resets the decoder
// (a new connection: Noren's merged quotes start over), as the live session does on reconnect.
// A stop request is honoured within 100 ms.
//
// A frame the decoder rejects is counted (report, and the decoder's feed_frames_rejected_total) and
// skipped, as live. A torn tail ends the play with ok and is reported (report().torn_tail); any
// other corrupt record ends it with the reader's error naming the byte offset.
//
// Threading: run() on one thread (the feed thread). report() may be read once run() has returned.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/status.h"
#include "feed/feed.h"
#include "feed/live/frame_decoder.h"
#include "feed/recording/recording_reader.h"
#include "model/instrument.h"

namespace nifty::feed::recording {

struct RecordingFeedConfig {
  // The instruments to decode: the universe the live session ran with.
  model::Universe universe;
  // 0 = as fast as possible; N = N times the recorded pace.
  double speed = 0.0;
  // Most ticks per sink.on_ticks() call at speed 0.
  size_t batch = 1024;
  live::DecoderOptions decoder;
  // Called for every event the decoder produces (order updates, server errors, acks); optional.
  std::function<void(const live::FrameEvent&, core::Timestamp receive_time)> on_event;
};

struct RecordingReport {
  std::string vendor;
  uint64_t records = 0;          // records read
  uint64_t frames = 0;           // text + binary records
  uint64_t frames_rejected = 0;  // frames the decoder refused
  uint64_t packets_rejected = 0; // packets dropped inside accepted frames
  uint64_t connections = 0;      // "open" records
  uint64_t events = 0;
  uint64_t ticks_emitted = 0;
  uint64_t idle_skips = 0;       // paced mode: gaps jumped over
  std::optional<TornTail> torn_tail;
  std::string torn_tail_message;  // the reader's description of the torn tail
};

class RecordingFeed final : public Feed {
 public:
  // Opens the file and reads its header, and builds the decoder for its vendor. Errors: the reader's
  // (missing file, not a recording, bad header), make_frame_decoder's (unknown vendor, bad
  // universe), kConfigError for speed < 0 or batch 0.
  static core::Result<std::unique_ptr<RecordingFeed>> open(const std::string& path, RecordingFeedConfig config);

  // The recorded vendor ("kite", ...), so metrics carry the same labels as the live session.
  std::string_view name() const override { return report_.vendor; }
  core::Status run(FeedSink& sink, std::stop_token stop) override;

  const RecordingReport& report() const { return report_; }
  const live::FrameDecoder& decoder() const { return *decoder_; }

 private:
  RecordingFeed(std::unique_ptr<RecordingReader> reader, std::unique_ptr<live::FrameDecoder> decoder,
                RecordingFeedConfig config);

  std::unique_ptr<RecordingReader> reader_;
  std::unique_ptr<live::FrameDecoder> decoder_;
  RecordingFeedConfig config_;
  RecordingReport report_;
};

// For the app: the recording at `path` as a Feed (see RecordingFeed::open).
core::Result<std::unique_ptr<Feed>> open_recording_feed(const std::string& path, RecordingFeedConfig config);

}  // namespace nifty::feed::recording
