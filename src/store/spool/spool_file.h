// SpoolFile: a bounded first-in-first-out queue of byte records kept in a directory, durable across
// crashes. Records go to numbered segment files ("00000000000000000001.seg", ...), each record as
//   u32 payload length | u32 CRC-32 of (append time, payload) | i64 append time (ns UTC) | payload
// (little endian). The position of the front record is kept in a file "head", replaced atomically
// (write, fsync, rename) on every pop; a segment file is removed as soon as the head leaves it.
//
// On open the records from the head on are checked. A torn or corrupt record (short, absurd
// length, CRC mismatch: what a crash in the middle of an append leaves) is cut off with everything
// after it in its segment, logged and counted (corrupt_cut()); opening never crashes on bad bytes.
// A lock file (flock) keeps a second process (or a second SpoolFile) out of the directory.
//
// Bound: the bytes of the records not yet popped, headers included, never exceed max_bytes; an
// append that would is refused with kResourceExhausted and changes nothing.
//
// Threading: not thread-safe; the owner serialises calls (Spooler holds a mutex).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/timestamp.h"

namespace nifty::store {

struct SpoolFileOptions {
  // Most bytes (record headers included) the queue may hold.
  uint64_t max_bytes = uint64_t{1} << 30;
  // A new segment file is started when a record would make the current one larger than this.
  uint64_t segment_bytes = uint64_t{64} << 20;
  // fsync segment data after each append and the head file (and directory) after each pop.
  bool fsync = true;
};

// One record as peek() returns it.
struct SpoolRecord {
  std::vector<uint8_t> payload;
  core::Timestamp appended;  // wall clock at append
};

class SpoolFile {
 public:
  // Bytes of the header before each payload.
  static constexpr uint64_t kRecordHeaderBytes = 16;

  // Opens (creating when missing) the spool in `dir`, checks it and cuts a torn tail.
  static core::Result<std::unique_ptr<SpoolFile>> open(const std::string& dir, SpoolFileOptions options);
  ~SpoolFile();
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;

  // Adds a record at the back, durable on return when fsync is on. kResourceExhausted when the
  // bound would be passed; kIoError when the disk fails (the partial record is cut off again).
  core::Status append(std::span<const uint8_t> payload, core::Timestamp now);
  // Reads the front record into `out`; false when the queue is empty.
  core::Result<bool> peek(SpoolRecord& out);
  // Removes the front record (durably). kNotFound when empty.
  core::Status pop();

  bool empty() const { return records_ == 0; }
  uint64_t records() const { return records_; }
  uint64_t bytes() const { return bytes_; }
  // Append time of the front record; nullopt when empty.
  std::optional<core::Timestamp> oldest() const { return oldest_; }
  // Torn or corrupt records cut off when the spool was opened.
  uint64_t corrupt_cut() const { return corrupt_cut_; }
  const std::string& dir() const { return dir_; }

 private:
  struct Segment {
    uint64_t seq = 0;
    uint64_t size = 0;  // bytes of whole, checked records
  };
  struct Header {
    uint32_t length = 0;
    uint32_t crc = 0;
    int64_t appended_ns = 0;
  };

  SpoolFile(std::string dir, SpoolFileOptions options);
  core::Status load();
  core::Status scan_segment(Segment& segment, uint64_t from, bool is_last);
  core::Status read_header(uint64_t seq, uint64_t offset, Header& out);
  core::Status write_head(uint64_t seq, uint64_t offset);
  core::Status drop_consumed_segments();
  core::Status open_tail(uint64_t seq, bool create);
  core::Status refresh_oldest();
  std::string segment_path(uint64_t seq) const;
  core::Status io_error(const std::string& what, const std::string& path, int err) const;

  std::string dir_;
  SpoolFileOptions options_;
  int lock_fd_ = -1;
  int tail_fd_ = -1;
  std::deque<Segment> segments_;  // oldest first; front() holds the head
  uint64_t head_offset_ = 0;      // in segments_.front()
  uint64_t next_seq_ = 1;         // of the next segment to create
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
  uint64_t corrupt_cut_ = 0;
  std::optional<core::Timestamp> oldest_;
};

}  // namespace nifty::store
