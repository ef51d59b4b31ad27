// WsHub: the WebSocket side of the gateway — the clients of /ws, their channel subscriptions, and
// broadcast of one shared, once-encoded buffer to every subscriber of a channel.
// Channels: "ticks:SYM", "candles:SYM", "analysis:SYM" (SYM a universe symbol or "*"), "signals",
// "market". Protocol: see gateway.h.
//
// Threading: the WebSocketSessionHandler callbacks run on server io threads; broadcast() and
// send_all() from any thread. One mutex guards the subscription tables; sends happen outside it
// and never block (a full client queue closes that client with 1008).
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/metrics.h"
#include "model/instrument.h"
#include "net/http_server.h"

namespace nifty::gateway {

class WsHub final : public net::WebSocketSessionHandler {
 public:
  explicit WsHub(const model::Universe& universe);

  void on_open(const std::shared_ptr<net::WebSocketSession>& session) override;
  void on_text(const std::shared_ptr<net::WebSocketSession>& session, std::string_view message) override;
  void on_close(const std::shared_ptr<net::WebSocketSession>& session, int code) override;

  // True when someone listens on "<kind>:<symbol>" or "<kind>:*" (kind "ticks", ...), or on
  // `kind` alone when symbol is empty ("signals", "market").
  bool has_subscribers(std::string_view kind, std::string_view symbol);
  // Sends `message` to the subscribers of "<kind>:<symbol>" and "<kind>:*" (each once), or of
  // `kind` when symbol is empty. Returns how many it was queued for.
  size_t broadcast(std::string_view kind, std::string_view symbol, const std::shared_ptr<const std::string>& message);
  // Sends to every client (heartbeats).
  size_t send_all(const std::shared_ptr<const std::string>& message);
  // Forgets every client (server stopping).
  void clear();
  size_t clients() const;

  // Validates a channel name: empty when fine, else why not.
  std::string check_channel(std::string_view channel) const;

 private:
  using SessionPtr = std::shared_ptr<net::WebSocketSession>;
  struct Client {
    SessionPtr session;
    std::set<std::string, std::less<>> channels;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  void send_error(const SessionPtr& session, std::string_view code, std::string_view message);
  void collect(std::string_view channel, std::vector<SessionPtr>& out);  // mu_ held

  const model::Universe& universe_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Client> clients_;                                         // guarded by mu_
  std::unordered_map<std::string, std::vector<SessionPtr>, Hash, std::equal_to<>> by_channel_;  // guarded by mu_
  core::Gauge& connections_;
  core::Counter& sent_;
  core::Counter& protocol_errors_;
};

}  // namespace nifty::gateway
