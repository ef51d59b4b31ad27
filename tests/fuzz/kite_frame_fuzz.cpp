// libFuzzer target: kite::parse_frame (the Kite binary frame splitter and packet decoder).
// The input is one WebSocket binary message. Besides "no crash, no sanitizer finding", it checks:
// - the frame is all or nothing: an error appends no tick and leaves `out` as it was;
// - accept/reject agrees with a reference splitter written here from broker-protocols.md 1.4, and
//   ticks + skipped + unknown tokens add up to the packet count it finds;
// - each tick's symbol is the universe's symbol for its Kite token, its price fits NUMERIC(10, 2)
//   and equals the wire value for divisor-100 segments.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "feed/kite/kite_parse.h"
#include "fuzz_support.h"

namespace {

using namespace nifty;
using feed::kite::Segment;

struct Reference {
  bool ok = false;
  bool heartbeat = false;
  size_t packets = 0;
  size_t known_length = 0;  // packets of 8, 28, 32, 44 or 184 bytes
};

uint32_t be16(const uint8_t* p) { return (uint32_t{p[0]} << 8) | p[1]; }
uint32_t be32(const uint8_t* p) { return (be16(p) << 16) | be16(p + 2); }

// count:u16 BE, then count x (len:u16 BE, len bytes), nothing after; 1 byte = heartbeat.
Reference reference_split(const uint8_t* data, size_t size) {
  Reference r;
  if (size == 0) return r;
  if (size == 1) {
    r.ok = r.heartbeat = true;
    return r;
  }
  size_t count = be16(data);
  size_t at = 2;
  for (size_t i = 0; i < count; ++i) {
    if (at + 2 > size) return r;
    size_t len = be16(data + at);
    at += 2;
    if (at + len > size) return r;
    if (len == 8 || len == 28 || len == 32 || len == 44 || len == 184) ++r.known_length;
    at += len;
  }
  r.ok = at == size;
  r.packets = count;
  return r;
}

const feed::kite::Symbols& symbols() {
  static const feed::kite::Symbols* s = [] {
    auto created = feed::kite::Symbols::create(fuzz::universe());
    if (!created.is_ok()) fuzz::violated("kite symbols of the real universe");
    return new feed::kite::Symbols(std::move(*created));
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Reference ref = reference_split(data, size);

  // A tick already in the vector must survive whatever the frame does.
  std::vector<model::Tick> out(1);
  out[0].symbol = model::Symbol("SENTINEL");
  out[0].last_price = model::Price::from_paise(4242);

  auto result = feed::kite::parse_frame(std::span<const uint8_t>(data, size), fuzz::kReceiveTime, symbols(), out);
  NIFTY_FUZZ_EXPECT(out.size() >= 1 && out[0].symbol == model::Symbol("SENTINEL") &&
                    out[0].last_price == model::Price::from_paise(4242));
  NIFTY_FUZZ_EXPECT(result.is_ok() == ref.ok);
  if (!result.is_ok()) {
    NIFTY_FUZZ_EXPECT(out.size() == 1);  // all or nothing
    NIFTY_FUZZ_EXPECT(result.status().code() == core::ErrorCode::kParseError);
    NIFTY_FUZZ_EXPECT(!result.status().message().empty());
    return 0;
  }
  const feed::kite::ParseResult& r = *result;
  NIFTY_FUZZ_EXPECT(r.heartbeat == ref.heartbeat);
  NIFTY_FUZZ_EXPECT(out.size() == 1 + r.ticks);
  NIFTY_FUZZ_EXPECT(r.ticks + r.unknown_tokens == ref.known_length);
  NIFTY_FUZZ_EXPECT(r.skipped == ref.packets - ref.known_length);

  // Walk the packets again to compare each emitted tick with its wire bytes.
  size_t at = 2;
  size_t next_tick = 1;
  for (size_t i = 0; i < ref.packets; ++i) {
    size_t len = be16(data + at);
    const uint8_t* p = data + at + 2;
    at += 2 + len;
    if (!(len == 8 || len == 28 || len == 32 || len == 44 || len == 184)) continue;
    uint32_t token = be32(p);
    const model::Instrument* ins = fuzz::universe().find_by_kite_token(token);
    if (ins == nullptr) continue;  // counted in unknown_tokens, not emitted
    NIFTY_FUZZ_EXPECT(next_tick < out.size());
    const model::Tick& t = out[next_tick++];
    fuzz::check_tick_common(t);
    NIFTY_FUZZ_EXPECT(t.token == token);
    NIFTY_FUZZ_EXPECT(t.symbol == ins->symbol);
    NIFTY_FUZZ_EXPECT(fuzz::price_fits(t.last_price, /*allow_negative=*/true));
    NIFTY_FUZZ_EXPECT(fuzz::price_fits(t.bid, true) && fuzz::price_fits(t.ask, true));
    Segment seg = feed::kite::segment_of(token);
    if (seg != Segment::kCds && seg != Segment::kBcd) {
      NIFTY_FUZZ_EXPECT(t.last_price.paise() == static_cast<int32_t>(be32(p + 4)));
    }
    if (len == 44 || len == 184) NIFTY_FUZZ_EXPECT(t.cumulative_volume == be32(p + 16));
  }
  NIFTY_FUZZ_EXPECT(next_tick == out.size());
  return 0;
}
