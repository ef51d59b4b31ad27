#include "feed/recording/frame_recorder.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace nifty::feed::recording {

namespace {

using core::ErrorCode;
using core::Status;

std::string errno_text() { return std::strerror(errno); }

}  // namespace

FrameRecorder::FrameRecorder(std::string path, std::FILE* file, RecorderConfig config)
    : path_(std::move(path)), config_(config), file_(file), last_flush_(std::chrono::steady_clock::now()) {}

FrameRecorder::~FrameRecorder() { (void)close(); }

core::Result<std::unique_ptr<FrameRecorder>> FrameRecorder::create(const std::string& path, std::string_view vendor,
                                                                   RecorderConfig config, core::Timestamp created) {
  if (vendor.empty() || vendor.size() > kMaxVendorLength) {
    return core::error(ErrorCode::kInvalidArgument,
                       "recording " + path + ": vendor name must be 1.." + std::to_string(kMaxVendorLength) + " bytes");
  }
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return core::error(ErrorCode::kIoError, "recording " + path + ": cannot create its folder: " + ec.message());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    ErrorCode code = errno == EEXIST ? ErrorCode::kAlreadyExists : ErrorCode::kIoError;
    return core::error(code, "recording " + path + ": cannot create: " + errno_text());
  }
  std::FILE* file = ::fdopen(fd, "wb");
  if (file == nullptr) {
    ::close(fd);
    return core::error(ErrorCode::kIoError, "recording " + path + ": fdopen failed: " + errno_text());
  }
  std::vector<uint8_t> header(kHeaderFixedSize + vendor.size() + kHeaderTrailerSize);
  std::memcpy(header.data(), kMagic.data(), kMagic.size());
  store_le(header.data() + 8, kVersion, 2);
  store_le(header.data() + 10, vendor.size(), 2);
  std::memcpy(header.data() + kHeaderFixedSize, vendor.data(), vendor.size());
  uint8_t* tail = header.data() + kHeaderFixedSize + vendor.size();
  store_le(tail, static_cast<uint64_t>(created.nanos()), 8);
  store_le(tail + 8, crc32(std::span<const uint8_t>(header.data(), header.size() - 4)), 4);
  if (std::fwrite(header.data(), 1, header.size(), file) != header.size() || std::fflush(file) != 0) {
    std::fclose(file);
    return core::error(ErrorCode::kIoError, "recording " + path + ": cannot write the header: " + errno_text());
  }
  auto rec = std::unique_ptr<FrameRecorder>(new FrameRecorder(path, file, config));
  rec->bytes_ = header.size();
  return rec;
}

Status FrameRecorder::fail_locked(std::string what) {
  broken_ = core::error(ErrorCode::kIoError, "recording " + path_ + ": " + what);
  return broken_;
}

Status FrameRecorder::append(RecordKind kind, core::Timestamp receive_time, std::span<const uint8_t> bytes) {
  if (bytes.size() > kMaxRecordLength) {
    return core::error(ErrorCode::kInvalidArgument, "recording " + path_ + ": a " + std::to_string(bytes.size()) +
                                                        "-byte frame exceeds the record limit of " +
                                                        std::to_string(kMaxRecordLength) + " bytes");
  }
  uint8_t head[kRecordHeaderSize];
  store_le(head, static_cast<uint64_t>(receive_time.nanos()), 8);
  head[8] = static_cast<uint8_t>(kind);
  store_le(head + 9, bytes.size(), 4);
  uint32_t crc = crc32(bytes, crc32(std::span<const uint8_t>(head, sizeof head)));
  uint8_t crc_bytes[kRecordCrcSize];
  store_le(crc_bytes, crc, 4);

  std::lock_guard lock(mu_);
  if (!broken_.is_ok()) return broken_;
  if (file_ == nullptr) return core::error(ErrorCode::kIoError, "recording " + path_ + ": append after close");
  bool ok = std::fwrite(head, 1, sizeof head, file_) == sizeof head &&
            (bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), file_) == bytes.size()) &&
            std::fwrite(crc_bytes, 1, sizeof crc_bytes, file_) == sizeof crc_bytes;
  if (!ok) return fail_locked("write failed at byte " + std::to_string(bytes_) + ": " + errno_text());
  size_t n = sizeof head + bytes.size() + sizeof crc_bytes;
  bytes_ += n;
  pending_ += n;
  ++records_;
  if (config_.flush == FlushPolicy::kEveryRecord) return flush_locked(false);
  if (pending_ >= config_.flush_bytes || std::chrono::steady_clock::now() - last_flush_ >= config_.flush_interval)
    return flush_locked(false);
  return Status::ok();
}

Status FrameRecorder::flush_locked(bool sync) {
  if (file_ == nullptr) return Status::ok();
  if (std::fflush(file_) != 0) return fail_locked("flush failed: " + errno_text());
  if (sync && ::fsync(::fileno(file_)) != 0) return fail_locked("fsync failed: " + errno_text());
  pending_ = 0;
  last_flush_ = std::chrono::steady_clock::now();
  return Status::ok();
}

Status FrameRecorder::flush() {
  std::lock_guard lock(mu_);
  if (!broken_.is_ok()) return broken_;
  return flush_locked(config_.fsync);
}

Status FrameRecorder::close() {
  std::lock_guard lock(mu_);
  if (file_ == nullptr) return broken_;
  Status s = broken_.is_ok() ? flush_locked(config_.fsync) : broken_;
  if (std::fclose(file_) != 0 && s.is_ok()) s = fail_locked("close failed: " + errno_text());
  file_ = nullptr;
  return s;
}

uint64_t FrameRecorder::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

uint64_t FrameRecorder::bytes_written() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace nifty::feed::recording
