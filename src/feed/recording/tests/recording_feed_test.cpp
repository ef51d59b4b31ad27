// Tests of RecordingFeed: a recorded session replays into exactly the ticks that decoding the same
// frames directly gives (the reference computation is a FrameDecoder fed frame by frame here), for
// the public Kite sample frames of ../shared/design/broker-protocols.md section 6 and the Noren
// touchline example of section 3.4; plus torn tails, reconnects, pacing and stop.
#include "feed/recording/recording_feed.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "feed/live/frame_decoder.h"
#include "feed/recording/frame_recorder.h"
#include "support/temp_dir.h"

namespace nifty::feed::recording {
namespace {

using core::Timestamp;
using Bytes = std::vector<uint8_t>;

constexpr std::string_view kV1Hex =
    "000200b800063a010001fb71000000020001f805005c8e0b0005f3e50006423d0001f6260001fe1e0001f23e0001f0ea"
    "6021072700000000000000000000000060210727000008320001fb6c000a0000000000060001fb620002000000000087"
    "0001fb5800050000000000010001fb5300010000000000370001fb4e000200000000014f0001fb710007000000000001"
    "0001fb76000100000000002d0001fb9400020000000000780001fb9900020000000000e90001fb9e0003000000b8002d"
    "10010004e5ac000000940004dd700022828300023cd6000239d40004dde60004ec280004d07b0004d193602107260000"
    "0000000000000000000060210726000000010004e5ca000100000000012c0004e5ac000100000000008a0004e59d0001"
    "00000000001f0004e59300010000000000340004e58900010000000000100004e5e300020000000000230004e5ed0001"
    "00000000002f0004e5f2000200000000001e0004e5f7000300000000029e0004e5fc00010000";
constexpr std::string_view kV2Hex =
    "00063a01000266ba000000070002656d001232170003e9bb00058a01000264f30002673c000261c90002646c60e2947f"
    "00000000000000000000000060e2947f000000050002669c000100000000008c0002667400020000000000020002666f"
    "00010000000000db0002666a00070000000000320002666500010000000000ac000266ba000300000000002c000266bf"
    "000300000000012e000266c9000300000000008d000266ce00020000000002d4000266d300050000";
constexpr std::string_view kV3Hex = "00063a010002668300000001000265690011f1b20003e9ff00058037000264f30002673c000261c90002646c";

Bytes from_hex(std::string_view hex) {
  Bytes out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
  return out;
}
Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }
// A single packet as a whole frame: count 1, then its length (section 6 notes).
Bytes wrap(const Bytes& packet) {
  Bytes f = {0x00, 0x01, static_cast<uint8_t>(packet.size() >> 8), static_cast<uint8_t>(packet.size() & 0xff)};
  f.insert(f.end(), packet.begin(), packet.end());
  return f;
}

model::Universe universe() {
  auto u = model::Universe::parse_csv("symbol,nse_token,kite_token\nINFY,1594,408065\nTCS,11536,2953217\n"
                                      "RELIANCE,2885,738561\n",
                                      "test");
  EXPECT_TRUE(u.is_ok());
  return std::move(u).value();
}

struct Frame {
  RecordKind kind;
  int64_t ns;
  Bytes bytes;
};

class CollectingSink : public FeedSink {
 public:
  bool on_ticks(std::span<const model::Tick> ticks) override {
    std::lock_guard lock(mu);
    got.insert(got.end(), ticks.begin(), ticks.end());
    count.store(got.size());
    return true;
  }
  bool on_clock(Timestamp t) override {
    std::lock_guard lock(mu);
    clocks.push_back(t);
    return true;
  }
  std::mutex mu;
  std::vector<model::Tick> got;
  std::vector<Timestamp> clocks;
  std::atomic<size_t> count{0};
};

void record(const std::string& path, std::string_view vendor, const std::vector<Frame>& frames) {
  auto rec = FrameRecorder::create(path, vendor);
  ASSERT_TRUE(rec.is_ok()) << rec.status().to_string();
  for (const auto& f : frames) ASSERT_TRUE((*rec)->append(f.kind, Timestamp(f.ns), f.bytes).is_ok());
  ASSERT_TRUE((*rec)->close().is_ok());
}

// The reference: the same frames through a fresh decoder, directly.
std::vector<model::Tick> decode_directly(std::string_view vendor, const std::vector<Frame>& frames) {
  auto d = live::make_frame_decoder(vendor, universe());
  EXPECT_TRUE(d.is_ok());
  std::vector<model::Tick> ticks;
  std::vector<live::FrameEvent> events;
  for (const auto& f : frames) {
    if (f.kind == RecordKind::kOpen) (*d)->reset();
    if (f.kind != RecordKind::kText && f.kind != RecordKind::kBinary) continue;
    auto kind = f.kind == RecordKind::kText ? live::FrameKind::kText : live::FrameKind::kBinary;
    (void)(*d)->decode(kind, f.bytes, Timestamp(f.ns), ticks, events);
  }
  return ticks;
}

void expect_equal_ticks(const std::vector<model::Tick>& got, const std::vector<model::Tick>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].symbol, want[i].symbol) << i;
    EXPECT_EQ(got[i].token, want[i].token) << i;
    EXPECT_EQ(got[i].last_price, want[i].last_price) << i;
    EXPECT_EQ(got[i].cumulative_volume, want[i].cumulative_volume) << i;
    EXPECT_EQ(got[i].last_quantity, want[i].last_quantity) << i;
    EXPECT_EQ(got[i].bid, want[i].bid) << i;
    EXPECT_EQ(got[i].ask, want[i].ask) << i;
    EXPECT_EQ(got[i].exchange_time, want[i].exchange_time) << i;
    EXPECT_EQ(got[i].receive_time, want[i].receive_time) << i;
    EXPECT_EQ(got[i].sequence, want[i].sequence) << i;
  }
}

