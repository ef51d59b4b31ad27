// BrokerLink and LiveFeed against a scripted in-process transport and a minimal session: the
// supervision rules (reconnect + resubscribe, stale watchdog, auth short-circuit, login wait,
// failover/failback with de-duplication) without sockets. The same rules over real loopback
// WebSocket servers speaking each broker's protocol are in broker_feeds_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "core/clock.h"
#include "core/nse_calendar.h"
#include "feed/supervisor/broker_link.h"
#include "feed/supervisor/live_feed.h"

namespace nifty::feed {
namespace {

using namespace std::chrono_literals;
using core::ErrorCode;

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);  // polling interval, not synchronisation
  }
  return pred();
}

// ---- scripted transport -------------------------------------------------------------------------

class FakeConnection;

// What the fake "server" does with each new connection attempt.
enum class Answer { kAccept, kRefuse403, kRefuse503, kHang };

class FakeConnector final : public WsConnector {
 public:
  core::Result<std::unique_ptr<WsConnection>> connect(const WsEndpoint& endpoint, WsHandler& handler) override;

  void answer_next(Answer a) {
    std::lock_guard lock(mu_);
    answers_.push_back(a);
  }
  void set_default(Answer a) {
    std::lock_guard lock(mu_);
    default_ = a;
  }
  int attempts() const {
    std::lock_guard lock(mu_);
    return attempts_;
  }
  // The connection currently open (nullptr when none).
  std::shared_ptr<FakeConnection> current() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  std::string last_url() const {
    std::lock_guard lock(mu_);
    return last_url_;
  }
  void forget(FakeConnection* c) {
    std::lock_guard lock(mu_);
    if (current_.get() == c) current_.reset();
  }

 private:
  mutable std::mutex mu_;
  std::deque<Answer> answers_;
  Answer default_ = Answer::kAccept;
  int attempts_ = 0;
  std::shared_ptr<FakeConnection> current_;
  std::string last_url_;
};

class FakeConnection : public std::enable_shared_from_this<FakeConnection> {
 public:
  FakeConnection(FakeConnector& owner, WsHandler& handler) : owner_(owner), handler_(handler) {}

  // Server side: push a frame / drop the connection. No-ops once closed.
  void send(const std::string& text) {
    std::lock_guard lock(mu_);
    if (!closed_) handler_.on_message(text, false, core::Timestamp::now());
  }
  void drop() { close_with({core::error(ErrorCode::kUnavailable, "connection reset by peer"), 0, 0, ""}); }
  void close_with(const WsCloseInfo& info) {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    handler_.on_close(info);
  }
  void open() {
    std::lock_guard lock(mu_);
    handler_.on_open();
  }
  std::vector<std::string> received() const {
    std::lock_guard lock(mu_);
    return received_;
  }
  // Client side.
  core::Status client_send(std::string text) {
    std::lock_guard lock(mu_);
    if (closed_) return core::error(ErrorCode::kUnavailable, "not open");
    received_.push_back(std::move(text));
    return {};
  }
  void client_close() { close_with({core::error(ErrorCode::kCancelled, "closed by client"), 0, 1000, ""}); }
  FakeConnector& owner() { return owner_; }

 private:
  FakeConnector& owner_;
  WsHandler& handler_;
  mutable std::recursive_mutex mu_;
  bool closed_ = false;
  std::vector<std::string> received_;
};

class FakeConnectionHandle final : public WsConnection {
 public:
  explicit FakeConnectionHandle(std::shared_ptr<FakeConnection> c) : c_(std::move(c)) {}
  ~FakeConnectionHandle() override {
    c_->client_close();
    c_->owner().forget(c_.get());
  }
  core::Status send_text(std::string text) override { return c_->client_send(std::move(text)); }
  void close() override { c_->client_close(); }

 private:
  std::shared_ptr<FakeConnection> c_;
};

