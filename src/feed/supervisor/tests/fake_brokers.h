// Fake broker servers for the broker-feed integration tests and the feed latency bench: loopback
// WebSocket servers (net::testing::TestWebSocketServer) that speak Kite (KiteTicker v3), Flattrade
// (Noren PiConnectWSAPI) and mStock (Type B) as broker-protocols.md describes them — authentication
// accepted or refused, subscriptions parsed, frames built by the small encoders below straight from
// the documented byte layouts (never with the code under test), heartbeats, drops, silence.
//
// A FakeMarket scripts one deterministic tick stream (update i at start + i * interval) that every
// fake can stream to its subscribed connections, so two fakes serve the same market during a
// failover. Every tick a fake sends is recorded as a SentTick computed from the values it encoded.
//
// Threading: each fake runs an accept thread, one reader thread per connection and a streaming
// thread; every public method may be called from any thread. For tests and benches only.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/status.h"
#include "net/testing/test_websocket_server.h"

namespace nifty::feed::testing {

// ---- encoders of the documented layouts ---------------------------------------------------------

// "0002 00b8 ..." -> bytes. Whitespace ignored.
std::string hex_bytes(std::string_view hex);

struct KiteDepthLevel {
  uint32_t quantity = 0;
  int32_t price = 0;  // paise
  uint16_t orders = 0;
};

// A Kite full-mode tradable packet (broker-protocols.md 1.5): all int32 BE, prices in paise.
struct KiteFullPacket {
  uint32_t token = 0;
  int32_t last_price = 0;
  uint32_t last_quantity = 0;
  int32_t average_price = 0;
  uint32_t volume = 0;
  uint32_t buy_quantity = 0;
  uint32_t sell_quantity = 0;
  int32_t open = 0, high = 0, low = 0, close = 0;
  uint32_t last_trade_time = 0;  // epoch seconds
  uint32_t oi = 0, oi_high = 0, oi_low = 0;
  uint32_t exchange_time = 0;  // epoch seconds
  std::array<KiteDepthLevel, 10> depth{};  // 5 bids then 5 asks
};
std::string encode_kite_full(const KiteFullPacket& p);  // 184 bytes

// A Kite full-mode index packet (1.6): token, LTP, H, L, O, C, change, exchange time; 32 bytes.
struct KiteIndexPacket {
  uint32_t token = 0;
  int32_t last_price = 0, high = 0, low = 0, open = 0, close = 0, change = 0;
  uint32_t exchange_time = 0;
};
std::string encode_kite_index_full(const KiteIndexPacket& p);

// A binary frame: int16 BE packet count, then per packet int16 BE length + bytes (1.4).
std::string kite_frame(std::span<const std::string> packets);
inline std::string kite_heartbeat() { return std::string(1, '\0'); }

// The real sample frames of broker-protocols.md section 6.
std::string kite_sample_v1_frame();  // 374 bytes: INFY + TCS full packets
std::string kite_sample_v2_packet();  // one 184-byte INFY full packet, no frame header

// An mStock Type B quote packet (2.4): little-endian, 123 bytes, prices int64 paise.
struct MstockQuotePacket {
  uint8_t mode = 2;
  uint8_t exchange_type = 1;
  std::string token;  // ASCII, NUL-padded to 25 bytes
  int64_t sequence = 0;
  int64_t exchange_time = 0;  // raw, in whatever unit the test chooses
  int64_t last_price = 0;
  int64_t last_quantity = 0;
  int64_t average_price = 0;
  int64_t volume = 0;
  double buy_quantity = 0;
  double sell_quantity = 0;
  int64_t open = 0, high = 0, low = 0, close = 0;
};
std::string encode_mstock_quote(const MstockQuotePacket& p);
// LE uint16 packet count, LE uint16 packet size, then the packets (all the same size).
std::string mstock_batch(std::span<const std::string> packets);

// "2850.05" from 285005 paise.
std::string rupees_string(int64_t paise);
// A flat JSON object of string values, in the given order: {"t":"tf","e":"NSE",...}.
std::string noren_json(const std::vector<std::pair<std::string, std::string>>& fields);

// ---- the scripted market ------------------------------------------------------------------------

struct FakeStock {
  std::string symbol;
  uint32_t nse_token = 0;
  uint32_t kite_token = 0;
  int64_t base_price = 0;  // paise, a multiple of 5
};

// What one fake server sent for one instrument, from the values it encoded.
struct SentTick {
  std::string vendor;
  std::string symbol;
  int64_t price = 0;   // paise
  int64_t volume = 0;  // cumulative
  int64_t exchange_seconds = 0;
  std::chrono::steady_clock::time_point sent_at;
};

class FakeMarket {
 public:
  struct Quote {
    int64_t price = 0;
    int64_t volume = 0;
    int64_t exchange_seconds = 0;
    int64_t bid = 0, ask = 0;
  };
  // Step i (i >= 0) updates stock i % n; steps are `interval` apart from construction on, with
  // exchange time start_seconds + i * interval (whole seconds). Step 0 lies n steps in the past so
  // every stock has a quote from the start.
  FakeMarket(std::vector<FakeStock> stocks, std::chrono::microseconds interval, int64_t start_seconds);
  const std::vector<FakeStock>& stocks() const { return stocks_; }
  std::chrono::microseconds interval() const { return interval_; }
  size_t step_now() const;
  // The quote of stock `s` after step i (its latest update at or before i).
  Quote quote(size_t s, size_t step) const;
  size_t stock_of(size_t step) const { return step % stocks_.size(); }
  const FakeStock* by_kite_token(uint32_t t) const;
  const FakeStock* by_nse_token(uint32_t t) const;
  size_t index_of(const FakeStock* s) const { return static_cast<size_t>(s - stocks_.data()); }

