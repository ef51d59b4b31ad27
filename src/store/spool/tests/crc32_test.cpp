#include "store/spool/crc32.h"

#include <gtest/gtest.h>

#include <string_view>

namespace nifty::store {
namespace {

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Check values published with the CRC-32/ISO-HDLC definition (the "check" of "123456789") and
// `printf 'The quick brown fox jumps over the lazy dog' | gzip | tail -c8 | od -An -tx4` = 414fa339.
TEST(Crc32, MatchesPublishedCheckValues) {
  EXPECT_EQ(crc32(0, bytes_of("123456789")), 0xCBF43926u);
  EXPECT_EQ(crc32(0, bytes_of("The quick brown fox jumps over the lazy dog")), 0x414FA339u);
  EXPECT_EQ(crc32(0, bytes_of("")), 0u);
}

TEST(Crc32, ContinuesAcrossPieces) {
  EXPECT_EQ(crc32(crc32(0, bytes_of("12345")), bytes_of("6789")), 0xCBF43926u);
}

}  // namespace
}  // namespace nifty::store