core::Result<std::unique_ptr<WsConnection>> FakeConnector::connect(const WsEndpoint& endpoint, WsHandler& handler) {
  Answer a;
  auto conn = std::make_shared<FakeConnection>(*this, handler);
  {
    std::lock_guard lock(mu_);
    ++attempts_;
    last_url_ = endpoint.url;
    if (answers_.empty()) {
      a = default_;
    } else {
      a = answers_.front();
      answers_.pop_front();
    }
    if (a == Answer::kAccept) current_ = conn;
  }
  switch (a) {
    case Answer::kAccept: conn->open(); break;
    case Answer::kRefuse403:
      conn->close_with({core::error(ErrorCode::kIoError, "upgrade refused"), 403, 0, "Forbidden"});
      break;
    case Answer::kRefuse503:
      conn->close_with({core::error(ErrorCode::kUnavailable, "upgrade refused"), 503, 0, "Unavailable"});
      break;
    case Answer::kHang: break;
  }
  return std::unique_ptr<WsConnection>(new FakeConnectionHandle(conn));
}

// ---- a minimal session: text frames "SYMBOL price_paise volume exchange_seconds" ------------------

class TextSession final : public BrokerSession {
 public:
  explicit TextSession(std::string vendor, bool wants_login = false, bool keep_socket = false)
      : vendor_(std::move(vendor)), wants_login_(wants_login), keep_socket_(keep_socket) {}
  std::string_view vendor() const override { return vendor_; }
  core::Result<WsEndpoint> endpoint() override {
    if (!token_ok) return core::error(ErrorCode::kUnauthenticated, vendor_ + ": token expired: run nifty login");
    return WsEndpoint{"ws://127.0.0.1:1/" + vendor_, {}, ""};
  }
  void on_connection_start() override { ++connection_starts; }
  std::vector<std::string> login_messages() override {
    if (!wants_login_) return {};
    return {"LOGIN"};
  }
  bool waits_for_login() const override { return wants_login_; }
  std::vector<std::string> subscribe_messages(std::span<const model::Instrument> instruments) override {
    std::string m = "SUB";
    for (const auto& i : instruments) m += " " + std::string(i.symbol.view());
    return {m};
  }
  std::vector<std::string> unsubscribe_messages(std::span<const model::Instrument>) override { return {"UNSUB"}; }
  std::optional<std::string> heartbeat_message() const override { return std::nullopt; }
  bool unsubscribe_on_standby() const override { return keep_socket_; }
  FrameOutcome on_frame(std::string_view payload, bool, core::Timestamp received,
                        std::vector<model::Tick>& ticks) override {
    if (payload == "LOGIN_OK") return {SessionEvent::kLoggedIn, {}};
    if (payload == "LOGIN_REFUSED")
      return {SessionEvent::kAuthRejected, core::error(ErrorCode::kUnauthenticated, vendor_ + ": login refused")};
    std::istringstream in{std::string(payload)};
    std::string sym;
    int64_t paise = 0, volume = 0, seconds = 0;
    if (!(in >> sym >> paise >> volume >> seconds)) return {SessionEvent::kError, core::error(ErrorCode::kParseError, "bad")};
    model::Tick t;
    t.symbol = model::Symbol(sym);
    t.last_price = model::Price::from_paise(paise);
    t.cumulative_volume = volume;
    t.exchange_time = core::Timestamp::from_seconds(seconds);
    t.receive_time = received;
    ticks.push_back(t);
    return {};
  }
  core::Status close_status(const WsCloseInfo& info) override {
    if (info.http_status == 403) return core::error(ErrorCode::kUnauthenticated, vendor_ + ": HTTP 403: run nifty login");
    return info.status;
  }

  std::atomic<int> connection_starts{0};
  std::atomic<bool> token_ok{true};

 private:
  std::string vendor_;
  bool wants_login_;
  bool keep_socket_;
};

// ---- sinks ----------------------------------------------------------------------------------------

