#include "store/spool/spool_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "store/tests/store_test_util.h"

namespace nifty::store {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::vector<uint8_t> payload(int i, size_t size = 40) {
  std::vector<uint8_t> p(size);
  for (size_t k = 0; k < size; ++k) p[k] = static_cast<uint8_t>(i * 31 + static_cast<int>(k));
  return p;
}

SpoolFileOptions options(uint64_t max_bytes = 1 << 20, uint64_t segment_bytes = 1 << 20) {
  SpoolFileOptions o;
  o.max_bytes = max_bytes;
  o.segment_bytes = segment_bytes;
  o.fsync = false;
  return o;
}

std::unique_ptr<SpoolFile> open_spool(const std::string& dir, SpoolFileOptions o = options()) {
  auto spool = SpoolFile::open(dir, o);
  EXPECT_TRUE(spool.is_ok()) << spool.status().to_string();
  return spool.is_ok() ? std::move(spool).value() : nullptr;
}

// Pops every record, checking each against payload(first), payload(first + 1), ...
void expect_drains(SpoolFile& spool, int first, int count, size_t size = 40) {
  SpoolRecord rec;
  for (int i = first; i < first + count; ++i) {
    auto got = spool.peek(rec);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    ASSERT_TRUE(*got) << "spool ended before record " << i;
    EXPECT_EQ(rec.payload, payload(i, size)) << "record " << i;
    ASSERT_TRUE(spool.pop().is_ok());
  }
  auto got = spool.peek(rec);
  ASSERT_TRUE(got.is_ok());
  EXPECT_FALSE(*got) << "records left after " << count;
}

std::vector<fs::path> segment_files(const std::string& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".seg") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SpoolFile, ReturnsRecordsInAppendOrderWithTheirTime) {
  TempDir tmp;
  auto spool = open_spool(tmp.file("s"));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(spool->append(payload(i), core::Timestamp(1000 + i)).is_ok());
  EXPECT_EQ(spool->records(), 5u);
  EXPECT_EQ(spool->bytes(), 5 * (SpoolFile::kRecordHeaderBytes + 40));
  EXPECT_EQ(spool->oldest()->nanos(), 1000);
  SpoolRecord rec;
  ASSERT_TRUE(*spool->peek(rec));
  EXPECT_EQ(rec.appended.nanos(), 1000);
  ASSERT_TRUE(spool->pop().is_ok());
  EXPECT_EQ(spool->oldest()->nanos(), 1001);
  expect_drains(*spool, 1, 4);
  EXPECT_EQ(spool->bytes(), 0u);
  EXPECT_FALSE(spool->oldest().has_value());
}

TEST(SpoolFile, KeepsTheHeadAcrossReopen) {
  TempDir tmp;
  {
    auto spool = open_spool(tmp.file("s"));
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(spool->append(payload(i), core::Timestamp(i)).is_ok());
    ASSERT_TRUE(spool->pop().is_ok());
    ASSERT_TRUE(spool->pop().is_ok());
  }
  auto spool = open_spool(tmp.file("s"));
  EXPECT_EQ(spool->records(), 3u);
  EXPECT_EQ(spool->corrupt_cut(), 0u);
  ASSERT_TRUE(spool->append(payload(5), core::Timestamp(5)).is_ok());
  expect_drains(*spool, 2, 4);
}

TEST(SpoolFile, RollsSegmentsAndRemovesThemOnceDrained) {
  TempDir tmp;
  // 56-byte records, 200-byte segments: three records per segment, seven segments for twenty.
  auto spool = open_spool(tmp.file("s"), options(1 << 20, 200));
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(spool->append(payload(i), core::Timestamp(i)).is_ok());
  EXPECT_EQ(segment_files(tmp.file("s")).size(), 7u);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(spool->pop().is_ok());
  EXPECT_EQ(segment_files(tmp.file("s")).size(), 5u);
  spool.reset();
  spool = open_spool(tmp.file("s"), options(1 << 20, 200));
  expect_drains(*spool, 6, 14);
  EXPECT_TRUE(segment_files(tmp.file("s")).empty());
  // And it starts again after being emptied, also across a reopen.
  ASSERT_TRUE(spool->append(payload(99), core::Timestamp(99)).is_ok());
  spool.reset();
  spool = open_spool(tmp.file("s"), options(1 << 20, 200));
  expect_drains(*spool, 99, 1);
}

