// Crc32: the IEEE 802.3 CRC-32 (reflected polynomial 0xEDB88320, the one zlib and PNG use), computed
// with a 256-entry table built at compile time. Guards spool records against torn and rotten bytes.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace nifty::store {

// Continues a CRC over `bytes`; start with crc = 0. crc32(crc32(0, a), b) == crc32(0, a + b).
uint32_t crc32(uint32_t crc, std::span<const uint8_t> bytes);

}  // namespace nifty::store
