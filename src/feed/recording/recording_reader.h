// RecordingReader: reads a recording file (format in README.md) record by record, checking each
// record's CRC. Errors name the file and the byte offset of the bad record. A torn tail (the last
// record cut short, or its CRC wrong, as a crash mid-write leaves it) is reported as an error too,
// with torn_tail() set, so that a player can keep what came before and say what was lost.
// Not thread-safe: one reader per thread. Reads through one buffer reused for every record.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/timestamp.h"
#include "feed/recording/recording_format.h"

namespace nifty::feed::recording {

struct RecordingHeader {
  uint16_t version = 0;
  std::string vendor;        // "kite", "flattrade", "mstock"
  core::Timestamp created;   // when the recorder created the file
  uint64_t size = 0;         // bytes of the header (the first record starts here)
};

struct Record {
  core::Timestamp receive_time;
  RecordKind kind = RecordKind::kNote;
  std::span<const uint8_t> bytes;  // valid until the next call to next()
  uint64_t offset = 0;             // byte offset of the record in the file
  std::string_view text() const { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }
};

struct TornTail {
  uint64_t offset = 0;     // where the torn record starts
  uint64_t present = 0;    // bytes of it in the file
  uint64_t expected = 0;   // bytes it should have (0 when its header itself is cut short)
};

class RecordingReader {
 public:
  // Opens `path` and reads its header. kNotFound for a missing file; kParseError for a file that is
  // not a recording (bad magic), an unsupported version or a corrupt header.
  static core::Result<std::unique_ptr<RecordingReader>> open(const std::string& path);
  ~RecordingReader();
  RecordingReader(const RecordingReader&) = delete;
  RecordingReader& operator=(const RecordingReader&) = delete;

  const RecordingHeader& header() const { return header_; }
  // Reads the next record into `out`: true when one was read, false at the clean end of the file.
  // kParseError naming the byte offset for a corrupt record (unknown kind, absurd length, CRC
  // mismatch before the last record) or a torn tail (torn_tail() is then set).
  core::Result<bool> next(Record& out);
  const std::optional<TornTail>& torn_tail() const { return torn_; }
  uint64_t records_read() const { return records_; }
  uint64_t file_size() const { return file_size_; }

 private:
  RecordingReader(std::string path, std::FILE* file, uint64_t file_size)
      : path_(std::move(path)), file_(file), file_size_(file_size) {}
  core::Status corrupt(uint64_t offset, const std::string& what) const;
  core::Status torn(uint64_t offset, uint64_t present, uint64_t expected);

  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t file_size_ = 0;
  uint64_t offset_ = 0;
  uint64_t records_ = 0;
  RecordingHeader header_;
  std::vector<uint8_t> buffer_;
  std::optional<TornTail> torn_;
  bool done_ = false;
};

// True when `path` is a readable file that starts with the recording magic ("NIFTYREC"); lets the
// app tell a recording from replay CSV input.
bool is_recording_file(const std::string& path);

}  // namespace nifty::feed::recording
