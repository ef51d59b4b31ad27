#include "feed/live/frame_decoder.h"

#include <string>
#include <utility>

#include "feed/flattrade/noren_errors.h"
#include "feed/flattrade/noren_parse.h"
#include "feed/flattrade/noren_symbols.h"
#include "feed/kite/kite_parse.h"
#include "feed/kite/kite_symbols.h"
#include "feed/mstock/mstock_errors.h"
#include "feed/mstock/mstock_messages.h"
#include "feed/mstock/mstock_symbols.h"

namespace nifty::feed::live {

namespace {

using core::ErrorCode;
using core::Result;
using core::Status;
using core::Timestamp;

constexpr std::string_view kUnexpectedKind = "unexpected_frame_kind";

std::string_view text_of(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// --- Kite -------------------------------------------------------------------------------------

class KiteDecoder final : public FrameDecoder {
 public:
  explicit KiteDecoder(kite::Symbols symbols) : FrameDecoder("kite"), symbols_(std::move(symbols)) {}
  std::string_view vendor() const override { return "kite"; }

  Result<DecodeResult> decode(FrameKind kind, std::span<const uint8_t> bytes, Timestamp receive_time,
                              std::vector<model::Tick>& ticks, std::vector<FrameEvent>& events) override {
    DecodeResult out;
    if (kind == FrameKind::kText) {
      auto ev = kite::parse_text(text_of(bytes));
      if (!ev.is_ok()) {
        rejects_.add("bad_text");
        return ev.status();
      }
      FrameEvent event;
      switch (ev->kind) {
        case kite::TextKind::kError: event.kind = FrameEventKind::kServerError; break;
        case kite::TextKind::kOrder: event.kind = FrameEventKind::kOrderUpdate; break;
        case kite::TextKind::kMessage: event.kind = FrameEventKind::kMessage; break;
        case kite::TextKind::kOther: event.kind = FrameEventKind::kOther; break;
      }
      event.text = event.kind == FrameEventKind::kOther ? std::string(text_of(bytes)) : std::move(ev->text);
      events.push_back(std::move(event));
      return out;
    }
    auto parsed = kite::parse_frame(bytes, receive_time, symbols_, ticks);
    if (!parsed.is_ok()) {
      rejects_.add("bad_frame");
      return parsed.status();
    }
    out.heartbeat = parsed->heartbeat;
    out.ticks = parsed->ticks;
    if (parsed->skipped > 0) rejects_.add("unknown_packet_length", parsed->skipped);
    if (parsed->unknown_tokens > 0) rejects_.add("unknown_instrument", parsed->unknown_tokens);
    out.rejected = parsed->skipped + parsed->unknown_tokens;
    if (out.ticks == 0 && out.rejected > 0) {
      return core::error(ErrorCode::kParseError,
                         "kite frame: no usable packet (" + std::to_string(parsed->skipped) +
                             " of an unknown length, " + std::to_string(parsed->unknown_tokens) +
                             " with a token not in the universe)");
    }
    return out;
  }

 private:
  kite::Symbols symbols_;
};

// --- Flattrade (Noren) ----------------------------------------------------------------------------

class NorenDecoder final : public FrameDecoder {
 public:
  explicit NorenDecoder(const model::Universe& universe)
      : FrameDecoder("flattrade"), universe_(universe), symbols_(universe_), state_(symbols_) {}
  std::string_view vendor() const override { return "flattrade"; }

  Result<DecodeResult> decode(FrameKind kind, std::span<const uint8_t> bytes, Timestamp receive_time,
                              std::vector<model::Tick>& ticks, std::vector<FrameEvent>& events) override {
    DecodeResult out;
    if (kind != FrameKind::kText) {
      rejects_.add(kUnexpectedKind);
      return core::error(ErrorCode::kParseError, "flattrade: unexpected binary frame of " +
                                                     std::to_string(bytes.size()) + " bytes (Noren sends JSON text)");
    }
    flattrade::NorenRejectCounts before = state_.rejects();
    auto ev = state_.on_message(text_of(bytes), receive_time);
    if (!ev.is_ok()) {
      for (size_t r = 0; r < flattrade::kNorenRejectReasonCount; ++r) {
        auto reason = static_cast<flattrade::NorenRejectReason>(r);
        uint64_t added = state_.rejects().count(reason) - before.count(reason);
        if (added > 0) rejects_.add(flattrade::reject_reason_name(reason), added);
      }
      if (state_.rejects().total() == before.total()) rejects_.add("bad_message");
      return ev.status();
    }
    switch (ev->type) {
      case flattrade::NorenMessageType::kConnectAck:
        events.push_back({ev->connect_ok ? FrameEventKind::kConnectAck : FrameEventKind::kConnectRejected,
                          std::move(ev->detail)});
        break;
      case flattrade::NorenMessageType::kHeartbeat: out.heartbeat = true; break;
      case flattrade::NorenMessageType::kOrderUpdate:
        events.push_back({FrameEventKind::kOrderUpdate, std::string(text_of(bytes))});
        break;
      default: break;
    }
    if (ev->has_tick) {
      ticks.push_back(ev->tick);
      out.ticks = 1;
    }
    return out;
  }

  void reset() override { state_.clear(); }

 private:
  model::Universe universe_;
  flattrade::NorenSymbols symbols_;
  flattrade::NorenState state_;
};

// --- mStock Type B -------------------------------------------------------------------------------

class MstockDecoder final : public FrameDecoder {
 public:
  MstockDecoder(const model::Universe& universe, mstock::MstockTimeConfig time)
      : FrameDecoder("mstock"), universe_(universe), symbols_(universe_), parser_(symbols_, time) {}
  std::string_view vendor() const override { return "mstock"; }

  Result<DecodeResult> decode(FrameKind kind, std::span<const uint8_t> bytes, Timestamp receive_time,
                              std::vector<model::Tick>& ticks, std::vector<FrameEvent>& events) override {
    DecodeResult out;
    if (kind == FrameKind::kText) {
      mstock::MstockText text = mstock::parse_text(text_of(bytes));
      FrameEventKind k = FrameEventKind::kOther;
      switch (text.type) {
        case mstock::MstockTextType::kOrderUpdate: k = FrameEventKind::kOrderUpdate; break;
        case mstock::MstockTextType::kTradeUpdate: k = FrameEventKind::kTradeUpdate; break;
        case mstock::MstockTextType::kError: k = FrameEventKind::kServerError; break;
        case mstock::MstockTextType::kOther: k = FrameEventKind::kOther; break;
      }
      events.push_back({k, std::move(text.data)});
      return out;
    }
    mstock::MstockRejectCounts before = parser_.rejects();
    size_t size_before = ticks.size();
    mstock::MstockFrameResult r = parser_.on_frame(bytes, receive_time, ticks);
    for (size_t i = 0; i < mstock::kMstockRejectReasonCount; ++i) {
      auto reason = static_cast<mstock::MstockRejectReason>(i);
      uint64_t added = parser_.rejects().count(reason) - before.count(reason);
      if (added > 0) rejects_.add(mstock::reject_reason_name(reason), added);
    }
    out.ticks = r.ticks;
    out.rejected = r.rejected;
    if (r.ticks == 0 && r.rejected > 0) {
      ticks.resize(size_before);
      return r.first_error.is_ok() ? core::error(ErrorCode::kParseError, "mstock frame: no usable packet")
                                   : r.first_error;
    }
    return out;
  }

 private:
  model::Universe universe_;
  mstock::MstockSymbols symbols_;
  mstock::MstockParser parser_;
};

}  // namespace

std::string_view frame_event_kind_name(FrameEventKind kind) {
  switch (kind) {
    case FrameEventKind::kConnectAck: return "connect_ack";
    case FrameEventKind::kConnectRejected: return "connect_rejected";
    case FrameEventKind::kOrderUpdate: return "order_update";
    case FrameEventKind::kTradeUpdate: return "trade_update";
    case FrameEventKind::kServerError: return "server_error";
    case FrameEventKind::kMessage: return "message";
    case FrameEventKind::kOther: return "other";
  }
  return "other";
}

void RejectTally::add(std::string_view reason, uint64_t n) {
  for (size_t i = 0; i < size_; ++i) {
    if (entries_[i].reason == reason) {
      entries_[i].count += n;
      entries_[i].counter->inc(static_cast<double>(n));
      return;
    }
  }
  // More distinct reasons than slots would be a bug in this file (the parsers have < 10 each).
  NIFTY_CHECK(size_ < kMaxReasons, "RejectTally: too many distinct reasons");
  Entry& e = entries_[size_++];
  e.reason = reason;
  e.count = n;
  e.counter = &core::MetricsRegistry::global().counter(
      "feed_frames_rejected_total", "Frames or packets a broker decoder rejected, by vendor and reason",
      {{"vendor", vendor_}, {"reason", std::string(reason)}});
  e.counter->inc(static_cast<double>(n));
}

uint64_t RejectTally::count(std::string_view reason) const {
  for (size_t i = 0; i < size_; ++i)
    if (entries_[i].reason == reason) return entries_[i].count;
  return 0;
}

uint64_t RejectTally::total() const {
  uint64_t sum = 0;
  for (size_t i = 0; i < size_; ++i) sum += entries_[i].count;
  return sum;
}

Result<std::unique_ptr<FrameDecoder>> make_frame_decoder(std::string_view vendor, const model::Universe& universe,
                                                         const DecoderOptions& options) {
  if (universe.size() == 0) {
    return core::error(ErrorCode::kInvalidArgument, "frame decoder for " + std::string(vendor) + ": empty universe");
  }
  if (vendor == "kite") {
    auto symbols = kite::Symbols::create(universe);
    if (!symbols.is_ok()) return symbols.status();
    return std::unique_ptr<FrameDecoder>(new KiteDecoder(std::move(symbols).value()));
  }
  if (vendor == "flattrade") return std::unique_ptr<FrameDecoder>(new NorenDecoder(universe));
  if (vendor == "mstock") return std::unique_ptr<FrameDecoder>(new MstockDecoder(universe, options.mstock_time));
  return core::error(ErrorCode::kInvalidArgument,
                     "frame decoder: unknown vendor \"" + std::string(vendor) + "\" (known: kite, flattrade, mstock)");
}

}  // namespace nifty::feed::live
