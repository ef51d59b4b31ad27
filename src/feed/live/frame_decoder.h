// FrameDecoder: one interface that turns a received WebSocket frame (text or binary, with its
// receive time) into model::Ticks and a few events, whatever the broker. The live sessions and the
// recording replay (feed/recording) both decode through it, so a recorded session parses exactly as
// it did live. Implementations wrap the existing parsers: kite (kite_parse.h), flattrade (Noren;
// keeps the merged tk/tf and dk/df state per token) and mstock (Type B; batch frames, time unit).
//
// A rejected frame is a Status (kParseError naming vendor, reason and byte/field) and is counted
// per reason (counts(); metric feed_frames_rejected_total{vendor,reason}). Packets dropped inside an
// otherwise good frame (an unknown token, a bad mStock packet) are counted the same way and reported
// in DecodeResult::rejected; the frame's good ticks are still appended.
//
// Not thread-safe: one decoder per connection, used by that connection's thread. Hot path: ticks
// are appended to a caller-owned vector and events to another; with their capacity reused, decoding
// a market-data frame allocates nothing (events carry strings, but only text frames produce them).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/metrics.h"
#include "core/status.h"
#include "core/timestamp.h"
#include "feed/mstock/mstock_parse.h"
#include "model/instrument.h"
#include "model/tick.h"

namespace nifty::feed::live {

// How a frame arrived: a WebSocket text or binary message.
enum class FrameKind : uint8_t { kText, kBinary };

// What a non-tick frame said. Market data never becomes an event.
enum class FrameEventKind : uint8_t {
  kConnectAck,       // Noren "ck"/"ak" with s == OK
  kConnectRejected,  // Noren "ck"/"ak" refused; text = the server's reason (close and log in again)
  kOrderUpdate,      // Kite "order", Noren "om"/"ok", mStock order_status "order"; text = the JSON
  kTradeUpdate,      // mStock order_status "trade"; text = the JSON
  kServerError,      // Kite/mStock {"type":"error"}; text = the error text
  kMessage,          // Kite "message" (broker alerts); text = data
  kOther,            // anything else (Kite instruments_meta/app_code, mStock login reply); text = frame
};
std::string_view frame_event_kind_name(FrameEventKind kind);  // "connect_ack", ...

struct FrameEvent {
  FrameEventKind kind = FrameEventKind::kOther;
  std::string text;
};

struct DecodeResult {
  size_t ticks = 0;        // ticks appended
  size_t rejected = 0;     // packets/messages of this frame that were dropped (counted by reason)
  bool heartbeat = false;  // a Kite 1-byte frame or a Noren {"t":"h"}: the link is alive, nothing else
};

// Rejections per reason. Reasons are the parsers' own labels ("bad_frame", "unknown_instrument",
// "partial_before_full", ...), plus "unexpected_frame_kind" (e.g. a binary frame from Noren).
class RejectTally {
 public:
  static constexpr size_t kMaxReasons = 16;
  explicit RejectTally(std::string vendor) : vendor_(std::move(vendor)) {}
  // `reason` must be a string with static storage (the parsers' reason names are).
  void add(std::string_view reason, uint64_t n = 1);
  uint64_t count(std::string_view reason) const;
  uint64_t total() const;

 private:
  struct Entry {
    std::string_view reason;
    uint64_t count = 0;
    core::Counter* counter = nullptr;
  };
  std::string vendor_;
  std::array<Entry, kMaxReasons> entries_{};
  size_t size_ = 0;
};

class FrameDecoder {
 public:
  virtual ~FrameDecoder() = default;

  // "kite" | "flattrade" | "mstock".
  virtual std::string_view vendor() const = 0;

  // Decodes one whole frame received at `receive_time`: appends its ticks to `ticks` and its events
  // (order updates, acks, server errors) to `events`. On error the frame was rejected and counted:
  // nothing was appended to either vector, and the decoder's state is as it was.
  virtual core::Result<DecodeResult> decode(FrameKind kind, std::span<const uint8_t> bytes,
                                            core::Timestamp receive_time, std::vector<model::Tick>& ticks,
                                            std::vector<FrameEvent>& events) = 0;

  // Forgets per-connection state (Noren's merged quotes); call when a new connection opens.
  virtual void reset() {}

  const RejectTally& rejects() const { return rejects_; }

 protected:
  explicit FrameDecoder(std::string vendor) : rejects_(std::move(vendor)) {}
  RejectTally rejects_;
};

struct DecoderOptions {
  // mStock exchange-timestamp unit (UNCONFIRMED upstream; auto-detected by default).
  mstock::MstockTimeConfig mstock_time;
};

// The vendor names make_frame_decoder accepts.
inline constexpr std::array<std::string_view, 3> kDecoderVendors = {"kite", "flattrade", "mstock"};

// A decoder for `vendor` ("kite", "flattrade" or "mstock") over the instruments of `universe` (copied:
// the decoder owns its symbol maps). kInvalidArgument for an unknown vendor (naming the known ones)
// or a universe the vendor's symbol map refuses (e.g. a Kite token used twice).
core::Result<std::unique_ptr<FrameDecoder>> make_frame_decoder(std::string_view vendor,
                                                               const model::Universe& universe,
                                                               const DecoderOptions& options = {});

}  // namespace nifty::feed::live