const int64_t kT0 = 1625461888LL * core::kNanosPerSecond;

std::vector<Frame> kite_session() {
  return {
      {RecordKind::kOpen, kT0, bytes_of("wss://ws.kite.trade")},
      {RecordKind::kText, kT0 + 1, bytes_of(R"({"type":"instruments_meta","data":{"count":1}})")},
      {RecordKind::kBinary, kT0 + 2, from_hex(kV1Hex)},
      {RecordKind::kBinary, kT0 + 3, Bytes{0x00}},  // heartbeat
      {RecordKind::kBinary, kT0 + 4, wrap(from_hex(kV2Hex))},
      {RecordKind::kBinary, kT0 + 5, Bytes{0x00, 0x05}},  // corrupt: rejected and counted
      {RecordKind::kBinary, kT0 + 6, wrap(from_hex(kV3Hex))},
      {RecordKind::kClose, kT0 + 7, bytes_of("1000")},
  };
}

TEST(RecordingFeed, KiteSessionReplaysExactlyAsDirectParse) {
  testing::TempDir dir;
  std::string path = dir.file("kite.rec");
  auto frames = kite_session();
  record(path, "kite", frames);
  ASSERT_TRUE(is_recording_file(path));
  RecordingFeedConfig config;
  config.universe = universe();
  std::vector<live::FrameEventKind> events;
  config.on_event = [&](const live::FrameEvent& e, Timestamp) { events.push_back(e.kind); };
  auto feed = RecordingFeed::open(path, config);
  ASSERT_TRUE(feed.is_ok()) << feed.status().to_string();
  EXPECT_EQ((*feed)->name(), "kite");
  CollectingSink sink;
  ASSERT_TRUE((*feed)->run(sink, {}).is_ok());
  std::vector<model::Tick> want = decode_directly("kite", frames);
  // V1 gives INFY and TCS, V2 and V3 one INFY each (section 6).
  ASSERT_EQ(want.size(), 4u);
  EXPECT_EQ(want[2].last_price.paise(), 157370);  // V2: LTP 1573.70
  EXPECT_EQ(want[3].last_price.paise(), 157315);  // V3: LTP 1573.15
  expect_equal_ticks(sink.got, want);
  const RecordingReport& report = (*feed)->report();
  EXPECT_EQ(report.records, frames.size());
  EXPECT_EQ(report.frames, 6u);
  EXPECT_EQ(report.frames_rejected, 1u);
  EXPECT_EQ(report.connections, 1u);
  EXPECT_EQ(report.ticks_emitted, 4u);
  EXPECT_EQ(events, std::vector<live::FrameEventKind>{live::FrameEventKind::kOther});
  // Max speed ends with a clock 65 s past the latest exchange time. V2 is stamped 1625461887; V3 is
  // a quote packet, which carries no time, so its exchange time is its receive time kT0 + 6 ns, the
  // latest.
  ASSERT_FALSE(sink.clocks.empty());
  EXPECT_EQ(sink.clocks.back(), Timestamp(kT0 + 6 + 65 * core::kNanosPerSecond));
}