class RecordingLinkSink final : public LinkTickSink {
 public:
  void on_link_ticks(size_t, std::span<const model::Tick> ticks) override {
    std::lock_guard lock(mu_);
    for (const auto& t : ticks) ticks_.push_back(t);
  }
  void on_link_changed(size_t) override {}
  size_t count() const {
    std::lock_guard lock(mu_);
    return ticks_.size();
  }

 private:
  mutable std::mutex mu_;
  std::vector<model::Tick> ticks_;
};

class RecordingFeedSink final : public FeedSink {
 public:
  bool on_ticks(std::span<const model::Tick> ticks) override {
    std::lock_guard lock(mu_);
    for (const auto& t : ticks) ticks_.push_back(t);
    return true;
  }
  bool on_clock(core::Timestamp) override { return true; }
  std::vector<model::Tick> ticks() const {
    std::lock_guard lock(mu_);
    return ticks_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<model::Tick> ticks_;
};

std::vector<model::Instrument> instruments() {
  std::vector<model::Instrument> v(2);
  v[0].symbol = model::Symbol("RELIANCE");
  v[1].symbol = model::Symbol("TCS");
  return v;
}

LinkConfig fast_config() {
  LinkConfig c;
  c.connect_timeout = 300ms;
  c.login_timeout = 300ms;
  c.backoff_initial = 10ms;
  c.backoff_max = 40ms;
  c.stale_after = 150ms;
  c.stale_only_in_session = false;
  c.jitter_seed = 42;
  return c;
}

struct LinkRig {
  explicit LinkRig(LinkConfig config = fast_config(), bool wants_login = false)
      : session("fake", wants_login),
        link(0, session, connector, instruments(), config, sink, clock, core::NseCalendar::builtin()) {}
  ~LinkRig() { link.stop(); }
  TextSession session;
  FakeConnector connector;
  RecordingLinkSink sink;
  core::WallClock clock;
  BrokerLink link;
};

bool subscribed_on(const std::shared_ptr<FakeConnection>& c) {
  if (!c) return false;
  for (const auto& m : c->received())
    if (m == "SUB RELIANCE TCS") return true;
  return false;
}

TEST(BrokerLink, ConnectsSubscribesAndDeliversTicks) {
  LinkRig rig;
  rig.link.set_active(true);
  rig.link.start();
  ASSERT_TRUE(eventually([&] { return subscribed_on(rig.connector.current()); }));
  rig.connector.current()->send("RELIANCE 285050 1000 1705560000");
  rig.connector.current()->send("TCS 350000 200 1705560001");
  ASSERT_TRUE(eventually([&] { return rig.sink.count() == 2; }));
  auto s = rig.link.snapshot();
  EXPECT_EQ(s.state, LinkState::kUp);
  EXPECT_TRUE(s.subscribed);
  EXPECT_EQ(s.connects, 1u);
  EXPECT_EQ(s.ticks, 2u);
}

TEST(BrokerLink, ReconnectsAndResubscribesAfterADrop) {
  LinkRig rig;
  rig.link.set_active(true);
  rig.link.start();
  ASSERT_TRUE(eventually([&] { return subscribed_on(rig.connector.current()); }));
  auto first = rig.connector.current();
  rig.connector.answer_next(Answer::kRefuse503);  // the first reconnect fails too
  first->drop();
  ASSERT_TRUE(eventually([&] {
    auto c = rig.connector.current();
    return c && c != first && subscribed_on(c);
  }));
  auto s = rig.link.snapshot();
  EXPECT_EQ(rig.connector.attempts(), 3);
  EXPECT_EQ(s.reconnects, 2u);
  EXPECT_EQ(s.connects, 2u);
  EXPECT_EQ(rig.session.connection_starts.load(), 3);
}

TEST(BrokerLink, StaleWatchdogReplacesASilentConnection) {
  LinkRig rig;
  rig.link.set_active(true);
  rig.link.start();
  ASSERT_TRUE(eventually([&] { return subscribed_on(rig.connector.current()); }));
  auto first = rig.connector.current();
  first->send("RELIANCE 285050 1000 1705560000");
  // Then silence: no tick for stale_after (150 ms) -> the link closes it and connects again.
  ASSERT_TRUE(eventually([&] {
    auto c = rig.connector.current();
    return c && c != first && subscribed_on(c);
  }));
  EXPECT_GE(rig.link.snapshot().stale_events, 1u);
}

TEST(BrokerLink, StaleWatchdogSleepsOutsideTheSession) {
  LinkConfig config = fast_config();
  config.stale_only_in_session = true;
  LinkRig rig(config);
  core::ManualClock sunday(core::Timestamp::from_seconds(1705804200));  // Sun 2024-01-21 08:00 IST
  BrokerLink link(0, rig.session, rig.connector, instruments(), config, rig.sink, sunday,
                  core::NseCalendar::builtin());
  link.set_active(true);
  link.start();
  ASSERT_TRUE(eventually([&] { return subscribed_on(rig.connector.current()); }));
  // Several stale periods pass with no tick: outside market hours that is normal.
  auto first = rig.connector.current();
  EXPECT_FALSE(eventually([&] { return rig.connector.current() != first; }, 600ms));
  EXPECT_EQ(link.snapshot().stale_events, 0u);
  link.stop();
}

TEST(BrokerLink, RefusedTokenStopsRetriesAtOnce) {
  LinkRig rig;
  rig.connector.set_default(Answer::kRefuse403);
  rig.link.set_active(true);
  rig.link.start();
  ASSERT_TRUE(eventually([&] { return rig.link.terminal(); }));
  auto s = rig.link.snapshot();
  EXPECT_EQ(s.state, LinkState::kAuthFailed);
  EXPECT_EQ(s.last_error.code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(s.last_error.message().find("nifty login"), std::string::npos);
  EXPECT_EQ(rig.connector.attempts(), 1);
}

TEST(BrokerLink, ExpiredTokenNeverConnects) {
  LinkRig rig;
  rig.session.token_ok = false;
  rig.link.set_active(true);
  rig.link.start();
  ASSERT_TRUE(eventually([&] { return rig.link.terminal(); }));
  EXPECT_EQ(rig.connector.attempts(), 0);
  EXPECT_EQ(rig.link.snapshot().last_error.code(), ErrorCode::kUnauthenticated);
}

TEST(BrokerLink, SubscribesOnlyAfterTheLoginIsAccepted) {
  LinkRig rig(fast_config(), /*wants_login=*/true);
  rig.link.set_active(true);
  rig.link.start();
  ASSERT_TRUE(eventually([&] {
    auto c = rig.connector.current();
    return c && !c->received().empty();
  }));
  auto c = rig.connector.current();
  EXPECT_EQ(c->received(), std::vector<std::string>{"LOGIN"});
  EXPECT_EQ(rig.link.snapshot().state, LinkState::kLoggingIn);
  c->send("LOGIN_OK");
  ASSERT_TRUE(eventually([&] { return subscribed_on(c); }));
  EXPECT_EQ(c->received(), (std::vector<std::string>{"LOGIN", "SUB RELIANCE TCS"}));
}

TEST(BrokerLink, LoginRefusedOnTheSocketStopsRetries) {
  LinkRig rig(fast_config(), /*wants_login=*/true);
  rig.link.set_active(true);
  rig.link.start();
  ASSERT_TRUE(eventually([&] {
    auto c = rig.connector.current();
    return c && !c->received().empty();
  }));
  rig.connector.current()->send("LOGIN_REFUSED");  // Flattrade keeps such a socket open: we close it
  ASSERT_TRUE(eventually([&] { return rig.link.terminal(); }));
  EXPECT_EQ(rig.link.snapshot().state, LinkState::kAuthFailed);
  EXPECT_EQ(rig.connector.attempts(), 1);
  EXPECT_EQ(rig.connector.current(), nullptr);  // closed by us
}

TEST(BrokerLink, UnansweredLoginIsRetried) {
  LinkRig rig(fast_config(), /*wants_login=*/true);
  rig.link.set_active(true);
  rig.link.start();
  ASSERT_TRUE(eventually([&] { return rig.connector.attempts() >= 2; }));
  EXPECT_EQ(rig.link.snapshot().last_error.code(), ErrorCode::kTimeout);
}

TEST(BrokerLink, GivesUpAfterMaxAttempts) {
  LinkConfig config = fast_config();
  config.max_attempts = 3;
  LinkRig rig(config);
  rig.connector.set_default(Answer::kRefuse503);
  rig.link.set_active(true);
  rig.link.start();
  ASSERT_TRUE(eventually([&] { return rig.link.terminal(); }));
  EXPECT_EQ(rig.link.snapshot().state, LinkState::kGaveUp);
  EXPECT_EQ(rig.connector.attempts(), 3);
}

TEST(BrokerLink, HungConnectTimesOut) {
  LinkRig rig;
  rig.connector.answer_next(Answer::kHang);
  rig.link.set_active(true);
  rig.link.start();
  ASSERT_TRUE(eventually([&] { return subscribed_on(rig.connector.current()); }));
  EXPECT_EQ(rig.connector.attempts(), 2);
  EXPECT_EQ(rig.link.snapshot().last_error.code(), ErrorCode::kTimeout);
}

TEST(BrokerLink, StandbyClosesOrUnsubscribesAsTheSessionWants) {
  {
    LinkRig rig;
    rig.link.set_active(true);
    rig.link.start();
    ASSERT_TRUE(eventually([&] { return subscribed_on(rig.connector.current()); }));
    rig.link.set_active(false);
    ASSERT_TRUE(eventually([&] { return rig.link.snapshot().state == LinkState::kIdle; }));
    EXPECT_EQ(rig.connector.current(), nullptr);
  }
  {
    TextSession keep("keep", false, /*keep_socket=*/true);
    FakeConnector connector;
    RecordingLinkSink sink;
    core::WallClock clock;
    BrokerLink link(0, keep, connector, instruments(), fast_config(), sink, clock, core::NseCalendar::builtin());
    link.set_active(true);
    link.start();
    ASSERT_TRUE(eventually([&] { return subscribed_on(connector.current()); }));
    auto c = connector.current();
    link.set_active(false);
    ASSERT_TRUE(eventually([&] { return c->received().back() == "UNSUB"; }));
    EXPECT_EQ(connector.current(), c);  // still connected
    link.set_active(true);
    ASSERT_TRUE(eventually([&] { return c->received().back() == "SUB RELIANCE TCS"; }));
    EXPECT_EQ(connector.attempts(), 1);
    link.stop();
  }
}

// ---- LiveFeed: failover and failback ----------------------------------------------------------------

struct FeedRig {
  FeedRig() : primary("primary"), secondary("secondary") {
    LiveFeedConfig config;
    config.link = fast_config();
    config.link.stale_after = 10s;
    config.failover_after = 50ms;
    config.failback_after = 100ms;
    config.clock_interval = 20ms;
    feed = std::make_unique<LiveFeed>(std::vector<BrokerSession*>{&primary, &secondary}, router, instruments(),
                                      config, clock, core::NseCalendar::builtin());
  }
  ~FeedRig() {
    stop.request_stop();
    if (thread.joinable()) thread.join();
  }
  void start() {
    thread = std::thread([this] { result = feed->run(sink, stop.get_token()); });
  }

  // One connector per session, chosen by the URL.
  class Router final : public WsConnector {
   public:
    core::Result<std::unique_ptr<WsConnection>> connect(const WsEndpoint& ep, WsHandler& h) override {
      return (ep.url.find("primary") != std::string::npos ? primary : secondary).connect(ep, h);
    }
    FakeConnector primary, secondary;
  };

  TextSession primary, secondary;
  Router router;
  core::WallClock clock;
  RecordingFeedSink sink;
  std::unique_ptr<LiveFeed> feed;
  std::stop_source stop;
  std::thread thread;
  core::Status result;
};

TEST(LiveFeed, FailsOverWithoutDuplicatesAndFailsBack) {
  FeedRig rig;
  rig.start();
  ASSERT_TRUE(eventually([&] { return subscribed_on(rig.router.primary.current()); }));
  rig.router.primary.current()->send("RELIANCE 285000 100 1705560000");
  rig.router.primary.current()->send("RELIANCE 285050 200 1705560001");
  ASSERT_TRUE(eventually([&] { return rig.sink.ticks().size() == 2; }));
  EXPECT_EQ(rig.router.secondary.attempts(), 0);  // cold standby

  // The primary dies and stays unreachable.
  rig.router.primary.set_default(Answer::kRefuse503);
  rig.router.primary.current()->drop();
  ASSERT_TRUE(eventually([&] { return subscribed_on(rig.router.secondary.current()); }));
  // The secondary's first snapshot repeats the last tick the primary delivered: dropped.
  rig.router.secondary.current()->send("RELIANCE 285050 200 1705560001");
  rig.router.secondary.current()->send("RELIANCE 285100 300 1705560002");
  ASSERT_TRUE(eventually([&] { return rig.sink.ticks().size() == 3; }));
  EXPECT_EQ(rig.feed->snapshot().serving, 1u);
  EXPECT_EQ(rig.feed->snapshot().failovers, 1u);

  // The primary comes back; both feeds overlap until it has been healthy for failback_after.
  rig.router.primary.set_default(Answer::kAccept);
  ASSERT_TRUE(eventually([&] { return subscribed_on(rig.router.primary.current()); }));
  rig.router.primary.current()->send("RELIANCE 285100 300 1705560002");    // duplicate of the secondary's
  rig.router.secondary.current()->send("RELIANCE 285150 400 1705560003");  // new
  rig.router.primary.current()->send("RELIANCE 285150 400 1705560003");    // duplicate
  ASSERT_TRUE(eventually([&] { return rig.feed->snapshot().failbacks == 1; }));
  EXPECT_EQ(rig.feed->snapshot().serving, 0u);
  ASSERT_TRUE(eventually([&] { return rig.router.secondary.current() == nullptr; }));  // closed on standby
  rig.router.primary.current()->send("RELIANCE 285200 500 1705560004");
  ASSERT_TRUE(eventually([&] { return rig.sink.ticks().size() == 5; }));

  auto ticks = rig.sink.ticks();
  std::vector<int64_t> volumes;
  for (const auto& t : ticks) volumes.push_back(t.cumulative_volume);
  EXPECT_EQ(volumes, (std::vector<int64_t>{100, 200, 300, 400, 500}));
  for (size_t i = 0; i < ticks.size(); ++i) EXPECT_EQ(ticks[i].sequence, i + 1);
  EXPECT_EQ(rig.feed->snapshot().ticks_duplicate, 3u);
}

TEST(LiveFeed, EndsWithTheLoginToRunWhenEveryBrokerRefusesTheToken) {
  FeedRig rig;
  rig.router.primary.set_default(Answer::kRefuse403);
  rig.router.secondary.set_default(Answer::kRefuse403);
  rig.start();
  rig.thread.join();
  EXPECT_EQ(rig.result.code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(rig.result.message().find("primary: HTTP 403: run nifty login"), std::string::npos);
  EXPECT_NE(rig.result.message().find("secondary: HTTP 403"), std::string::npos);
  EXPECT_EQ(rig.router.primary.attempts(), 1);
  EXPECT_EQ(rig.router.secondary.attempts(), 1);
}

}  // namespace
}  // namespace nifty::feed
