#include "feed/recording/recording_format.h"

namespace nifty::feed::recording {

namespace {

constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

}  // namespace

std::string_view record_kind_name(RecordKind kind) {
  switch (kind) {
    case RecordKind::kText: return "text";
    case RecordKind::kBinary: return "binary";
    case RecordKind::kOpen: return "open";
    case RecordKind::kClose: return "close";
    case RecordKind::kNote: return "note";
  }
  return "unknown";
}

std::optional<RecordKind> record_kind_from_byte(uint8_t b) {
  if (b >= static_cast<uint8_t>(RecordKind::kText) && b <= static_cast<uint8_t>(RecordKind::kNote))
    return static_cast<RecordKind>(b);
  return std::nullopt;
}

uint32_t crc32(std::span<const uint8_t> bytes, uint32_t crc) {
  crc = ~crc;
  for (uint8_t b : bytes) crc = kCrcTable[(crc ^ b) & 0xffu] ^ (crc >> 8);
  return ~crc;
}

}  // namespace nifty::feed::recording