constexpr std::string_view kNorenTk =
    R"({"t":"tk","e":"NSE","tk":"2885","ts":"RELIANCE-EQ","pp":"2","ti":"0.05","ls":"1","lp":"2850.55",)"
    R"("pc":"-0.35","v":"162220","o":"2860.00","h":"2871.10","l":"2840.05","c":"2860.55","ap":"2855.12",)"
    R"("bp1":"2850.50","bq1":"120","sp1":"2850.60","sq1":"75","ft":"1706171400"})";
constexpr std::string_view kNorenTf =
    R"({"t":"tf","e":"NSE","tk":"2885","lp":"2851.05","v":"166637","sp1":"2851.10","ft":"1706171403"})";

TEST(RecordingFeed, FlattradeMergedStateAndReconnectsReplayAsLive) {
  testing::TempDir dir;
  std::string path = dir.file("ft.rec");
  int64_t t = 1706171401LL * core::kNanosPerSecond;
  std::vector<Frame> frames = {
      {RecordKind::kOpen, t, bytes_of("wss://piconnect.flattrade.in/PiConnectWSAPI/")},
      {RecordKind::kText, t + 1, bytes_of(R"({"t":"ak","s":"OK"})")},
      {RecordKind::kText, t + 2, bytes_of(kNorenTk)},
      {RecordKind::kText, t + 3, bytes_of(kNorenTf)},
      {RecordKind::kClose, t + 4, bytes_of("1006")},
      {RecordKind::kOpen, t + 5, bytes_of("wss://piconnect.flattrade.in/PiConnectWSAPI/")},
      {RecordKind::kText, t + 6, bytes_of(kNorenTf)},  // before the new snapshot: rejected
      {RecordKind::kText, t + 7, bytes_of(kNorenTk)},
  };
  record(path, "flattrade", frames);
  RecordingFeedConfig config;
  config.universe = universe();
  auto feed = open_recording_feed(path, config);
  ASSERT_TRUE(feed.is_ok()) << feed.status().to_string();
  CollectingSink sink;
  ASSERT_TRUE((*feed)->run(sink, {}).is_ok());
  std::vector<model::Tick> want = decode_directly("flattrade", frames);
  ASSERT_EQ(want.size(), 3u);
  EXPECT_EQ(want[1].bid.paise(), 285050);  // merged from the tk
  expect_equal_ticks(sink.got, want);
}

