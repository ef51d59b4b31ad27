// FrameRecorder: appends the raw frames a live session receives to a recording file (format in
// README.md), each with its receive time, so that the session can be replayed byte for byte through
// the same FrameDecoder (RecordingFeed). Record only what the server sent, plus open/close/note
// records; never the requests we send (they carry access tokens).
//
// Flush policy: kEveryRecord hands every record to the OS before append() returns (a crash of the
// process loses nothing; a crash of the machine may lose what the OS had not written); kBuffered
// flushes when flush_bytes are pending or flush_interval has passed since the last flush (checked at
// each append), and on flush()/close(). A crash mid-write leaves a torn last record, which
// RecordingReader detects and reports.
//
// Thread-safe: append() may be called from the session thread while another thread calls flush()
// or reads the counters; one mutex, held only for the copy into the stdio buffer.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/timestamp.h"
#include "feed/recording/recording_format.h"

namespace nifty::feed::recording {

enum class FlushPolicy : uint8_t { kEveryRecord, kBuffered };

struct RecorderConfig {
  FlushPolicy flush = FlushPolicy::kBuffered;
  // kBuffered: flush once this many bytes are pending...
  size_t flush_bytes = 64 * 1024;
  // ...or this long after the last flush (checked when a record is appended).
  std::chrono::milliseconds flush_interval{1000};
  // fsync the file on close() (and on flush() when true), so a finished recording survives a power cut.
  bool fsync = true;
};

class FrameRecorder {
 public:
  // Creates `path` (its parent directories too) and writes the header for `vendor` ("kite", ...;
  // 1..32 bytes). kAlreadyExists when the file exists: a recording is never overwritten.
  static core::Result<std::unique_ptr<FrameRecorder>> create(const std::string& path, std::string_view vendor,
                                                             RecorderConfig config = {},
                                                             core::Timestamp created = core::Timestamp::now());
  ~FrameRecorder();
  FrameRecorder(const FrameRecorder&) = delete;
  FrameRecorder& operator=(const FrameRecorder&) = delete;

  // Appends one record. kInvalidArgument when `bytes` exceed kMaxRecordLength; kIoError when the
  // write fails (the recorder then refuses further appends: the file would have a hole).
  core::Status append(RecordKind kind, core::Timestamp receive_time, std::span<const uint8_t> bytes);
  core::Status append(RecordKind kind, core::Timestamp receive_time, std::string_view text) {
    return append(kind, receive_time,
                  std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  }
  // Hands pending records to the OS (and fsyncs when config.fsync).
  core::Status flush();
  // Flushes, fsyncs (config.fsync) and closes; later appends fail. Idempotent.
  core::Status close();

  const std::string& path() const { return path_; }
  uint64_t records() const;
  uint64_t bytes_written() const;  // file size so far, header included

 private:
  FrameRecorder(std::string path, std::FILE* file, RecorderConfig config);
  core::Status flush_locked(bool sync);
  core::Status fail_locked(std::string what);

  std::string path_;
  RecorderConfig config_;
  mutable std::mutex mu_;
  std::FILE* file_ = nullptr;
  core::Status broken_;
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
  size_t pending_ = 0;
  std::chrono::steady_clock::time_point last_flush_;
};

}  // namespace nifty::feed::recording
