#include "feed/mstock/mstock_parse.h"

#include <limits>
#include <string>

namespace nifty::feed::mstock {

namespace {

using R = MstockRejectReason;

int64_t abs_diff(core::Timestamp a, core::Timestamp b) {
  // Both are non-negative ns counts below INT64_MAX, so the difference cannot overflow.
  int64_t d = a.nanos() - b.nanos();
  return d < 0 ? -d : d;
}

bool valid_quantity(int64_t q) { return q >= 0 && q <= model::kMaxQuantity; }

}  // namespace

std::string_view time_unit_name(MstockTimeUnit unit) {
  switch (unit) {
    case MstockTimeUnit::kAuto: return "auto";
    case MstockTimeUnit::kSecondsSince1980: return "seconds_since_1980";
    case MstockTimeUnit::kUnixSeconds: return "unix_seconds";
    case MstockTimeUnit::kUnixMillis: return "unix_millis";
  }
  return "unknown";
}

std::optional<core::Timestamp> timestamp_in_unit(int64_t raw, MstockTimeUnit unit) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (raw < 0) return std::nullopt;
  switch (unit) {
    case MstockTimeUnit::kSecondsSince1980:
      if (raw > kMax / core::kNanosPerSecond - kEpoch1980Seconds) return std::nullopt;
      return core::Timestamp::from_seconds(raw + kEpoch1980Seconds);
    case MstockTimeUnit::kUnixSeconds:
      if (raw > kMax / core::kNanosPerSecond) return std::nullopt;
      return core::Timestamp::from_seconds(raw);
    case MstockTimeUnit::kUnixMillis:
      if (raw > kMax / core::kNanosPerMilli) return std::nullopt;
      return core::Timestamp::from_millis(raw);
    case MstockTimeUnit::kAuto: break;
  }
  return std::nullopt;
}

core::Result<core::Timestamp> MstockParser::exchange_time(int64_t raw, core::Timestamp receive_time) {
  if (unit_ == MstockTimeUnit::kAuto) {
    constexpr MstockTimeUnit kCandidates[] = {MstockTimeUnit::kSecondsSince1980, MstockTimeUnit::kUnixSeconds,
                                              MstockTimeUnit::kUnixMillis};
    MstockTimeUnit best = MstockTimeUnit::kAuto;
    int64_t best_skew = config_.max_skew_nanos;
    for (MstockTimeUnit u : kCandidates) {
      auto t = timestamp_in_unit(raw, u);
      if (!t) continue;
      int64_t skew = abs_diff(*t, receive_time);
      if (skew <= best_skew) {
        best = u;
        best_skew = skew;
      }
    }
    if (best == MstockTimeUnit::kAuto) {
      return reject(R::kBadTimestamp, "exchange timestamp " + std::to_string(raw) +
                                          " is not within max_skew of the receive time " +
                                          receive_time.to_iso_utc() +
                                          " as seconds since 1980, Unix seconds or Unix milliseconds");
    }
    unit_ = best;
  }
  auto t = timestamp_in_unit(raw, unit_);
  if (!t || abs_diff(*t, receive_time) > config_.max_skew_nanos) {
    return reject(R::kBadTimestamp, "exchange timestamp " + std::to_string(raw) + " read as " +
                                        std::string(time_unit_name(unit_)) +
                                        " is not within max_skew of the receive time " + receive_time.to_iso_utc());
  }
  return *t;
}

core::Result<model::Tick> MstockParser::make_tick(const MstockPacket& p, core::Timestamp receive_time,
                                                  MstockRejectReason& reason) {
  // Built only on a rejection: the hot path does not allocate.
  auto where = [&p] { return "token " + std::string(p.token_view()); };
  if (p.exchange_type != static_cast<uint8_t>(MstockExchangeType::kNseCm)) {
    reason = R::kUnsupportedExchange;
    return reject(reason, where() + ": exchange type " + std::to_string(p.exchange_type) + " (only 1 = NSECM)");
  }
  const model::Instrument* ins = symbols_->find(p.exchange_type, p.token_view());
  if (ins == nullptr) {
    reason = R::kUnknownInstrument;
    return reject(reason, where() + " is not in the universe");
  }
  bool snap = p.mode == MstockMode::kSnap;
  auto price_ok = [](int64_t paise) { return paise >= 0 && paise <= model::kMaxPricePaise; };
  if (p.sequence < 0 || !price_ok(p.last_price) || !valid_quantity(p.volume) || !valid_quantity(p.last_quantity) ||
      (snap && (!price_ok(p.bids[0].price) || !price_ok(p.asks[0].price)))) {
    reason = R::kBadPacket;
    return reject(reason, where() + ": negative sequence, price or quantity out of range");
  }
  auto when = exchange_time(p.exchange_timestamp, receive_time);
  if (!when.is_ok()) {
    reason = R::kBadTimestamp;
    return core::error(when.status().code(), where() + ": " + when.status().message());
  }
  model::Tick t;
  t.token = ins->nse_token;
  t.symbol = ins->symbol;
  t.exchange = model::Exchange::kNse;
  t.last_price = model::Price::from_paise(p.last_price);
  t.cumulative_volume = p.volume;
  t.last_quantity = p.last_quantity;
  if (snap) {
    t.bid = model::Price::from_paise(p.bids[0].price);
    t.ask = model::Price::from_paise(p.asks[0].price);
  }
  t.exchange_time = *when;
  t.receive_time = receive_time;
  t.sequence = static_cast<uint64_t>(p.sequence);
  return t;
}

core::Result<model::Tick> MstockParser::to_tick(const MstockPacket& packet, core::Timestamp receive_time) {
  MstockRejectReason reason = R::kBadPacket;
  return make_tick(packet, receive_time, reason);
}

MstockFrameResult MstockParser::on_frame(std::span<const uint8_t> frame, core::Timestamp receive_time,
                                         std::vector<model::Tick>& out) {
  MstockFrameResult result;
  auto fail = [&](core::Status st, MstockRejectReason reason) {
    rejects_.add(reason);
    ++result.rejected;
    if (result.first_error.is_ok()) result.first_error = std::move(st);
  };
  core::Status split = split_frame(frame, [&](std::span<const uint8_t> bytes) {
    auto packet = decode_packet(bytes);
    if (!packet.is_ok()) {
      fail(packet.status(), R::kBadPacket);
      return;
    }
    MstockRejectReason reason = R::kBadPacket;
    auto tick = make_tick(*packet, receive_time, reason);
    if (!tick.is_ok()) {
      fail(tick.status(), reason);
      return;
    }
    out.push_back(*tick);
    ++result.ticks;
  });
  if (!split.is_ok()) fail(std::move(split), R::kBadFrame);
  return result;
}

}  // namespace nifty::feed::mstock
