#include "store/spool/spool_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "core/log.h"
#include "store/spool/byte_io.h"
#include "store/spool/crc32.h"

namespace nifty::store {

namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxPayloadBytes = uint64_t{1} << 30;
constexpr size_t kHeadFileBytes = 20;  // u64 segment, u64 offset, u32 CRC of both
constexpr std::string_view kSegmentSuffix = ".seg";
constexpr int kSegmentDigits = 20;

core::Logger& logger() { return core::Logger::get("store"); }

uint32_t record_crc(int64_t appended_ns, std::span<const uint8_t> payload) {
  uint8_t time_bytes[8];
  for (int i = 0; i < 8; ++i) time_bytes[i] = static_cast<uint8_t>(static_cast<uint64_t>(appended_ns) >> (8 * i));
  return crc32(crc32(0, time_bytes), payload);
}

// Reads exactly n bytes at offset; false on a short read (errno 0) or an error (errno set).
bool pread_all(int fd, void* buf, size_t n, uint64_t offset) {
  auto* p = static_cast<uint8_t*>(buf);
  while (n > 0) {
    ssize_t got = ::pread(fd, p, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      if (got == 0) errno = 0;
      return false;
    }
    p += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return true;
}

bool pwrite_all(int fd, const void* buf, size_t n, uint64_t offset) {
  const auto* p = static_cast<const uint8_t*>(buf);
  while (n > 0) {
    ssize_t put = ::pwrite(fd, p, n, static_cast<off_t>(offset));
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    p += put;
    n -= static_cast<size_t>(put);
    offset += static_cast<uint64_t>(put);
  }
  return true;
}

// Parses "00000000000000000042.seg"; nullopt for any other name.
std::optional<uint64_t> parse_segment_name(const std::string& name) {
  if (name.size() != kSegmentDigits + kSegmentSuffix.size() || !name.ends_with(kSegmentSuffix)) return std::nullopt;
  uint64_t seq = 0;
  for (int i = 0; i < kSegmentDigits; ++i) {
    char c = name[static_cast<size_t>(i)];
    if (c < '0' || c > '9') return std::nullopt;
    seq = seq * 10 + static_cast<uint64_t>(c - '0');
  }
  return seq;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

SpoolFile::SpoolFile(std::string dir, SpoolFileOptions options) : dir_(std::move(dir)), options_(options) {}

SpoolFile::~SpoolFile() {
  close_fd(tail_fd_);
  close_fd(lock_fd_);  // releases the flock
}

core::Result<std::unique_ptr<SpoolFile>> SpoolFile::open(const std::string& dir, SpoolFileOptions options) {
  if (dir.empty()) return core::error(core::ErrorCode::kConfigError, "spool directory is empty");
  std::unique_ptr<SpoolFile> spool(new SpoolFile(dir, options));
  NIFTY_RETURN_IF_ERROR(spool->load());
  return spool;
}

core::Status SpoolFile::io_error(const std::string& what, const std::string& path, int err) const {
  return core::error(core::ErrorCode::kIoError,
                     "spool: " + what + " " + path + ": " + (err == 0 ? "unexpected end of file" : std::strerror(err)));
}

std::string SpoolFile::segment_path(uint64_t seq) const {
  std::string digits = std::to_string(seq);
  return (fs::path(dir_) / (std::string(kSegmentDigits - digits.size(), '0') + digits + std::string(kSegmentSuffix)))
      .string();
}

core::Status SpoolFile::load() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return core::error(core::ErrorCode::kIoError, "spool: cannot create directory " + dir_ + ": " + ec.message());

  std::string lock_path = (fs::path(dir_) / "lock").string();
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) return io_error("cannot open", lock_path, errno);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return core::error(core::ErrorCode::kAlreadyExists, "spool directory " + dir_ + " is already in use (" +
                                                            lock_path + " is locked)");
  }

