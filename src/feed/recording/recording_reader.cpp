#include "feed/recording/recording_reader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace nifty::feed::recording {

namespace {
using core::ErrorCode;
using core::Status;
}  // namespace

RecordingReader::~RecordingReader() {
  if (file_ != nullptr) std::fclose(file_);
}

core::Result<std::unique_ptr<RecordingReader>> RecordingReader::open(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return core::error(ErrorCode::kNotFound, "recording " + path + ": no such file");
  }
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return core::error(ErrorCode::kIoError, "recording " + path + ": " + ec.message());
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return core::error(ErrorCode::kIoError, "recording " + path + ": cannot open: " + std::strerror(errno));
  }
  auto reader = std::unique_ptr<RecordingReader>(new RecordingReader(path, file, size));
  auto bad = [&](const std::string& what) {
    return core::error(ErrorCode::kParseError, "recording " + path + ": header: " + what);
  };
  uint8_t fixed[kHeaderFixedSize];
  if (std::fread(fixed, 1, sizeof fixed, file) != sizeof fixed) return bad("file shorter than a header");
  if (std::memcmp(fixed, kMagic.data(), kMagic.size()) != 0) return bad("not a nifty recording (bad magic at byte 0)");
  auto version = static_cast<uint16_t>(load_le(fixed + 8, 2));
  if (version != kVersion) {
    return bad("unsupported version " + std::to_string(version) + " at byte 8 (this build reads version " +
               std::to_string(kVersion) + ")");
  }
  auto vendor_length = static_cast<size_t>(load_le(fixed + 10, 2));
  if (vendor_length == 0 || vendor_length > kMaxVendorLength) {
    return bad("vendor length " + std::to_string(vendor_length) + " at byte 10 is not 1.." +
               std::to_string(kMaxVendorLength));
  }
  std::vector<uint8_t> header(fixed, fixed + sizeof fixed);
  header.resize(kHeaderFixedSize + vendor_length + kHeaderTrailerSize);
  size_t rest = header.size() - kHeaderFixedSize;
  if (std::fread(header.data() + kHeaderFixedSize, 1, rest, file) != rest) return bad("cut short");
  uint32_t stored = static_cast<uint32_t>(load_le(header.data() + header.size() - 4, 4));
  if (crc32(std::span<const uint8_t>(header.data(), header.size() - 4)) != stored) return bad("CRC mismatch");
  reader->header_.version = version;
  reader->header_.vendor.assign(reinterpret_cast<const char*>(header.data() + kHeaderFixedSize), vendor_length);
  reader->header_.created =
      core::Timestamp(static_cast<int64_t>(load_le(header.data() + kHeaderFixedSize + vendor_length, 8)));
  reader->header_.size = header.size();
  reader->offset_ = header.size();
  return reader;
}

Status RecordingReader::corrupt(uint64_t offset, const std::string& what) const {
  return core::error(ErrorCode::kParseError,
                     "recording " + path_ + ": record " + std::to_string(records_ + 1) + " at byte " +
                         std::to_string(offset) + ": " + what);
}

Status RecordingReader::torn(uint64_t offset, uint64_t present, uint64_t expected) {
  torn_ = TornTail{offset, present, expected};
  done_ = true;
  std::string what = "torn tail at byte " + std::to_string(offset) + ": " + std::to_string(present) + " byte(s) of ";
  what += expected == 0 ? "a record header" : std::to_string(expected) + "-byte record";
  what += " (the recorder stopped mid-write; the " + std::to_string(records_) + " record(s) before it are intact)";
  return core::error(ErrorCode::kParseError, "recording " + path_ + ": " + what);
}

core::Result<bool> RecordingReader::next(Record& out) {
  if (done_) return false;
  uint64_t start = offset_;
  uint8_t head[kRecordHeaderSize];
  size_t got = std::fread(head, 1, sizeof head, file_);
  if (got == 0 && start == file_size_) {
    done_ = true;
    return false;
  }
  if (got < sizeof head) return torn(start, got, 0);
  auto kind = record_kind_from_byte(head[8]);
  auto length = static_cast<uint32_t>(load_le(head + 9, 4));
  uint64_t total = kRecordHeaderSize + static_cast<uint64_t>(length) + kRecordCrcSize;
  bool is_last = start + total >= file_size_;
  if (!kind || length > kMaxRecordLength) {
    // A garbage header at the very end is what a torn write of the header looks like.
    if (is_last) return torn(start, file_size_ - start, 0);
    done_ = true;
    if (!kind) return corrupt(start, "unknown kind byte " + std::to_string(head[8]) + " at byte " + std::to_string(start + 8));
    return corrupt(start, "length " + std::to_string(length) + " exceeds the limit of " + std::to_string(kMaxRecordLength));
  }
  buffer_.resize(static_cast<size_t>(length) + kRecordCrcSize);
  size_t body = std::fread(buffer_.data(), 1, buffer_.size(), file_);
  if (body < buffer_.size()) return torn(start, kRecordHeaderSize + body, total);
  uint32_t stored = static_cast<uint32_t>(load_le(buffer_.data() + length, 4));
  uint32_t crc = crc32(std::span<const uint8_t>(buffer_.data(), length), crc32(std::span<const uint8_t>(head, sizeof head)));
  if (crc != stored) {
    if (is_last) return torn(start, total, total);
    done_ = true;
    return corrupt(start, "CRC mismatch (the file is damaged here)");
  }
  offset_ = start + total;
  ++records_;
  out.receive_time = core::Timestamp(static_cast<int64_t>(load_le(head, 8)));
  out.kind = *kind;
  out.bytes = std::span<const uint8_t>(buffer_.data(), length);
  out.offset = start;
  return true;
}

bool is_recording_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  uint8_t magic[kMagic.size()];
  bool yes = std::fread(magic, 1, sizeof magic, file) == sizeof magic &&
             std::memcmp(magic, kMagic.data(), kMagic.size()) == 0;
  std::fclose(file);
  return yes;
}

}  // namespace nifty::feed::recording
