#include "feed/supervisor/broker_link.h"

#include <algorithm>
#include <utility>

#include "core/log.h"

namespace nifty::feed {
namespace {

using Clock = std::chrono::steady_clock;
using core::ErrorCode;

core::Logger& log() { return core::Logger::get("feed"); }

int64_t steady_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(); }

core::MetricLabels vendor_label(std::string_view vendor) { return {{"vendor", std::string(vendor)}}; }

// Exponential backoff with full jitter (net::Backoff); a bad config falls back to the defaults.
net::Backoff make_backoff(const LinkConfig& config) {
  net::BackoffOptions options;
  options.initial = config.backoff_initial;
  options.cap = std::max(config.backoff_max, config.backoff_initial);
  uint64_t seed = config.jitter_seed != 0 ? config.jitter_seed : static_cast<uint64_t>(steady_ns());
  auto backoff = net::Backoff::create(options, seed);
  if (backoff) return std::move(backoff).value();
  log().error("invalid reconnect backoff; using the defaults", {{"error", backoff.status().to_string()}});
  return net::Backoff::create(net::BackoffOptions{}, seed).value();
}

}  // namespace

std::string_view link_state_name(LinkState state) {
  switch (state) {
    case LinkState::kIdle: return "idle";
    case LinkState::kConnecting: return "connecting";
    case LinkState::kLoggingIn: return "logging_in";
    case LinkState::kUp: return "up";
    case LinkState::kBackoff: return "backoff";
    case LinkState::kAuthFailed: return "auth_failed";
    case LinkState::kGaveUp: return "gave_up";
    case LinkState::kStopped: return "stopped";
  }
  return "unknown";
}

BrokerLink::BrokerLink(size_t index, BrokerSession& session, WsConnector& connector,
                       std::vector<model::Instrument> instruments, LinkConfig config, LinkTickSink& sink,
                       const core::Clock& clock, const core::NseCalendar& calendar)
    : index_(index),
      session_(session),
      connector_(connector),
      instruments_(std::move(instruments)),
      config_(config),
      sink_(sink),
      clock_(clock),
      calendar_(calendar),
      backoff_(make_backoff(config)),
      frames_metric_(core::MetricsRegistry::global().counter("feed_frames_total", "WebSocket frames received",
                                                             vendor_label(session.vendor()))),
      reconnects_metric_(core::MetricsRegistry::global().counter(
          "feed_reconnects_total", "Connection attempts after the first", vendor_label(session.vendor()))),
      stale_metric_(core::MetricsRegistry::global().counter(
          "feed_stale_total", "Connections closed by the stale-feed watchdog", vendor_label(session.vendor()))),
      parse_errors_metric_(core::MetricsRegistry::global().counter(
          "feed_parse_errors_total", "Frames rejected by the broker parser", vendor_label(session.vendor()))),
      auth_failures_metric_(core::MetricsRegistry::global().counter(
          "feed_auth_failures_total", "Credentials refused by the broker", vendor_label(session.vendor()))),
      connected_metric_(core::MetricsRegistry::global().gauge("feed_connected", "1 while the broker socket is up",
                                                              vendor_label(session.vendor()))),
      tick_delay_metric_(core::MetricsRegistry::global().histogram(
          "feed_tick_delay_seconds", "Receive time minus exchange time of each tick",
          {0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60}, vendor_label(session.vendor()))) {
  for (const model::Instrument& inst : instruments_) {
    packets_by_symbol_[inst.symbol] = &core::MetricsRegistry::global().counter(
        "websocket_packets_total", "Ticks received per instrument",
        {{"symbol", std::string(inst.symbol.view())}, {"vendor", std::string(session.vendor())}});
  }
  tick_buffer_.reserve(512);
}

BrokerLink::~BrokerLink() { stop(); }

void BrokerLink::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void BrokerLink::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BrokerLink::set_active(bool active) {
  {
    std::lock_guard lock(mu_);
    if (active_ == active) return;
    active_ = active;
    snap_.active = active;
  }
  cv_.notify_all();
}

BrokerLink::Snapshot BrokerLink::snapshot() const {
  std::lock_guard lock(mu_);
  Snapshot s = snap_;
  int64_t last = last_tick_steady_ns_.load(std::memory_order_relaxed);
  if (last != 0) s.last_tick = Clock::time_point(std::chrono::nanoseconds(last));
  return s;
}

bool BrokerLink::terminal() const {
  std::lock_guard lock(mu_);
  return snap_.state == LinkState::kAuthFailed || snap_.state == LinkState::kGaveUp;
}

void BrokerLink::set_state(LinkState state) {
  {
    std::lock_guard lock(mu_);
    if (snap_.state == state) return;
    snap_.state = state;
  }
  connected_metric_.set(state == LinkState::kUp ? 1.0 : 0.0);
  sink_.on_link_changed(index_);
}

bool BrokerLink::in_session_now() const {
  return !config_.stale_only_in_session || calendar_.in_session(clock_.now());
}

