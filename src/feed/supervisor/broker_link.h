// BrokerLink: one supervised connection to one broker. It connects, logs in, subscribes the kept
// instrument list, sends heartbeats, and when anything goes wrong it reconnects by itself:
//
// - a dropped connection or a refused upgrade -> exponential backoff with jitter, then reconnect and
//   resubscribe (the broker keeps no subscriptions across connections);
// - a silent socket -> the stale watchdog: subscribed, inside an NSE session (by the calendar) and no
//   tick for stale_after -> close and reconnect (counted as a stale event);
// - an authentication failure (HTTP 401/403 on the upgrade, a broker's login rejection, no valid
//   token) -> no retry at all: the link stops in kAuthFailed with a message saying which login to
//   run, because retry storms against a broker from a registered static IP do harm;
// - max_attempts consecutive failed attempts -> kGaveUp (0 = keep trying).
//
// A link is active (subscribed) or on standby. A standby link is closed — or, when the session asks
// for it (Flattrade), kept connected with its instruments unsubscribed. LiveFeed (live_feed.h)
// decides which links are active.
//
// Metrics (vendor label = the session's vendor): websocket_packets_total{symbol,vendor} (ticks per
// instrument), feed_frames_total, feed_reconnects_total, feed_stale_total, feed_parse_errors_total,
// feed_auth_failures_total, feed_connected (gauge 0/1), feed_tick_delay_seconds (histogram of
// receive time minus exchange time).
//
// Threading: the link runs a thread of its own (start/stop); frames are decoded on the connection's
// thread and handed to the LinkTickSink there. set_active(), snapshot() and stop() may be called from
// any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/nse_calendar.h"
#include "core/status.h"
#include "feed/supervisor/broker_session.h"
#include "feed/supervisor/ws_transport.h"
#include "model/instrument.h"
#include "model/tick.h"
#include "net/backoff.h"

namespace nifty::feed {

enum class LinkState : uint8_t {
  kIdle,        // standby and not connected
  kConnecting,  // socket and upgrade under way
  kLoggingIn,   // open, waiting for the broker's login answer
  kUp,          // open and logged in (subscribed when active)
  kBackoff,     // waiting before the next attempt
  kAuthFailed,  // credentials refused: stopped, no retries (terminal)
  kGaveUp,      // max_attempts consecutive failures (terminal)
  kStopped,     // stop() was called
};
std::string_view link_state_name(LinkState state);

struct LinkConfig {
  std::chrono::milliseconds connect_timeout{10'000};  // until the socket is open
  std::chrono::milliseconds login_timeout{10'000};    // until the broker answers the login
  std::chrono::milliseconds backoff_initial{1'000};
  std::chrono::milliseconds backoff_max{60'000};
  int max_attempts = 0;                              // consecutive failed attempts; 0 = unlimited
  std::chrono::milliseconds stale_after{30'000};      // no tick while subscribed and in session
  bool stale_only_in_session = true;                  // false: also outside NSE hours (tests, 24h markets)
  uint64_t jitter_seed = 0;                           // 0: random
};

// Where a link's ticks go (LiveFeed). Called on the connection's thread.
class LinkTickSink {
 public:
  virtual ~LinkTickSink() = default;
  virtual void on_link_ticks(size_t link_index, std::span<const model::Tick> ticks) = 0;
  // The link's state changed (connected, lost, ...): a hint to re-evaluate failover.
  virtual void on_link_changed(size_t link_index) = 0;
};

class BrokerLink final : private WsHandler {
 public:
  struct Snapshot {
    LinkState state = LinkState::kIdle;
    bool active = false;
    bool subscribed = false;
    uint64_t connects = 0;      // connections that opened
    uint64_t reconnects = 0;    // attempts after the first
    uint64_t stale_events = 0;
    uint64_t frames = 0;
    uint64_t ticks = 0;
    uint64_t parse_errors = 0;
    core::Status last_error;    // why the last connection ended or failed
    // steady_clock times; epoch (zero) when never.
    std::chrono::steady_clock::time_point subscribed_since{};
    std::chrono::steady_clock::time_point last_tick{};
  };

  BrokerLink(size_t index, BrokerSession& session, WsConnector& connector, std::vector<model::Instrument> instruments,
             LinkConfig config, LinkTickSink& sink, const core::Clock& clock, const core::NseCalendar& calendar);
  ~BrokerLink() override;
  BrokerLink(const BrokerLink&) = delete;
  BrokerLink& operator=(const BrokerLink&) = delete;

  void start();
  // Closes the connection and joins the thread. Idempotent.
  void stop();
  void set_active(bool active);
  Snapshot snapshot() const;
  std::string_view vendor() const { return session_.vendor(); }
  bool terminal() const;  // kAuthFailed or kGaveUp

 private:
  struct ConnectionEnd {
    core::Status status;
    bool was_up = false;   // logged in at some point: the next attempt starts the backoff afresh
    bool standby = false;  // closed because the link went to standby: no failure
  };

  void run();
  ConnectionEnd run_connection();
  void set_state(LinkState state);
  void send_all(WsConnection& conn, const std::vector<std::string>& messages);
  bool in_session_now() const;

  // WsHandler (the connection's thread).
  void on_open() override;
  void on_message(std::string_view payload, bool binary, core::Timestamp received) override;
  void on_close(const WsCloseInfo& info) override;

  const size_t index_;
  BrokerSession& session_;
  WsConnector& connector_;
  const std::vector<model::Instrument> instruments_;
  const LinkConfig config_;
  LinkTickSink& sink_;
  const core::Clock& clock_;
  const core::NseCalendar& calendar_;

  // Everything below mu_ is shared between the link thread, the connection thread and callers.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool active_ = false;
  Snapshot snap_;
  // Per connection (reset before each).
  bool opened_ = false;
  bool closed_ = false;
  bool logged_in_ = false;
  core::Status auth_rejection_;
  WsCloseInfo close_info_;

  // Reconnect delays (link thread only).
  net::Backoff backoff_;

  // Connection thread only.
  std::vector<model::Tick> tick_buffer_;
  std::atomic<int64_t> last_tick_steady_ns_{0};

  // Metrics.
  std::unordered_map<model::Symbol, core::Counter*> packets_by_symbol_;
  core::Counter& frames_metric_;
  core::Counter& reconnects_metric_;
  core::Counter& stale_metric_;
  core::Counter& parse_errors_metric_;
  core::Counter& auth_failures_metric_;
  core::Gauge& connected_metric_;
  core::Histogram& tick_delay_metric_;

  std::thread thread_;
};

}  // namespace nifty::feed