TEST(RecordingFeed, TornTailPlaysWhatCameBeforeAndReportsIt) {
  testing::TempDir dir;
  std::string path = dir.file("torn.rec");
  auto frames = kite_session();
  frames.pop_back();  // ends with the V3 frame: 13 + 48 + 4 = 65 bytes
  record(path, "kite", frames);
  auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 10);
  RecordingFeedConfig config;
  config.universe = universe();
  auto feed = RecordingFeed::open(path, config);
  ASSERT_TRUE(feed.is_ok());
  CollectingSink sink;
  ASSERT_TRUE((*feed)->run(sink, {}).is_ok());
  frames.pop_back();
  expect_equal_ticks(sink.got, decode_directly("kite", frames));
  ASSERT_TRUE((*feed)->report().torn_tail.has_value());
  EXPECT_EQ((*feed)->report().torn_tail->offset, size - 65);
}

TEST(RecordingFeed, OpenErrorsNameTheProblem) {
  testing::TempDir dir;
  RecordingFeedConfig config;
  config.universe = universe();
  EXPECT_EQ(RecordingFeed::open(dir.file("none.rec"), config).status().code(), core::ErrorCode::kNotFound);
  std::string path = dir.file("odd.rec");
  record(path, "zerodha", {});
  auto odd = RecordingFeed::open(path, config);
  ASSERT_FALSE(odd.is_ok());
  EXPECT_NE(odd.status().message().find("zerodha"), std::string::npos);
  config.speed = -1;
  EXPECT_EQ(RecordingFeed::open(path, config).status().code(), core::ErrorCode::kConfigError);
}

TEST(RecordingFeed, PacedPlayFollowsTheRecordedTimesAndSkipsLongGaps) {
  testing::TempDir dir;
  std::string path = dir.file("paced.rec");
  auto frames = kite_session();
  // V2 arrives 2 s after V1, V3 an hour later (a gap to jump over).
  frames[4].ns = kT0 + 2 * core::kNanosPerSecond;
  frames[5].ns = frames[4].ns + 1;
  frames[6].ns = frames[4].ns + 3600 * core::kNanosPerSecond;
  frames[7].ns = frames[6].ns + 1;
  record(path, "kite", frames);
  RecordingFeedConfig config;
  config.universe = universe();
  config.speed = 10;  // 2 s recorded -> 0.2 s
  auto feed = RecordingFeed::open(path, config);
  ASSERT_TRUE(feed.is_ok());
  CollectingSink sink;
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE((*feed)->run(sink, {}).is_ok());
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(190));
  EXPECT_LT(elapsed, std::chrono::seconds(30));
  expect_equal_ticks(sink.got, decode_directly("kite", frames));
  EXPECT_EQ((*feed)->report().idle_skips, 1u);
  // Clocks while waiting never run ahead of the record that was due.
  for (Timestamp c : sink.clocks) EXPECT_LE(c, Timestamp(frames[6].ns));
}

TEST(RecordingFeed, StopEndsAPacedPlayPromptly) {
  testing::TempDir dir;
  std::string path = dir.file("slow.rec");
  auto frames = kite_session();
  frames[4].ns = kT0 + 50 * core::kNanosPerSecond;  // 50 s later at speed 1
  for (size_t i = 5; i < frames.size(); ++i) frames[i].ns = frames[4].ns + static_cast<int64_t>(i);
  record(path, "kite", frames);
  RecordingFeedConfig config;
  config.universe = universe();
  config.speed = 1;
  auto feed = RecordingFeed::open(path, config);
  ASSERT_TRUE(feed.is_ok());
  CollectingSink sink;
  std::stop_source stop;
  core::Status status;
  std::thread runner([&] { status = (*feed)->run(sink, stop.get_token()); });
  // Poll (with a deadline) until the first frame's two ticks are out, then stop.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (sink.count.load() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  ASSERT_EQ(sink.count.load(), 2u);
  auto stop_at = std::chrono::steady_clock::now();
  stop.request_stop();
  runner.join();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_at, std::chrono::seconds(2));
  EXPECT_TRUE(status.is_ok());
  EXPECT_EQ(sink.count.load(), 2u);
}

}  // namespace
}  // namespace nifty::feed::recording
