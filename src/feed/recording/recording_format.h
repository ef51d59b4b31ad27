// The recording file format for raw broker frames (see README.md in this folder, which is the
// specification): a header (magic, version, vendor, creation time, CRC) and then records
// [receive ns][kind][length][bytes][CRC], all little-endian. Constants, the record kinds, the
// CRC-32 and the little-endian helpers shared by FrameRecorder and RecordingReader.
// Pure functions and constants; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace nifty::feed::recording {

inline constexpr std::array<uint8_t, 8> kMagic = {'N', 'I', 'F', 'T', 'Y', 'R', 'E', 'C'};
inline constexpr uint16_t kVersion = 1;
inline constexpr size_t kMaxVendorLength = 32;
// magic 8, version u16, vendor length u16 = 12 bytes, then the vendor, then created ns i64, CRC u32.
inline constexpr size_t kHeaderFixedSize = 12;
inline constexpr size_t kHeaderTrailerSize = 12;
// Record: receive ns i64, kind u8, length u32, then the bytes, then the CRC u32.
inline constexpr size_t kRecordHeaderSize = 13;
inline constexpr size_t kRecordCrcSize = 4;
// No WebSocket message we accept comes near this; a larger length means a corrupt file.
inline constexpr uint32_t kMaxRecordLength = 16u << 20;

// What a record holds. Values are the byte on disk; never renumber.
enum class RecordKind : uint8_t {
  kText = 1,    // a text WebSocket message as received
  kBinary = 2,  // a binary WebSocket message as received
  kOpen = 3,    // a connection opened (bytes: a description, e.g. the URL without credentials)
  kClose = 4,   // a connection closed (bytes: the reason)
  kNote = 5,    // anything else worth keeping (bytes: free text; never secrets)
};
// "text", "binary", "open", "close", "note".
std::string_view record_kind_name(RecordKind kind);
// The kind for a byte read from a file; nullopt for an unknown value.
std::optional<RecordKind> record_kind_from_byte(uint8_t b);

// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320, as zlib's crc32) of `bytes`, continuing `crc`
// (start with 0).
uint32_t crc32(std::span<const uint8_t> bytes, uint32_t crc = 0);

inline void store_le(uint8_t* p, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint64_t load_le(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace nifty::feed::recording
