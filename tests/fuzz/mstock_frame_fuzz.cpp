// libFuzzer target: mStock Type B binary frames (mstock::split_frame with the 4-byte batch header,
// decode_packet, MstockParser::on_frame) and text frames (mstock::parse_text).
// Input: one control byte, then the frame. Control bit 7 set: the rest is a text frame. Otherwise
// bits 0-1 pick the time unit (0 auto, 1 seconds since 1980, 2 Unix seconds, 3 Unix millis) and the
// rest is a binary frame, parsed twice by the same parser (the second pass runs with the unit the
// first may have latched and must give the same ticks).
// Checks: a bad frame is rejected whole with no tick; otherwise ticks + rejected = the packets a
// reference splitter written here from broker-protocols.md 2.4 finds; counts and first_error agree;
// each tick's symbol is the universe's for its NSE token, its prices fit NUMERIC(10, 2) and are not
// negative, its exchange time is within max_skew of the receive time.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "feed/mstock/mstock_parse.h"
#include "fuzz_support.h"

namespace {

using namespace nifty;
using feed::mstock::MstockTimeUnit;

// Packets of a frame: a bare 51/123/379-byte packet is 1; a batch is header count when the header
// size is one of those and count * size fills the rest exactly; anything else is 0 (bad frame).
size_t reference_packet_count(const uint8_t* data, size_t size) {
  auto packet_size = [](size_t n) { return n == 51 || n == 123 || n == 379; };
  if (packet_size(size)) return 1;
  if (size < 4) return 0;
  size_t count = data[0] | (size_t{data[1]} << 8);
  size_t each = data[2] | (size_t{data[3]} << 8);
  if (!packet_size(each) || count == 0 || size - 4 != count * each) return 0;
  return count;
}

bool same_tick(const model::Tick& a, const model::Tick& b) {
  return a.token == b.token && a.symbol == b.symbol && a.exchange == b.exchange && a.last_price == b.last_price &&
         a.cumulative_volume == b.cumulative_volume && a.last_quantity == b.last_quantity && a.bid == b.bid &&
         a.ask == b.ask && a.exchange_time == b.exchange_time && a.receive_time == b.receive_time &&
         a.sequence == b.sequence;
}

void check_ticks(std::span<const model::Tick> ticks, int64_t max_skew) {
  for (const model::Tick& t : ticks) {
    fuzz::check_tick_common(t);
    const model::Instrument* ins = fuzz::universe().find_by_nse_token(t.token);
    NIFTY_FUZZ_EXPECT(ins != nullptr && ins->symbol == t.symbol);
    NIFTY_FUZZ_EXPECT(t.exchange == model::Exchange::kNse);
    int64_t skew = t.exchange_time.nanos() - t.receive_time.nanos();
    NIFTY_FUZZ_EXPECT(skew <= max_skew && skew >= -max_skew);
    NIFTY_FUZZ_EXPECT(t.sequence <= static_cast<uint64_t>(INT64_MAX));
    NIFTY_FUZZ_EXPECT(t.last_price.paise() >= 0 && t.bid.paise() >= 0 && t.ask.paise() >= 0);
    NIFTY_FUZZ_EXPECT(fuzz::price_fits(t.last_price, false) && fuzz::price_fits(t.bid, false) &&
                      fuzz::price_fits(t.ask, false));
  }
}

void fuzz_text(std::string_view text) {
  feed::mstock::MstockText t = feed::mstock::parse_text(text);
  if (t.type == feed::mstock::MstockTextType::kOther) NIFTY_FUZZ_EXPECT(t.data == text);
}

void fuzz_binary(MstockTimeUnit unit, std::span<const uint8_t> frame) {
  const size_t packets = reference_packet_count(frame.data(), frame.size());
  feed::mstock::MstockSymbols symbols(fuzz::universe());
  feed::mstock::MstockTimeConfig config;
  config.unit = unit;
  feed::mstock::MstockParser parser(symbols, config);

  // The splitter alone agrees with the reference and hands out whole packets inside the frame.
  size_t seen = 0;
  core::Status split = feed::mstock::split_frame(frame, [&](std::span<const uint8_t> p) {
    ++seen;
    NIFTY_FUZZ_EXPECT(p.size() == 51 || p.size() == 123 || p.size() == 379);
    NIFTY_FUZZ_EXPECT(p.data() >= frame.data() && p.data() + p.size() <= frame.data() + frame.size());
  });
  NIFTY_FUZZ_EXPECT(split.is_ok() == (packets > 0));
  NIFTY_FUZZ_EXPECT(seen == packets);

  std::vector<model::Tick> first;
  std::vector<model::Tick> second;
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<model::Tick>& out = pass == 0 ? first : second;
    const uint64_t rejects_before = parser.rejects().total();
    feed::mstock::MstockFrameResult r = parser.on_frame(frame, fuzz::kReceiveTime, out);
    NIFTY_FUZZ_EXPECT(r.ticks == out.size());
    NIFTY_FUZZ_EXPECT(parser.rejects().total() == rejects_before + r.rejected);
    NIFTY_FUZZ_EXPECT(r.first_error.is_ok() == (r.rejected == 0));
    if (!r.first_error.is_ok()) NIFTY_FUZZ_EXPECT(r.first_error.code() == core::ErrorCode::kParseError);
    if (packets == 0) {
      NIFTY_FUZZ_EXPECT(r.ticks == 0 && r.rejected == 1);  // a bad frame is rejected whole
    } else {
      NIFTY_FUZZ_EXPECT(r.ticks + r.rejected == packets);
    }
    check_ticks(out, config.max_skew_nanos);
    if (unit != MstockTimeUnit::kAuto) NIFTY_FUZZ_EXPECT(parser.detected_unit() == unit);
  }
  NIFTY_FUZZ_EXPECT(first.size() == second.size());
  for (size_t i = 0; i < first.size(); ++i) NIFTY_FUZZ_EXPECT(same_tick(first[i], second[i]));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t control = data[0];
  if (control & 0x80) {
    fuzz_text(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
    return 0;
  }
  constexpr MstockTimeUnit kUnits[] = {MstockTimeUnit::kAuto, MstockTimeUnit::kSecondsSince1980,
                                       MstockTimeUnit::kUnixSeconds, MstockTimeUnit::kUnixMillis};
  // A copy of exactly the frame's bytes, so that ASan sees any read past its end.
  std::vector<uint8_t> frame(data + 1, data + size);
  fuzz_binary(kUnits[control & 0x3], frame);
  return 0;
}