void BrokerLink::send_all(WsConnection& conn, const std::vector<std::string>& messages) {
  for (const std::string& m : messages) {
    core::Status s = conn.send_text(m);
    if (!s) log().warn("send failed", {{"vendor", session_.vendor()}, {"error", s.to_string()}});
  }
}

void BrokerLink::run() {
  int failures = 0;
  bool first_attempt = true;
  while (true) {
    {
      std::unique_lock lock(mu_);
      if (!active_ && snap_.state != LinkState::kIdle) {
        lock.unlock();
        set_state(LinkState::kIdle);
        lock.lock();
      }
      cv_.wait(lock, [&] { return stopping_ || active_; });
      if (stopping_) break;
    }
    if (!first_attempt) {
      reconnects_metric_.inc();
      std::lock_guard lock(mu_);
      ++snap_.reconnects;
    }
    first_attempt = false;

    ConnectionEnd end = run_connection();
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
      if (!end.status.is_ok()) snap_.last_error = end.status;
    }
    if (end.status.code() == ErrorCode::kUnauthenticated) {
      auth_failures_metric_.inc();
      log().error("broker refused the credentials; not retrying",
                  {{"vendor", session_.vendor()}, {"error", end.status.message()}});
      set_state(LinkState::kAuthFailed);
      return;
    }
    if (end.standby) continue;
    if (end.was_up) {
      failures = 0;
      backoff_.reset();
    } else {
      ++failures;
    }
    if (config_.max_attempts > 0 && failures >= config_.max_attempts) {
      log().error("giving up after consecutive failed attempts",
                  {{"vendor", session_.vendor()}, {"attempts", failures}, {"error", end.status.to_string()}});
      set_state(LinkState::kGaveUp);
      return;
    }
    auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(backoff_.next().value_or(config_.backoff_max));
    log().warn("broker connection lost; reconnecting",
               {{"vendor", session_.vendor()}, {"error", end.status.to_string()}, {"in_ms", delay.count()}});
    set_state(LinkState::kBackoff);
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, delay, [&] { return stopping_ || !active_; });
    if (stopping_) break;
  }
  set_state(LinkState::kStopped);
}

BrokerLink::ConnectionEnd BrokerLink::run_connection() {
  ConnectionEnd end;
  auto endpoint = session_.endpoint();
  if (!endpoint) {
    end.status = endpoint.status();
    return end;
  }
  session_.on_connection_start();
  {
    std::lock_guard lock(mu_);
    opened_ = closed_ = logged_in_ = false;
    auth_rejection_ = core::Status::ok();
    close_info_ = {};
    snap_.subscribed = false;
  }
  set_state(LinkState::kConnecting);
  auto connected = connector_.connect(endpoint.value(), *this);
  if (!connected) {
    end.status = connected.status();
    return end;
  }
  std::unique_ptr<WsConnection> conn = std::move(connected).value();
  // Destroys the connection outside the lock (its thread may be inside a callback wanting mu_).
  auto finish = [&](core::Status status) {
    conn.reset();
    {
      std::lock_guard lock(mu_);
      snap_.subscribed = false;
    }
    end.status = std::move(status);
    return end;
  };
  auto closed_status = [&]() {  // mu_ held
    core::Status s = session_.close_status(close_info_);
    return s.is_ok() ? core::error(ErrorCode::kUnavailable, "connection closed") : s;
  };

  {
    std::unique_lock lock(mu_);
    bool ready = cv_.wait_for(lock, config_.connect_timeout, [&] { return stopping_ || opened_ || closed_; });
    if (stopping_) {
      lock.unlock();
      return finish(core::error(ErrorCode::kCancelled, "stopping"));
    }
    if (!ready) {
      lock.unlock();
      return finish(core::error(ErrorCode::kTimeout, "connect timed out after " +
                                                         std::to_string(config_.connect_timeout.count()) + " ms"));
    }
    if (!opened_) {
      core::Status s = closed_status();
      lock.unlock();
      return finish(std::move(s));
    }
    ++snap_.connects;
  }

  send_all(*conn, session_.login_messages());
  if (session_.waits_for_login()) {
    set_state(LinkState::kLoggingIn);
    std::unique_lock lock(mu_);
    bool answered = cv_.wait_for(lock, config_.login_timeout,
                                 [&] { return stopping_ || logged_in_ || closed_ || !auth_rejection_.is_ok(); });
    if (stopping_) {
      lock.unlock();
      return finish(core::error(ErrorCode::kCancelled, "stopping"));
    }
    if (!auth_rejection_.is_ok()) {
      core::Status s = auth_rejection_;
      lock.unlock();
      return finish(std::move(s));
    }
    if (closed_) {
      core::Status s = closed_status();
      lock.unlock();
      return finish(std::move(s));
    }
    if (!answered) {
      lock.unlock();
      return finish(core::error(ErrorCode::kTimeout, "no answer to the login after " +
                                                         std::to_string(config_.login_timeout.count()) + " ms"));
    }
  }
  set_state(LinkState::kUp);
  end.was_up = true;

  const auto heartbeat = session_.heartbeat_message();
  const auto heartbeat_every = session_.heartbeat_interval();
  auto next_heartbeat = Clock::now() + heartbeat_every;
  bool subscribed = false;
  Clock::time_point subscribed_at{};
  while (true) {
    std::vector<std::string> to_send;
    core::Status ended;
    bool go_standby = false;
    {
      std::unique_lock lock(mu_);
      auto wake = Clock::now() + std::chrono::milliseconds(200);
      if (heartbeat) wake = std::min(wake, next_heartbeat);
      cv_.wait_until(lock, wake, [&] {
        return stopping_ || closed_ || !auth_rejection_.is_ok() || active_ != subscribed;
      });
      if (stopping_) {
        ended = core::error(ErrorCode::kCancelled, "stopping");
      } else if (!auth_rejection_.is_ok()) {
        ended = auth_rejection_;
      } else if (closed_) {
        ended = closed_status();
      } else if (active_ && !subscribed) {
        to_send = session_.subscribe_messages(instruments_);
        subscribed = true;
        subscribed_at = Clock::now();
        snap_.subscribed = true;
        snap_.subscribed_since = subscribed_at;
      } else if (!active_ && subscribed) {
        if (session_.unsubscribe_on_standby()) {
          to_send = session_.unsubscribe_messages(instruments_);
          subscribed = false;
          snap_.subscribed = false;
        } else {
          go_standby = true;
        }
      } else if (!active_ && !subscribed && !session_.unsubscribe_on_standby()) {
        go_standby = true;
      }
    }
    if (!ended.is_ok()) return finish(std::move(ended));
    if (go_standby) {
      end.standby = true;
      return finish(core::Status::ok());
    }
    if (!to_send.empty()) {
      send_all(*conn, to_send);
      sink_.on_link_changed(index_);
    }
    auto now = Clock::now();
    if (heartbeat && now >= next_heartbeat) {
      (void)conn->send_text(*heartbeat);
      next_heartbeat = now + heartbeat_every;
    }
    if (subscribed && in_session_now()) {
      int64_t last_ns = last_tick_steady_ns_.load(std::memory_order_relaxed);
      Clock::time_point last_tick = Clock::time_point(std::chrono::nanoseconds(last_ns));
      Clock::time_point quiet_since = std::max(last_tick, subscribed_at);
      if (now - quiet_since >= config_.stale_after) {
        stale_metric_.inc();
        {
          std::lock_guard lock(mu_);
          ++snap_.stale_events;
        }
        log().warn("no tick within the stale limit; reconnecting",
                   {{"vendor", session_.vendor()}, {"stale_after_ms", config_.stale_after.count()}});
        return finish(core::error(ErrorCode::kTimeout, "stale feed: no tick for " +
                                                           std::to_string(config_.stale_after.count()) + " ms"));
      }
    }
  }
}

