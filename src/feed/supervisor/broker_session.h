// BrokerSession: what the supervisor (BrokerLink) needs to know about one broker's streaming
// protocol — where to connect, what to send after the socket opens, how to subscribe, keep alive
// and read frames. One implementation per broker (kite/kite_session.h, flattrade/noren_session.h,
// mstock/mstock_session.h); the supervisor itself has no broker knowledge.
//
// Threading: a session belongs to one BrokerLink. on_frame() runs on the connection's thread, every
// other method on the link's thread, never at the same time as on_frame() for the same connection
// (the link starts a connection only after the previous one is destroyed).
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/timestamp.h"
#include "feed/supervisor/ws_transport.h"
#include "model/instrument.h"
#include "model/tick.h"

namespace nifty::feed {

// What a received frame meant for the session, beside the ticks it carried.
enum class SessionEvent : uint8_t {
  kNone,          // market data, heartbeat, acks of subscriptions, order updates
  kLoggedIn,      // the broker accepted the login sent after the socket opened (Noren ak/ck OK, mStock reply)
  kAuthRejected,  // the broker refused the token: stop retrying (status says what to do)
  kError,         // a frame was rejected or the broker reported an error; counted, the session goes on
};

struct FrameOutcome {
  SessionEvent event = SessionEvent::kNone;
  core::Status status;  // for kAuthRejected and kError
};

class BrokerSession {
 public:
  virtual ~BrokerSession() = default;

  // "kite", "flattrade", "mstock": the vendor label of metrics and logs.
  virtual std::string_view vendor() const = 0;
  // The WebSocket endpoint with the current credentials. kUnauthenticated when no valid token is
  // known (missing or expired): the link then stops without connecting and says what to run.
  virtual core::Result<WsEndpoint> endpoint() = 0;
  // Called before each new connection: drop state kept from the previous one (merged snapshots).
  virtual void on_connection_start() = 0;
  // Text frames to send as soon as the socket opens (Noren connect, mStock LOGIN:<jwt>).
  virtual std::vector<std::string> login_messages() = 0;
  // True when subscriptions must wait for a kLoggedIn event after login_messages().
  virtual bool waits_for_login() const = 0;
  // Text frames subscribing / unsubscribing the instruments (in the mode the feed needs).
  virtual std::vector<std::string> subscribe_messages(std::span<const model::Instrument> instruments) = 0;
  virtual std::vector<std::string> unsubscribe_messages(std::span<const model::Instrument> instruments) = 0;
  // An application heartbeat to send every heartbeat_interval() (Noren {"t":"h"}); nullopt when
  // WebSocket pings are enough.
  virtual std::optional<std::string> heartbeat_message() const = 0;
  virtual std::chrono::milliseconds heartbeat_interval() const { return std::chrono::seconds(30); }
  // True when going to standby should unsubscribe and keep the socket rather than close it
  // (Flattrade refuses a quick reconnect with the same token after a clean close).
  virtual bool unsubscribe_on_standby() const = 0;
  // Decodes one frame, appending its ticks (exchange and receive time set) to `ticks`.
  virtual FrameOutcome on_frame(std::string_view payload, bool binary, core::Timestamp received,
                                std::vector<model::Tick>& ticks) = 0;
  // What a closed or refused connection means: kUnauthenticated (401/403: stop retrying and say
  // which login to run), kResourceExhausted (429: too many connections), else a retryable status.
  virtual core::Status close_status(const WsCloseInfo& info) = 0;
};

}  // namespace nifty::feed
