// Tests of the recording file format: FrameRecorder and RecordingReader. Frames are the public Kite
// sample V1 of ../shared/design/broker-protocols.md section 6 and hand-written text; the CRC check
// value is the standard one for CRC-32/IEEE ("123456789" -> 0xCBF43926).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "feed/recording/frame_recorder.h"
#include "feed/recording/recording_format.h"
#include "feed/recording/recording_reader.h"
#include "support/temp_dir.h"

namespace nifty::feed::recording {
namespace {

using core::ErrorCode;
using core::Timestamp;
using Bytes = std::vector<uint8_t>;

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

TEST(RecordingFormat, Crc32MatchesTheStandardCheckValue) {
  Bytes b = bytes_of("123456789");
  EXPECT_EQ(crc32(b), 0xCBF43926u);
  // Continuing a CRC over two halves equals one pass.
  EXPECT_EQ(crc32(std::span<const uint8_t>(b).subspan(4), crc32(std::span<const uint8_t>(b).first(4))), 0xCBF43926u);
}

struct Written {
  RecordKind kind;
  int64_t ns;
  Bytes bytes;
};

std::vector<Written> sample_records() {
  return {
      {RecordKind::kOpen, 1'000, bytes_of("wss://ws.kite.trade")},
      {RecordKind::kBinary, 2'000, Bytes{0x00}},
      {RecordKind::kText, 3'000, bytes_of(R"({"type":"error","data":"x"})")},
      {RecordKind::kBinary, 4'000, Bytes{}},
      {RecordKind::kNote, 5'000, bytes_of("reconnect after 5 s silence")},
      {RecordKind::kClose, 6'000, bytes_of("1006")},
  };
}

void write_all(const std::string& path, const std::vector<Written>& records, RecorderConfig config = {}) {
  auto rec = FrameRecorder::create(path, "kite", config, Timestamp(42));
  ASSERT_TRUE(rec.is_ok()) << rec.status().to_string();
  for (const auto& r : records) ASSERT_TRUE((*rec)->append(r.kind, Timestamp(r.ns), r.bytes).is_ok());
  ASSERT_TRUE((*rec)->close().is_ok());
}

TEST(RecordingFile, RoundTripsEveryRecordKind) {
  testing::TempDir dir;
  std::string path = dir.file("sub/dir/a.rec");
  auto records = sample_records();
  write_all(path, records);
  EXPECT_TRUE(is_recording_file(path));
  auto reader = RecordingReader::open(path);
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  EXPECT_EQ((*reader)->header().vendor, "kite");
  EXPECT_EQ((*reader)->header().version, kVersion);
  EXPECT_EQ((*reader)->header().created, Timestamp(42));
  Record r;
  for (const auto& w : records) {
    auto more = (*reader)->next(r);
    ASSERT_TRUE(more.is_ok()) << more.status().to_string();
    ASSERT_TRUE(*more);
    EXPECT_EQ(r.kind, w.kind);
    EXPECT_EQ(r.receive_time, Timestamp(w.ns));
    EXPECT_EQ(Bytes(r.bytes.begin(), r.bytes.end()), w.bytes);
  }
  auto end = (*reader)->next(r);
  ASSERT_TRUE(end.is_ok());
  EXPECT_FALSE(*end);
  EXPECT_FALSE((*reader)->torn_tail().has_value());
}

TEST(RecordingFile, LayoutIsTheDocumentedOne) {
  // README.md: "NIFTYREC", u16 version 1, u16 vendor length 4, "kite", i64 created, u32 CRC;
  // then a record: i64 receive ns, u8 kind, u32 length, bytes, u32 CRC.
  testing::TempDir dir;
  std::string path = dir.file("layout.rec");
  write_all(path, {{RecordKind::kText, 0x0102030405060708, bytes_of("hi")}});
  std::ifstream in(path, std::ios::binary);
  Bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(b.size(), 8u + 2 + 2 + 4 + 8 + 4 + 8 + 1 + 4 + 2 + 4);
  EXPECT_EQ(std::string(b.begin(), b.begin() + 8), "NIFTYREC");
  EXPECT_EQ(b[8], 1);
  EXPECT_EQ(b[9], 0);
  EXPECT_EQ(b[10], 4);
  EXPECT_EQ(std::string(b.begin() + 12, b.begin() + 16), "kite");
  EXPECT_EQ(b[16], 42);  // created = 42 ns, little-endian
  size_t rec = 28;
  EXPECT_EQ(b[rec], 0x08);  // receive ns, little-endian
  EXPECT_EQ(b[rec + 7], 0x01);
  EXPECT_EQ(b[rec + 8], 1);  // kind text
  EXPECT_EQ(b[rec + 9], 2);  // length 2
  EXPECT_EQ(b[rec + 13], 'h');
  // The record CRC covers header and bytes.
  uint32_t crc = crc32(std::span<const uint8_t>(b.data() + rec, 15));
  uint32_t stored = b[rec + 15] | (b[rec + 16] << 8) | (b[rec + 17] << 16) | (static_cast<uint32_t>(b[rec + 18]) << 24);
  EXPECT_EQ(crc, stored);
}

TEST(RecordingFile, TornTailIsReportedWithItsOffsetAndEarlierRecordsSurvive) {
  testing::TempDir dir;
  std::string path = dir.file("torn.rec");
  auto records = sample_records();
  write_all(path, records);
  // The last record (close, "1006") is 13 + 4 + 4 = 21 bytes: cut 3 of them, as a crash would.
  auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 3);
  auto reader = RecordingReader::open(path);
  ASSERT_TRUE(reader.is_ok());
  Record r;
  for (size_t i = 0; i + 1 < records.size(); ++i) ASSERT_TRUE(*(*reader)->next(r));
  auto torn = (*reader)->next(r);
  ASSERT_FALSE(torn.is_ok());
  ASSERT_TRUE((*reader)->torn_tail().has_value());
  EXPECT_EQ((*reader)->torn_tail()->offset, size - 21);
  EXPECT_EQ((*reader)->torn_tail()->present, 18u);
  EXPECT_EQ((*reader)->torn_tail()->expected, 21u);
  EXPECT_NE(torn.status().message().find("byte " + std::to_string(size - 21)), std::string::npos);
  // After the torn tail the reader is at its end.
  auto after = (*reader)->next(r);
  ASSERT_TRUE(after.is_ok());
  EXPECT_FALSE(*after);
}

TEST(RecordingFile, CutInsideARecordHeaderIsATornTailToo) {
  testing::TempDir dir;
  std::string path = dir.file("torn2.rec");
  write_all(path, sample_records());
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 21 + 5);
  auto reader = RecordingReader::open(path);
  Record r;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(*(*reader)->next(r));
  EXPECT_FALSE((*reader)->next(r).is_ok());
  ASSERT_TRUE((*reader)->torn_tail().has_value());
  EXPECT_EQ((*reader)->torn_tail()->present, 5u);
}

TEST(RecordingFile, DamageBeforeTheEndIsAnErrorNamingTheOffset) {
  testing::TempDir dir;
  std::string path = dir.file("bad.rec");
  write_all(path, sample_records());
  // The header is 12 + 4 + 12 = 28 bytes; the first record's bytes start at 28 + 13 = 41.
  {
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(41);
    f.put('W');
  }
  auto reader = RecordingReader::open(path);
  ASSERT_TRUE(reader.is_ok());
  Record r;
  auto bad = (*reader)->next(r);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kParseError);
  EXPECT_NE(bad.status().message().find("at byte 28"), std::string::npos);
  EXPECT_FALSE((*reader)->torn_tail().has_value());
}

TEST(RecordingFile, RejectsOtherFilesAndNeverOverwrites) {
  testing::TempDir dir;
  std::string csv = dir.file("ticks.csv");
  { std::ofstream(csv) << "symbol,time,price\n"; }
  EXPECT_FALSE(is_recording_file(csv));
  EXPECT_FALSE(is_recording_file(dir.file("absent.rec")));
  EXPECT_EQ(RecordingReader::open(csv).status().code(), ErrorCode::kParseError);
  EXPECT_EQ(RecordingReader::open(dir.file("absent.rec")).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(FrameRecorder::create(csv, "kite").status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(FrameRecorder::create(dir.file("x.rec"), "").status().code(), ErrorCode::kInvalidArgument);
}

TEST(RecordingFile, ConcurrentAppendsKeepEveryRecordWhole) {
  testing::TempDir dir;
  std::string path = dir.file("mt.rec");
  RecorderConfig config;
  config.flush = FlushPolicy::kBuffered;
  config.flush_bytes = 4096;
  auto rec = FrameRecorder::create(path, "mstock", config);
  ASSERT_TRUE(rec.is_ok());
  constexpr int kThreads = 4, kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string payload = std::to_string(t) + ":" + std::to_string(i) + std::string(static_cast<size_t>(i % 50), 'x');
        EXPECT_TRUE((*rec)->append(RecordKind::kText, Timestamp(i), payload).is_ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE((*rec)->close().is_ok());
  EXPECT_EQ((*rec)->records(), static_cast<uint64_t>(kThreads * kPerThread));
  auto reader = RecordingReader::open(path);
  ASSERT_TRUE(reader.is_ok());
  std::vector<int> next(kThreads, 0);
  Record r;
  int count = 0;
  while (true) {
    auto more = (*reader)->next(r);
    ASSERT_TRUE(more.is_ok()) << more.status().to_string();
    if (!*more) break;
    std::string text(r.text());
    int t = std::stoi(text.substr(0, text.find(':')));
    int i = std::stoi(text.substr(text.find(':') + 1));
    ASSERT_EQ(i, next[t]) << "thread " << t << " out of order";
    ++next[t];
    ++count;
  }
  EXPECT_EQ(count, kThreads * kPerThread);
}

TEST(RecordingFile, EveryRecordPolicyMakesRecordsReadableBeforeClose) {
  testing::TempDir dir;
  std::string path = dir.file("live.rec");
  RecorderConfig config;
  config.flush = FlushPolicy::kEveryRecord;
  auto rec = FrameRecorder::create(path, "flattrade", config);
  ASSERT_TRUE(rec.is_ok());
  ASSERT_TRUE((*rec)->append(RecordKind::kText, Timestamp(1), std::string_view(R"({"t":"h"})")).is_ok());
  // Still open: a second reader sees the record already.
  auto reader = RecordingReader::open(path);
  ASSERT_TRUE(reader.is_ok());
  Record r;
  ASSERT_TRUE(*(*reader)->next(r));
  EXPECT_EQ(r.text(), R"({"t":"h"})");
  EXPECT_EQ((*reader)->header().vendor, "flattrade");
}

}  // namespace
}  // namespace nifty::feed::recording
