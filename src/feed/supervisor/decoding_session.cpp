#include "feed/supervisor/decoding_session.h"

#include "core/log.h"

namespace nifty::feed {
namespace {

core::Logger& log() { return core::Logger::get("feed"); }

// Which outcome wins when one frame carries several events.
int weight(SessionEvent e) {
  switch (e) {
    case SessionEvent::kNone: return 0;
    case SessionEvent::kError: return 1;
    case SessionEvent::kLoggedIn: return 2;
    case SessionEvent::kAuthRejected: return 3;
  }
  return 0;
}

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

}  // namespace

std::string with_query(std::string base, const std::vector<std::pair<std::string, std::string>>& params) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  bool has_query = base.find('?') != std::string::npos;
  for (const auto& [key, value] : params) {
    base += has_query ? '&' : '?';
    has_query = true;
    for (std::string_view part : {std::string_view(key), std::string_view("="), std::string_view(value)}) {
      if (part == "=") {
        base += '=';
        continue;
      }
      for (unsigned char c : part) {
        if (unreserved(c)) {
          base += static_cast<char>(c);
        } else {
          base += '%';
          base += kHex[c >> 4];
          base += kHex[c & 0xf];
        }
      }
    }
  }
  return base;
}

DecodingSession::DecodingSession(std::unique_ptr<live::FrameDecoder> decoder) : decoder_(std::move(decoder)) {
  events_.reserve(8);
}

void DecodingSession::on_connection_start() {
  decoder_->reset();
  logged_in_ = false;
}

FrameOutcome DecodingSession::on_frame(std::string_view payload, bool binary, core::Timestamp received,
                                       std::vector<model::Tick>& ticks) {
  events_.clear();
  auto bytes = std::span(reinterpret_cast<const uint8_t*>(payload.data()), payload.size());
  auto decoded = decoder_->decode(binary ? live::FrameKind::kBinary : live::FrameKind::kText, bytes, received,
                                  ticks, events_);
  if (!decoded) return {SessionEvent::kError, decoded.status()};
  FrameOutcome out;
  for (const live::FrameEvent& event : events_) {
    if (event.kind == live::FrameEventKind::kOrderUpdate || event.kind == live::FrameEventKind::kTradeUpdate ||
        event.kind == live::FrameEventKind::kMessage) {
      // Order and trade updates and broker notices: logged for the user (no order handling here).
      log().info("broker event", {{"vendor", vendor()},
                                  {"kind", live::frame_event_kind_name(event.kind)},
                                  {"text", event.text}});
    }
    FrameOutcome o = on_event(event);
    if (weight(o.event) > weight(out.event)) out = std::move(o);
  }
  if (out.event == SessionEvent::kLoggedIn) logged_in_ = true;
  return out;
}

}  // namespace nifty::feed
