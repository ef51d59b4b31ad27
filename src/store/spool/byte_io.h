// ByteWriter / ByteReader: little-endian fixed-width integers, doubles (exact bits) and
// length-prefixed strings on a byte buffer, for the spool's on-disk formats. The reader checks
// every read against the end and remembers the first failure, naming the field and offset.
// Value types; not thread-safe.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace nifty::store {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>& out) : out_(out) {}

  void u8(uint8_t v) { out_.push_back(v); }
  void u32(uint32_t v) { put_le(v, 4); }
  void u64(uint64_t v) { put_le(v, 8); }
  void i32(int32_t v) { u32(static_cast<uint32_t>(v)); }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f64(double v) { u64(std::bit_cast<uint64_t>(v)); }
  // A u32 length, then the bytes.
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }

 private:
  void put_le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t>& out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> in) : in_(in) {}

  // Each returns 0 / "" once a read has failed; check ok() (or status()) at the end.
  uint8_t u8(std::string_view field) { return static_cast<uint8_t>(get_le(1, field)); }
  uint32_t u32(std::string_view field) { return static_cast<uint32_t>(get_le(4, field)); }
  uint64_t u64(std::string_view field) { return get_le(8, field); }
  int32_t i32(std::string_view field) { return static_cast<int32_t>(u32(field)); }
  int64_t i64(std::string_view field) { return static_cast<int64_t>(u64(field)); }
  double f64(std::string_view field) { return std::bit_cast<double>(u64(field)); }
  std::string_view bytes(size_t n, std::string_view field) {
    if (!need(n, field)) return {};
    std::string_view out(reinterpret_cast<const char*>(in_.data() + pos_), n);
    pos_ += n;
    return out;
  }
  std::string str(std::string_view field) {
    uint32_t n = u32(field);
    return std::string(bytes(n, field));
  }

  // Marks the input bad (a value out of its domain) unless it already is.
  void fail(std::string_view field, std::string_view why) {
    if (status_.is_ok()) {
      status_ = core::error(core::ErrorCode::kParseError,
                            std::string(field) + " at byte " + std::to_string(pos_) + ": " + std::string(why));
    }
  }
  bool ok() const { return status_.is_ok(); }
  const core::Status& status() const { return status_; }
  size_t position() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  bool need(size_t n, std::string_view field) {
    if (!status_.is_ok()) return false;
    if (in_.size() - pos_ < n) {
      fail(field, "needs " + std::to_string(n) + " bytes, " + std::to_string(in_.size() - pos_) + " left");
      return false;
    }
    return true;
  }
  uint64_t get_le(int n, std::string_view field) {
    if (!need(static_cast<size_t>(n), field)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(in_[pos_ + static_cast<size_t>(i)]) << (8 * i);
    pos_ += static_cast<size_t>(n);
    return v;
  }

  std::span<const uint8_t> in_;
  size_t pos_ = 0;
  core::Status status_;
};

}  // namespace nifty::store