void BrokerLink::on_open() {
  {
    std::lock_guard lock(mu_);
    opened_ = true;
  }
  cv_.notify_all();
}

void BrokerLink::on_message(std::string_view payload, bool binary, core::Timestamp received) {
  frames_metric_.inc();
  tick_buffer_.clear();
  FrameOutcome outcome = session_.on_frame(payload, binary, received, tick_buffer_);
  if (!tick_buffer_.empty()) {
    last_tick_steady_ns_.store(steady_ns(), std::memory_order_relaxed);
    for (const model::Tick& t : tick_buffer_) {
      auto it = packets_by_symbol_.find(t.symbol);
      if (it != packets_by_symbol_.end()) it->second->inc();
      if (t.exchange_time.nanos() > 0) {
        tick_delay_metric_.observe(static_cast<double>(t.receive_time.nanos() - t.exchange_time.nanos()) * 1e-9);
      }
    }
    sink_.on_link_ticks(index_, tick_buffer_);
  }
  bool notify = false;
  {
    std::lock_guard lock(mu_);
    ++snap_.frames;
    snap_.ticks += tick_buffer_.size();
    switch (outcome.event) {
      case SessionEvent::kNone: break;
      case SessionEvent::kLoggedIn:
        logged_in_ = true;
        notify = true;
        break;
      case SessionEvent::kAuthRejected:
        auth_rejection_ = outcome.status.is_ok()
                              ? core::error(ErrorCode::kUnauthenticated, std::string(session_.vendor()) + ": login refused")
                              : outcome.status;
        notify = true;
        break;
      case SessionEvent::kError: ++snap_.parse_errors; break;
    }
  }
  if (outcome.event == SessionEvent::kError) {
    parse_errors_metric_.inc();
    static core::RateLimitedLog limiter;
    uint64_t suppressed = 0;
    if (limiter.should_log(suppressed)) {
      log().warn("frame rejected", {{"vendor", session_.vendor()}, {"error", outcome.status.to_string()},
                                    {"suppressed", suppressed}});
    }
  }
  if (notify) cv_.notify_all();
}

void BrokerLink::on_close(const WsCloseInfo& info) {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    close_info_ = info;
  }
  cv_.notify_all();
}

}  // namespace nifty::feed
