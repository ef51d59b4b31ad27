#include "gateway/ws_hub.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/log.h"

namespace nifty::gateway {

namespace {

constexpr std::string_view kSymbolKinds[] = {"ticks", "candles", "analysis"};
constexpr std::string_view kPlainChannels[] = {"signals", "market"};

}  // namespace

WsHub::WsHub(const model::Universe& universe)
    : universe_(universe),
      connections_(core::MetricsRegistry::global().gauge("websocket_connections_active",
                                                         "WebSocket clients connected to the gateway")),
      sent_(core::MetricsRegistry::global().counter("gateway_websocket_messages_sent_total",
                                                    "Messages queued to gateway WebSocket clients")),
      protocol_errors_(core::MetricsRegistry::global().counter(
          "gateway_websocket_protocol_errors_total", "Bad messages from WebSocket clients (invalid JSON, bad action or channel)")) {}

void WsHub::on_open(const SessionPtr& session) {
  std::lock_guard lk(mu_);
  clients_[session->id()] = Client{session, {}};
  connections_.set(static_cast<double>(clients_.size()));
}

void WsHub::on_close(const SessionPtr& session, int /*code*/) {
  std::lock_guard lk(mu_);
  auto it = clients_.find(session->id());
  if (it == clients_.end()) return;
  for (const auto& ch : it->second.channels) {
    auto c = by_channel_.find(ch);
    if (c == by_channel_.end()) continue;
    auto& v = c->second;
    v.erase(std::remove(v.begin(), v.end(), session), v.end());
    if (v.empty()) by_channel_.erase(c);
  }
  clients_.erase(it);
  connections_.set(static_cast<double>(clients_.size()));
}

std::string WsHub::check_channel(std::string_view channel) const {
  for (auto plain : kPlainChannels) {
    if (channel == plain) return {};
  }
  auto colon = channel.find(':');
  if (colon == std::string_view::npos) {
    return "unknown channel '" + std::string(channel) +
           "' (expected ticks:SYMBOL, candles:SYMBOL, analysis:SYMBOL, signals or market)";
  }
  auto kind = channel.substr(0, colon);
  auto symbol = channel.substr(colon + 1);
  if (std::find(std::begin(kSymbolKinds), std::end(kSymbolKinds), kind) == std::end(kSymbolKinds)) {
    return "unknown channel kind '" + std::string(kind) + "' in '" + std::string(channel) + "'";
  }
  if (symbol == "*") return {};
  if (!model::Symbol::valid(symbol) || universe_.find(model::Symbol(symbol)) == nullptr) {
    return "unknown symbol '" + std::string(symbol) + "' in channel '" + std::string(channel) + "'";
  }
  return {};
}

void WsHub::send_error(const SessionPtr& session, std::string_view code, std::string_view message) {
  protocol_errors_.inc();
  std::string out = "{\"type\":\"error\",\"error\":{\"code\":\"";
  core::append_json_escaped(out, code);
  out += "\",\"message\":\"";
  core::append_json_escaped(out, message);
  out += "\"}}";
  (void)session->send_text(std::make_shared<const std::string>(std::move(out)));
}

void WsHub::on_text(const SessionPtr& session, std::string_view message) {
  nlohmann::json doc = nlohmann::json::parse(message, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    send_error(session, "invalid_json", "message is not valid JSON");
    return;
  }
  if (!doc.is_object() || !doc.contains("action") || !doc["action"].is_string()) {
    send_error(session, "bad_request", "expected an object with a string field 'action'");
    return;
  }
  const std::string action = doc["action"].get<std::string>();
  if (action == "ping") {
    (void)session->send_text(std::make_shared<const std::string>("{\"type\":\"pong\"}"));
    return;
  }
  if (action != "subscribe" && action != "unsubscribe") {
    send_error(session, "bad_request", "unknown action '" + action + "' (expected subscribe, unsubscribe or ping)");
    return;
  }
  if (!doc.contains("channels") || !doc["channels"].is_array() || doc["channels"].empty()) {
    send_error(session, "bad_request", "field 'channels' must be a non-empty array of strings");
    return;
  }
  std::vector<std::string> channels;
  for (const auto& c : doc["channels"]) {
    if (!c.is_string()) {
      send_error(session, "bad_request", "field 'channels' must hold only strings");
      return;
    }
    std::string ch = c.get<std::string>();
    if (action == "subscribe") {
      std::string why = check_channel(ch);
      if (!why.empty()) {
        send_error(session, "bad_channel", why);
        return;
      }
    }
    channels.push_back(std::move(ch));
  }
  {
    std::lock_guard lk(mu_);
    auto it = clients_.find(session->id());
    if (it == clients_.end()) return;
    for (const auto& ch : channels) {
      if (action == "subscribe") {
        if (it->second.channels.insert(ch).second) by_channel_[ch].push_back(session);
      } else if (it->second.channels.erase(ch) != 0) {
        auto c = by_channel_.find(ch);
        if (c != by_channel_.end()) {
          auto& v = c->second;
          v.erase(std::remove(v.begin(), v.end(), session), v.end());
          if (v.empty()) by_channel_.erase(c);
        }
      }
    }
  }
  nlohmann::json ack = {{"type", "ack"}, {"action", action}, {"channels", channels}};
  (void)session->send_text(std::make_shared<const std::string>(ack.dump()));
}

void WsHub::collect(std::string_view channel, std::vector<SessionPtr>& out) {
  auto it = by_channel_.find(channel);
  if (it != by_channel_.end()) out.insert(out.end(), it->second.begin(), it->second.end());
}

bool WsHub::has_subscribers(std::string_view kind, std::string_view symbol) {
  thread_local std::string key;
  std::lock_guard lk(mu_);
  if (symbol.empty()) return by_channel_.count(kind) != 0;
  key.assign(kind).append(":*");
  if (by_channel_.count(std::string_view(key)) != 0) return true;
  key.assign(kind).append(":").append(symbol);
  return by_channel_.count(std::string_view(key)) != 0;
}

size_t WsHub::broadcast(std::string_view kind, std::string_view symbol,
                        const std::shared_ptr<const std::string>& message) {
  thread_local std::vector<SessionPtr> targets;
  thread_local std::string key;
  targets.clear();
  {
    std::lock_guard lk(mu_);
    if (symbol.empty()) {
      collect(kind, targets);
    } else {
      key.assign(kind).append(":*");
      collect(key, targets);
      size_t wildcard = targets.size();
      key.assign(kind).append(":").append(symbol);
      collect(key, targets);
      if (wildcard != 0 && wildcard != targets.size()) {
        std::sort(targets.begin(), targets.end());
        targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
      }
    }
  }
  size_t n = 0;
  for (const auto& s : targets) {
    if (s->send_text(message).is_ok()) ++n;
  }
  targets.clear();
  sent_.inc(static_cast<double>(n));
  return n;
}

size_t WsHub::send_all(const std::shared_ptr<const std::string>& message) {
  std::vector<SessionPtr> all;
  {
    std::lock_guard lk(mu_);
    all.reserve(clients_.size());
    for (const auto& [id, c] : clients_) all.push_back(c.session);
  }
  size_t n = 0;
  for (const auto& s : all) {
    if (s->send_text(message).is_ok()) ++n;
  }
  return n;
}

void WsHub::clear() {
  std::lock_guard lk(mu_);
  clients_.clear();
  by_channel_.clear();
  connections_.set(0);
}

size_t WsHub::clients() const {
  std::lock_guard lk(mu_);
  return clients_.size();
}

}  // namespace nifty::gateway
