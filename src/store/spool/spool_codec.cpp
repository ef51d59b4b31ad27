#include "store/spool/spool_codec.h"

#include <string>

#include "store/spool/byte_io.h"

namespace nifty::store {

namespace {

enum class RecordKind : uint8_t { kCandles = 1, kSignals = 2 };

// An item is at least this many bytes, so a count larger than remaining / this is corrupt (and
// cannot make decode reserve absurd memory).
constexpr size_t kMinCandleBytes = 1 + 1 + 8 * 6 + 4 + 8;
constexpr size_t kMinSignalBytes = 4 + 1 + 8 + 2 + 8 + 24 + 4;

void write_header(ByteWriter& w, RecordKind kind, size_t count) {
  w.u8(kSpoolRecordVersion);
  w.u8(static_cast<uint8_t>(kind));
  w.u32(static_cast<uint32_t>(count));
}

// Reads the header; returns the item count (0 with r failed when it does not fit).
uint32_t read_header(ByteReader& r, RecordKind kind, size_t min_item_bytes) {
  uint8_t version = r.u8("version");
  if (r.ok() && version != kSpoolRecordVersion) r.fail("version", "unknown record version " + std::to_string(version));
  uint8_t got_kind = r.u8("kind");
  if (r.ok() && got_kind != static_cast<uint8_t>(kind)) {
    r.fail("kind", "record kind " + std::to_string(got_kind) + ", expected " + std::to_string(static_cast<int>(kind)));
  }
  uint32_t count = r.u32("count");
  if (r.ok() && count > r.remaining() / min_item_bytes) {
    r.fail("count", std::to_string(count) + " items cannot fit in " + std::to_string(r.remaining()) + " bytes");
  }
  return r.ok() ? count : 0;
}

void write_symbol(ByteWriter& w, const model::Symbol& s) {
  w.u8(static_cast<uint8_t>(s.view().size()));
  for (char c : s.view()) w.u8(static_cast<uint8_t>(c));
}

model::Symbol read_symbol(ByteReader& r) {
  uint8_t n = r.u8("symbol length");
  if (r.ok() && n > model::Symbol::kMaxLength) r.fail("symbol length", std::to_string(n) + " is too long");
  return model::Symbol(r.bytes(r.ok() ? n : 0, "symbol"));
}

model::Price read_price(ByteReader& r, std::string_view field) { return model::Price::from_paise(r.i64(field)); }
core::Timestamp read_time(ByteReader& r, std::string_view field) { return core::Timestamp(r.i64(field)); }

template <typename Enum>
Enum read_enum(ByteReader& r, std::string_view field, uint8_t count) {
  uint8_t v = r.u8(field);
  if (r.ok() && v >= count) r.fail(field, "value " + std::to_string(v) + " out of range");
  return static_cast<Enum>(v);
}

void write_macd(ByteWriter& w, const model::MacdValue& m) {
  w.f64(m.value);
  w.f64(m.signal);
  w.f64(m.histogram);
}
model::MacdValue read_macd(ByteReader& r) {
  model::MacdValue m;
  m.value = r.f64("macd value");
  m.signal = r.f64("macd signal");
  m.histogram = r.f64("macd histogram");
  return m;
}
void write_bollinger(ByteWriter& w, const model::BollingerValue& b) {
  w.f64(b.upper);
  w.f64(b.middle);
  w.f64(b.lower);
}
model::BollingerValue read_bollinger(ByteReader& r) {
  model::BollingerValue b;
  b.upper = r.f64("bollinger upper");
  b.middle = r.f64("bollinger middle");
  b.lower = r.f64("bollinger lower");
  return b;
}

constexpr uint8_t kIntervalCount = static_cast<uint8_t>(std::size(model::kAllIntervals));
constexpr uint8_t kRecommendationCount = 5;

}  // namespace

void encode_candle_batch(std::span<const model::Candle> candles, std::vector<uint8_t>& out) {
  out.clear();
  ByteWriter w(out);
  write_header(w, RecordKind::kCandles, candles.size());
  for (const model::Candle& c : candles) {
    write_symbol(w, c.symbol);
    w.u8(static_cast<uint8_t>(c.interval));
    w.i64(c.start.nanos());
    w.i64(c.open.paise());
    w.i64(c.high.paise());
    w.i64(c.low.paise());
    w.i64(c.close.paise());
    w.i64(c.volume);
    w.i32(c.trades);
    w.i64(c.vwap.paise());
  }
}

core::Status decode_candle_batch(std::span<const uint8_t> record, std::vector<model::Candle>& out) {
  out.clear();
  ByteReader r(record);
  uint32_t count = read_header(r, RecordKind::kCandles, kMinCandleBytes);
  out.reserve(count);
  for (uint32_t i = 0; i < count && r.ok(); ++i) {
    model::Candle c;
    c.symbol = read_symbol(r);
    c.interval = read_enum<model::Interval>(r, "interval", kIntervalCount);
    c.start = read_time(r, "start");
    c.open = read_price(r, "open");
    c.high = read_price(r, "high");
    c.low = read_price(r, "low");
    c.close = read_price(r, "close");
    c.volume = r.i64("volume");
    c.trades = r.i32("trades");
    c.vwap = read_price(r, "vwap");
    out.push_back(c);
  }
  if (r.ok() && r.remaining() != 0) r.fail("end", std::to_string(r.remaining()) + " bytes after the last candle");
  if (!r.ok()) out.clear();
  return r.status();
}

void encode_signal_batch(std::span<const model::Signal> signals, std::vector<uint8_t>& out) {
  out.clear();
  ByteWriter w(out);
  write_header(w, RecordKind::kSignals, signals.size());
  for (const model::Signal& s : signals) {
    w.str(s.id);
    write_symbol(w, s.symbol);
    w.i64(s.timestamp.nanos());
    w.u8(static_cast<uint8_t>(s.action));
    w.u8(static_cast<uint8_t>(s.previous));
    w.i64(s.price.paise());
    w.f64(s.confidence);
    w.f64(s.composite_score);
    w.f64(s.ai_prediction);
    w.str(s.reason);
    const model::SignalProvenance& p = s.provenance;
    w.i64(p.candle_time.nanos());
    w.f64(p.rsi);
    write_macd(w, p.macd);
    w.f64(p.ema50);
    w.f64(p.ema100);
    w.f64(p.ema200);
    write_bollinger(w, p.bollinger);
    w.f64(p.trend_score);
    w.f64(p.momentum_score);
    w.f64(p.composite_score);
    w.f64(p.ai_prediction);
    w.f64(p.ai_confidence);
    w.str(p.engine);
    w.str(p.model_version);
  }
}

core::Status decode_signal_batch(std::span<const uint8_t> record, std::vector<model::Signal>& out) {
  out.clear();
  ByteReader r(record);
  uint32_t count = read_header(r, RecordKind::kSignals, kMinSignalBytes);
  out.reserve(count);
  for (uint32_t i = 0; i < count && r.ok(); ++i) {
    model::Signal s;
    s.id = r.str("id");
    s.symbol = read_symbol(r);
    s.timestamp = read_time(r, "time");
    s.action = read_enum<model::Recommendation>(r, "action", kRecommendationCount);
    s.previous = read_enum<model::Recommendation>(r, "previous", kRecommendationCount);
    s.price = read_price(r, "price");
    s.confidence = r.f64("confidence");
    s.composite_score = r.f64("composite_score");
    s.ai_prediction = r.f64("ai_prediction");
    s.reason = r.str("reason");
    model::SignalProvenance& p = s.provenance;
    p.candle_time = read_time(r, "provenance candle_time");
    p.rsi = r.f64("provenance rsi");
    p.macd = read_macd(r);
    p.ema50 = r.f64("provenance ema50");
    p.ema100 = r.f64("provenance ema100");
    p.ema200 = r.f64("provenance ema200");
    p.bollinger = read_bollinger(r);
    p.trend_score = r.f64("provenance trend_score");
    p.momentum_score = r.f64("provenance momentum_score");
    p.composite_score = r.f64("provenance composite_score");
    p.ai_prediction = r.f64("provenance ai_prediction");
    p.ai_confidence = r.f64("provenance ai_confidence");
    p.engine = r.str("provenance engine");
    p.model_version = r.str("provenance model_version");
    out.push_back(std::move(s));
  }
  if (r.ok() && r.remaining() != 0) r.fail("end", std::to_string(r.remaining()) + " bytes after the last signal");
  if (!r.ok()) out.clear();
  return r.status();
}

}  // namespace nifty::store