 private:
  std::vector<FakeStock> stocks_;
  std::chrono::microseconds interval_;
  int64_t start_seconds_;
  std::chrono::steady_clock::time_point t0_;
};

// ---- the servers --------------------------------------------------------------------------------

// The parts every fake shares: accept loop, per-connection readers and state, streaming.
class FakeBroker {
 public:
  struct Options {
    bool tls = false;
    std::chrono::milliseconds heartbeat_interval{0};  // Kite 1-byte heartbeats when idle; 0 = none
    std::chrono::milliseconds login_deadline{10'000};  // mStock: LOGIN must come within this
  };
  virtual ~FakeBroker();
  FakeBroker(const FakeBroker&) = delete;
  FakeBroker& operator=(const FakeBroker&) = delete;

  std::string_view vendor() const { return vendor_; }
  std::string url(std::string_view target = "/") const { return server_->url(target); }
  const std::string& ca_pem() const { return server_->ca_pem(); }
  size_t tcp_accepts() const { return server_->tcp_accepts(); }
  // Upgrade requests seen (accepted or refused).
  size_t connections() const { return server_->connections(); }
  // The n-th (1-based) connection; nullptr after the timeout.
  std::shared_ptr<net::testing::TestConnection> connection(size_t n, std::chrono::milliseconds timeout);
  // True once connection n has logged in (where the protocol has a login) and subscribed.
  bool wait_subscribed(size_t n, std::chrono::milliseconds timeout);
  // The connection currently subscribed with the highest number, 0 when none.
  size_t current() const;

  // Per connection n: the text messages it sent, its subscribed tokens (numeric, broker's own),
  // subscribe and unsubscribe messages seen, heartbeats seen.
  std::vector<std::string> texts(size_t n) const;
  std::set<uint32_t> subscribed(size_t n) const;
  int subscribes(size_t n) const;
  int unsubscribes(size_t n) const;
  int heartbeats(size_t n) const;

  void send_text(size_t n, std::string_view text);
  void send_binary(size_t n, std::string_view bytes);
  // Stops connection n answering anything (and stops streaming to it); it stays connected.
  void go_silent(size_t n);

  // Streams the market to every subscribed connection (a snapshot first, then each step).
  void set_streaming(bool on) { streaming_ = on; }
  // Down: every connection is dropped (TCP reset) and upgrades are refused with 503.
  void set_down(bool down);

  std::vector<SentTick> sent() const;
  const FakeMarket& market() const { return market_; }

 protected:
  struct Conn {
    size_t number = 0;
    std::shared_ptr<net::testing::TestConnection> ws;
    std::chrono::steady_clock::time_point opened;
    std::vector<std::string> texts;
    std::set<uint32_t> tokens;     // subscribed
    std::set<uint32_t> streaming;  // tokens in the mode the stream uses (Kite: full)
    bool logged_in = false;
    bool refused_login = false;
    bool silent = false;
    bool dead = false;
    int subscribes = 0, unsubscribes = 0, heartbeats = 0;
    std::optional<size_t> last_step;  // the last market step sent
    std::chrono::steady_clock::time_point last_send;
    std::thread reader;
  };

  FakeBroker(std::string vendor, const FakeMarket& market, Options options);
  core::Status start_server();
  // Joins every thread and closes the server; each derived destructor calls it first, so no hook
  // runs on a half-destroyed object. Idempotent.
  void stop();

  // Hooks (derived classes). Called with mu_ held.
  virtual net::testing::AcceptDecision decide(const net::testing::UpgradeRequest& request) = 0;
  virtual void on_text(Conn& c, const std::string& text) = 0;
  virtual void on_binary(Conn&, const std::string&) {}
  virtual void on_idle(Conn& c, std::chrono::steady_clock::time_point now);
  virtual bool needs_login() const { return false; }
  // Sends stock s's quote after `step` (a snapshot or one update) to c and records it.
  virtual void send_quotes(Conn& c, std::span<const size_t> stocks, size_t step, bool snapshot) = 0;
  // The stock for a broker token, nullptr when unknown.
  virtual const FakeStock* stock_for(uint32_t token) const = 0;

  void record(const FakeStock& s, const FakeMarket::Quote& q);

  const std::string vendor_;
  const FakeMarket& market_;
  const Options options_;
  mutable std::mutex mu_;