  std::vector<uint64_t> seqs;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir_, ec)) {
    if (auto seq = parse_segment_name(entry.path().filename().string())) seqs.push_back(*seq);
  }
  if (ec) return core::error(core::ErrorCode::kIoError, "spool: cannot list " + dir_ + ": " + ec.message());
  std::sort(seqs.begin(), seqs.end());

  // The head: where the front record starts. Missing means "from the first segment".
  std::string head_path = (fs::path(dir_) / "head").string();
  uint64_t head_seq = seqs.empty() ? 1 : seqs.front();
  uint64_t head_offset = 0;
  int head_fd = ::open(head_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (head_fd >= 0) {
    uint8_t buf[kHeadFileBytes + 1];
    ssize_t got = ::pread(head_fd, buf, sizeof buf, 0);
    ::close(head_fd);
    ByteReader r(std::span<const uint8_t>(buf, got > 0 ? static_cast<size_t>(got) : 0));
    uint64_t seq = r.u64("head segment");
    uint64_t offset = r.u64("head offset");
    uint32_t crc = r.u32("head crc");
    if (got == static_cast<ssize_t>(kHeadFileBytes) && r.ok() && crc == crc32(0, std::span(buf, 16))) {
      head_seq = seq;
      head_offset = offset;
    } else {
      // Re-reading from the first segment re-applies some records: harmless, they are idempotent.
      ++corrupt_cut_;
      logger().error("spool head file is corrupt; reading again from the first segment",
                     {{"path", head_path}, {"bytes", static_cast<int64_t>(got)}});
    }
  } else if (errno != ENOENT) {
    return io_error("cannot open", head_path, errno);
  }

  next_seq_ = std::max<uint64_t>(head_seq, 1);
  for (uint64_t seq : seqs) {
    next_seq_ = std::max(next_seq_, seq + 1);
    if (seq < head_seq) {  // drained; left behind by a crash between the head write and the unlink
      ::unlink(segment_path(seq).c_str());
      continue;
    }
    segments_.push_back(Segment{seq, 0});
  }
  if (segments_.empty() || segments_.front().seq != head_seq) head_offset = 0;
  head_offset_ = head_offset;

  for (size_t i = 0; i < segments_.size(); ++i) {
    NIFTY_RETURN_IF_ERROR(scan_segment(segments_[i], i == 0 ? head_offset_ : 0, i + 1 == segments_.size()));
  }
  if (!segments_.empty() && head_offset_ > segments_.front().size) head_offset_ = segments_.front().size;
  NIFTY_RETURN_IF_ERROR(drop_consumed_segments());
  if (!segments_.empty()) NIFTY_RETURN_IF_ERROR(open_tail(segments_.back().seq, false));
  NIFTY_RETURN_IF_ERROR(refresh_oldest());
  if (records_ > 0 || corrupt_cut_ > 0) {
    logger().info("spool opened", {{"dir", dir_},
                                   {"records", records_},
                                   {"bytes", bytes_},
                                   {"segments", segments_.size()},
                                   {"corrupt_cut", corrupt_cut_}});
  }
  return core::Status::ok();
}

core::Status SpoolFile::scan_segment(Segment& segment, uint64_t from, bool is_last) {
  std::string path = segment_path(segment.seq);
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return io_error("cannot stat", path, err);
  }
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  uint64_t offset = std::min(from, file_size);
  std::string problem;
  std::vector<uint8_t> payload;
  while (offset < file_size) {
    uint8_t raw[kRecordHeaderBytes];
    if (file_size - offset < kRecordHeaderBytes) {
      problem = "torn record header";
      break;
    }
    if (!pread_all(fd, raw, sizeof raw, offset)) {
      problem = std::string("read failed: ") + std::strerror(errno);
      break;
    }
    ByteReader r(raw);
    Header h{r.u32("length"), r.u32("crc"), r.i64("time")};
    if (h.length > kMaxPayloadBytes || h.length > file_size - offset - kRecordHeaderBytes) {
      problem = "torn record (length " + std::to_string(h.length) + ")";
      break;
    }
    payload.resize(h.length);
    if (!pread_all(fd, payload.data(), payload.size(), offset + kRecordHeaderBytes)) {
      problem = std::string("read failed: ") + std::strerror(errno);
      break;
    }
    if (record_crc(h.appended_ns, payload) != h.crc) {
      problem = "CRC mismatch";
      break;
    }
    offset += kRecordHeaderBytes + h.length;
    ++records_;
    bytes_ += kRecordHeaderBytes + h.length;
  }
  segment.size = offset;
  if (!problem.empty()) {
    ++corrupt_cut_;
    logger().error("spool: cut a torn or corrupt record and what follows it in its segment",
                   {{"path", path},
                    {"offset", offset},
                    {"bytes_cut", file_size - offset},
                    {"last_segment", is_last},
                    {"problem", problem}});
    if (::ftruncate(fd, static_cast<off_t>(offset)) != 0 || (options_.fsync && ::fsync(fd) != 0)) {
      int err = errno;
      ::close(fd);
      return io_error("cannot cut the corrupt tail of", path, err);
    }
  }
  ::close(fd);
  return core::Status::ok();
}