TEST(SpoolFile, CutsATornTailRecord) {
  TempDir tmp;
  {
    auto spool = open_spool(tmp.file("s"));
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(spool->append(payload(i), core::Timestamp(i)).is_ok());
  }
  auto segs = segment_files(tmp.file("s"));
  ASSERT_EQ(segs.size(), 1u);
  fs::resize_file(segs[0], fs::file_size(segs[0]) - 3);  // a crash in the middle of the fifth append
  auto spool = open_spool(tmp.file("s"));
  EXPECT_EQ(spool->records(), 4u);
  EXPECT_EQ(spool->corrupt_cut(), 1u);
  EXPECT_EQ(fs::file_size(segs[0]), 4 * (SpoolFile::kRecordHeaderBytes + 40));
  ASSERT_TRUE(spool->append(payload(4), core::Timestamp(4)).is_ok());  // appends after the cut
  expect_drains(*spool, 0, 5);
}

TEST(SpoolFile, CutsGarbageAfterTheLastRecord) {
  TempDir tmp;
  {
    auto spool = open_spool(tmp.file("s"));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(spool->append(payload(i), core::Timestamp(i)).is_ok());
  }
  auto segs = segment_files(tmp.file("s"));
  {
    std::ofstream out(segs[0], std::ios::binary | std::ios::app);
    out << "\x07garbage that is not a record at all, long enough to look like a header";
  }
  auto spool = open_spool(tmp.file("s"));
  EXPECT_EQ(spool->records(), 3u);
  EXPECT_EQ(spool->corrupt_cut(), 1u);
  expect_drains(*spool, 0, 3);
}

TEST(SpoolFile, CutsARecordWhoseBytesRotted) {
  TempDir tmp;
  {
    auto spool = open_spool(tmp.file("s"));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(spool->append(payload(i), core::Timestamp(i)).is_ok());
  }
  auto segs = segment_files(tmp.file("s"));
  {
    std::fstream f(segs[0], std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(2 * (SpoolFile::kRecordHeaderBytes + 40) + 20));  // in the third payload
    f.put('\xFF');
  }
  auto spool = open_spool(tmp.file("s"));
  EXPECT_EQ(spool->records(), 2u);
  EXPECT_EQ(spool->corrupt_cut(), 1u);
  expect_drains(*spool, 0, 2);
}

TEST(SpoolFile, RefusesAppendsPastTheBoundAndLosesNothing) {
  TempDir tmp;
  // Each record is 16 + 40 = 56 bytes: four fit in 230, a fifth does not.
  auto spool = open_spool(tmp.file("s"), options(230));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(spool->append(payload(i), core::Timestamp(i)).is_ok());
  core::Status full = spool->append(payload(4), core::Timestamp(4));
  EXPECT_EQ(full.code(), core::ErrorCode::kResourceExhausted);
  EXPECT_EQ(spool->records(), 4u);
  ASSERT_TRUE(spool->pop().is_ok());
  ASSERT_TRUE(spool->append(payload(4), core::Timestamp(4)).is_ok());
  spool.reset();
  spool = open_spool(tmp.file("s"), options(230));
  expect_drains(*spool, 1, 4);
}

TEST(SpoolFile, KeepsASecondOpenerOut) {
  TempDir tmp;
  auto first = open_spool(tmp.file("s"));
  auto second = SpoolFile::open(tmp.file("s"), options());
  EXPECT_EQ(second.status().code(), core::ErrorCode::kAlreadyExists);
}

TEST(SpoolFile, RecoversFromACorruptHeadFileByReadingFromTheStart) {
  TempDir tmp;
  {
    auto spool = open_spool(tmp.file("s"));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(spool->append(payload(i), core::Timestamp(i)).is_ok());
    ASSERT_TRUE(spool->pop().is_ok());
  }
  {
    std::ofstream out(tmp.file("s") + "/head", std::ios::binary | std::ios::trunc);
    out << "junk";
  }
  auto spool = open_spool(tmp.file("s"));
  EXPECT_EQ(spool->corrupt_cut(), 1u);
  expect_drains(*spool, 0, 3);  // record 0 comes again: re-applying an upsert is harmless
}

}  // namespace
}  // namespace nifty::store