 private:
  void accept_loop();
  void read_loop(Conn* c);
  void stream_loop();

  std::unique_ptr<net::testing::TestWebSocketServer> server_;
  std::map<size_t, std::unique_ptr<Conn>> conns_;
  std::vector<SentTick> sent_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> streaming_{false};
  std::atomic<bool> down_{false};
  std::thread acceptor_;
  std::thread streamer_;
};

// Kite: api_key / access_token in the query and X-Kite-Version: 3, else HTTP 403 (a bad token) or
// 400; {"a":"subscribe"} and {"a":"mode"} with numeric tokens; full-mode binary frames.
class FakeKite final : public FakeBroker {
 public:
  ~FakeKite() override { stop(); }
  struct Credentials {
    std::string api_key = "kite-key";
    std::string access_token = "kite-token";
  };
  static core::Result<std::unique_ptr<FakeKite>> start(const FakeMarket& market, Credentials credentials,
                                                       Options options = {});
  // Mode of each token as last set by the client ("full", "quote", "ltp").
  std::map<uint32_t, std::string> modes(size_t n) const;

 private:
  FakeKite(const FakeMarket& market, Credentials c, Options o)
      : FakeBroker("kite", market, o), credentials_(std::move(c)) {}
  net::testing::AcceptDecision decide(const net::testing::UpgradeRequest& request) override;
  void on_text(Conn& c, const std::string& text) override;
  void on_idle(Conn& c, std::chrono::steady_clock::time_point now) override;
  void send_quotes(Conn& c, std::span<const size_t> stocks, size_t step, bool snapshot) override;
  const FakeStock* stock_for(uint32_t token) const override { return market_.by_kite_token(token); }

  Credentials credentials_;
  std::map<size_t, std::map<uint32_t, std::string>> modes_;
};

// Flattrade (Noren v2): {"t":"a",uid,actid,accesstoken} -> {"t":"ak","s":"OK"} or "Not_Ok" and
// then silence with the socket open; {"t":"t","k":"NSE|a#NSE|b"} -> a "tk" snapshot per scrip,
// then "tf" updates carrying only the changed fields; {"t":"u"} unsubscribes; {"t":"h"} counted.
class FakeNoren final : public FakeBroker {
 public:
  ~FakeNoren() override { stop(); }
  struct Credentials {
    std::string user_id = "FT0001";
    std::string access_token = "noren-token";
  };
  static core::Result<std::unique_ptr<FakeNoren>> start(const FakeMarket& market, Credentials credentials,
                                                        Options options = {});

 private:
  FakeNoren(const FakeMarket& market, Credentials c, Options o)
      : FakeBroker("flattrade", market, o), credentials_(std::move(c)) {}
  net::testing::AcceptDecision decide(const net::testing::UpgradeRequest&) override {
    return net::testing::AcceptDecision::accept();
  }
  void on_text(Conn& c, const std::string& text) override;
  bool needs_login() const override { return true; }
  void send_quotes(Conn& c, std::span<const size_t> stocks, size_t step, bool snapshot) override;
  const FakeStock* stock_for(uint32_t token) const override { return market_.by_nse_token(token); }

  Credentials credentials_;
  // Last values sent per connection and token (for the partial "tf" updates).
  std::map<std::pair<size_t, uint32_t>, FakeMarket::Quote> last_sent_;
};

// mStock Type B: API_KEY / ACCESS_TOKEN in the query (else HTTP 403); LOGIN:<jwt> within the login
// deadline (else the server closes); a text reply confirms it; subscribe JSON with string tokens;
// 123-byte LE quote packets, bare when one, with the 4-byte batch header when several. Exchange
// time is sent in seconds since 1980-01-01 (the SDK's unit).
class FakeMstock final : public FakeBroker {
 public:
  ~FakeMstock() override { stop(); }
  struct Credentials {
    std::string api_key = "mstock-key";
    std::string jwt = "mstock.jwt.token";
  };
  static core::Result<std::unique_ptr<FakeMstock>> start(const FakeMarket& market, Credentials credentials,
                                                         Options options = {});

 private:
  FakeMstock(const FakeMarket& market, Credentials c, Options o)
      : FakeBroker("mstock", market, o), credentials_(std::move(c)) {}
  net::testing::AcceptDecision decide(const net::testing::UpgradeRequest& request) override;
  void on_text(Conn& c, const std::string& text) override;
  void on_idle(Conn& c, std::chrono::steady_clock::time_point now) override;
  bool needs_login() const override { return true; }
  void send_quotes(Conn& c, std::span<const size_t> stocks, size_t step, bool snapshot) override;
  const FakeStock* stock_for(uint32_t token) const override { return market_.by_nse_token(token); }

  Credentials credentials_;
  int64_t sequence_ = 0;
};

// The value of `key` in a "/path?k=v&k2=v2" target, percent-decoded; nullopt when absent.
std::optional<std::string> query_param(std::string_view target, std::string_view key);

}  // namespace nifty::feed::testing