core::Status SpoolFile::open_tail(uint64_t seq, bool create) {
  close_fd(tail_fd_);
  std::string path = segment_path(seq);
  tail_fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0), 0644);
  if (tail_fd_ < 0) return io_error(create ? "cannot create" : "cannot open", path, errno);
  if (create && options_.fsync) {
    int dir_fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      ::fsync(dir_fd);
      ::close(dir_fd);
    }
  }
  return core::Status::ok();
}

core::Status SpoolFile::write_head(uint64_t seq, uint64_t offset) {
  std::vector<uint8_t> buf;
  buf.reserve(kHeadFileBytes);
  ByteWriter w(buf);
  w.u64(seq);
  w.u64(offset);
  w.u32(crc32(0, buf));
  std::string tmp = (fs::path(dir_) / "head.tmp").string();
  std::string path = (fs::path(dir_) / "head").string();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("cannot create", tmp, errno);
  if (!pwrite_all(fd, buf.data(), buf.size(), 0) || (options_.fsync && ::fsync(fd) != 0)) {
    int err = errno;
    ::close(fd);
    return io_error("cannot write", tmp, err);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return io_error("cannot rename to", path, errno);
  if (options_.fsync) {
    int dir_fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      ::fsync(dir_fd);
      ::close(dir_fd);
    }
  }
  return core::Status::ok();
}

core::Status SpoolFile::drop_consumed_segments() {
  // A segment the head has left is removed; so is the last one once everything is drained.
  while (!segments_.empty() && head_offset_ >= segments_.front().size &&
         (segments_.size() > 1 || records_ == 0)) {
    const uint64_t seq = segments_.front().seq;
    const uint64_t next = segments_.size() > 1 ? segments_[1].seq : next_seq_;
    NIFTY_RETURN_IF_ERROR(write_head(next, 0));  // the commit point: the segment is no longer read
    if (segments_.size() == 1) close_fd(tail_fd_);
    if (::unlink(segment_path(seq).c_str()) != 0 && errno != ENOENT) {
      logger().warn("spool: cannot remove a drained segment", {{"path", segment_path(seq)}});
    }
    segments_.pop_front();
    head_offset_ = 0;
  }
  return core::Status::ok();
}

core::Status SpoolFile::read_header(uint64_t seq, uint64_t offset, Header& out) {
  std::string path = segment_path(seq);
  int fd = seq == segments_.back().seq ? tail_fd_ : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", path, errno);
  uint8_t raw[kRecordHeaderBytes];
  bool ok = pread_all(fd, raw, sizeof raw, offset);
  int err = errno;
  if (fd != tail_fd_) ::close(fd);
  if (!ok) return io_error("cannot read a record header of", path, err);
  ByteReader r(raw);
  out = Header{r.u32("length"), r.u32("crc"), r.i64("time")};
  return core::Status::ok();
}

core::Status SpoolFile::refresh_oldest() {
  oldest_.reset();
  if (records_ == 0) return core::Status::ok();
  Header h;
  NIFTY_RETURN_IF_ERROR(read_header(segments_.front().seq, head_offset_, h));
  oldest_ = core::Timestamp(h.appended_ns);
  return core::Status::ok();
}

core::Status SpoolFile::append(std::span<const uint8_t> payload, core::Timestamp now) {
  if (payload.size() > kMaxPayloadBytes) {
    return core::error(core::ErrorCode::kInvalidArgument, "spool " + dir_ + ": a record of " +
                                                              std::to_string(payload.size()) +
                                                              " bytes is larger than the 1 GiB limit");
  }
  const uint64_t need = kRecordHeaderBytes + payload.size();
  if (bytes_ + need > options_.max_bytes) {
    return core::error(core::ErrorCode::kResourceExhausted,
                       "spool " + dir_ + " is full: " + std::to_string(bytes_) + " bytes held, a record of " +
                           std::to_string(need) + " bytes would pass the bound of " +
                           std::to_string(options_.max_bytes));
  }
  if (segments_.empty() || (segments_.back().size > 0 && segments_.back().size + need > options_.segment_bytes)) {
    const uint64_t seq = next_seq_;
    NIFTY_RETURN_IF_ERROR(open_tail(seq, true));
    ++next_seq_;
    if (segments_.empty()) head_offset_ = 0;
    segments_.push_back(Segment{seq, 0});
  }
  Segment& tail = segments_.back();
  std::vector<uint8_t> buf;
  buf.reserve(need);
  ByteWriter w(buf);
  w.u32(static_cast<uint32_t>(payload.size()));
  w.u32(record_crc(now.nanos(), payload));
  w.i64(now.nanos());
  buf.insert(buf.end(), payload.begin(), payload.end());
  if (!pwrite_all(tail_fd_, buf.data(), buf.size(), tail.size) || (options_.fsync && ::fdatasync(tail_fd_) != 0)) {
    int err = errno;
    (void)::ftruncate(tail_fd_, static_cast<off_t>(tail.size));  // no half record stays behind
    return io_error("cannot append to", segment_path(tail.seq), err);
  }
  tail.size += need;
  bytes_ += need;
  if (records_++ == 0) oldest_ = now;
  return core::Status::ok();
}

core::Result<bool> SpoolFile::peek(SpoolRecord& out) {
  if (records_ == 0) return false;
  const Segment& front = segments_.front();
  Header h;
  NIFTY_RETURN_IF_ERROR(read_header(front.seq, head_offset_, h));
  std::string path = segment_path(front.seq);
  int fd = front.seq == segments_.back().seq ? tail_fd_ : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open", path, errno);
  out.payload.resize(h.length);
  bool ok = pread_all(fd, out.payload.data(), out.payload.size(), head_offset_ + kRecordHeaderBytes);
  int err = errno;
  if (fd != tail_fd_) ::close(fd);
  if (!ok) return io_error("cannot read a record of", path, err);
  if (record_crc(h.appended_ns, out.payload) != h.crc) {
    return core::error(core::ErrorCode::kIoError, "spool: CRC mismatch in the front record of " + path +
                                                      " at offset " + std::to_string(head_offset_));
  }
  out.appended = core::Timestamp(h.appended_ns);
  return true;
}

core::Status SpoolFile::pop() {
  if (records_ == 0) return core::error(core::ErrorCode::kNotFound, "spool " + dir_ + " is empty");
  Header h;
  NIFTY_RETURN_IF_ERROR(read_header(segments_.front().seq, head_offset_, h));
  const uint64_t new_offset = head_offset_ + kRecordHeaderBytes + h.length;
  const uint64_t seq = segments_.front().seq;
  if (new_offset < segments_.front().size) NIFTY_RETURN_IF_ERROR(write_head(seq, new_offset));
  head_offset_ = new_offset;
  --records_;
  bytes_ -= kRecordHeaderBytes + h.length;
  NIFTY_RETURN_IF_ERROR(drop_consumed_segments());
  return refresh_oldest();
}

}  // namespace nifty::store
