#include "feed/mstock/mstock_session.h"

#include "core/log.h"

namespace nifty::feed::mstock {
namespace {

core::Logger& log() { return core::Logger::get("feed"); }

bool mentions_auth(std::string_view text) {
  for (std::string_view word : {"token", "auth", "login", "expired", "invalid session", "unauthor"}) {
    if (text.find(word) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

core::Result<std::unique_ptr<MstockSession>> MstockSession::create(MstockSessionConfig config, TokenProvider jwt,
                                                                   const model::Universe& universe) {
  if (config.api_key.empty()) return core::error(core::ErrorCode::kConfigError, "feed.mstock.api_key is empty");
  auto decoder = live::make_frame_decoder("mstock", universe);
  if (!decoder) return decoder.status();
  return std::unique_ptr<MstockSession>(
      new MstockSession(std::move(config), std::move(jwt), std::move(decoder).value()));
}

core::Result<WsEndpoint> MstockSession::endpoint() {
  auto token = token_();
  if (!token) return token.status();
  current_token_ = std::move(token).value();
  WsEndpoint ep;
  ep.url = with_query(config_.url, {{"API_KEY", config_.api_key}, {"ACCESS_TOKEN", current_token_}});
  ep.ca_file = config_.ca_file;
  return ep;
}

std::vector<std::string> MstockSession::login_messages() {
  auto login = build_login(current_token_);
  if (!login) {
    log().error("cannot build the mstock login", {{"error", login.status().to_string()}});
    return {};
  }
  return {std::move(login).value()};
}

std::vector<std::string> MstockSession::subscription(MstockAction action,
                                                     std::span<const model::Instrument> instruments) const {
  std::vector<std::string> tokens;
  tokens.reserve(instruments.size());
  for (const model::Instrument& i : instruments) {
    if (i.kind == model::InstrumentKind::kIndex) continue;  // Type B index token undocumented
    tokens.push_back(std::to_string(i.nse_token));
  }
  if (tokens.empty()) return {};
  auto message = build_subscribe(action, config_.mode, MstockExchangeType::kNseCm, tokens);
  if (!message) {
    log().error("cannot build the mstock subscription", {{"error", message.status().to_string()}});
    return {};
  }
  return {std::move(message).value()};
}

std::vector<std::string> MstockSession::subscribe_messages(std::span<const model::Instrument> instruments) {
  return subscription(MstockAction::kSubscribe, instruments);
}

std::vector<std::string> MstockSession::unsubscribe_messages(std::span<const model::Instrument> instruments) {
  return subscription(MstockAction::kUnsubscribe, instruments);
}

core::Status MstockSession::close_status(const WsCloseInfo& info) {
  // "If the token is not authenticated, the connection is not made" (2.2): the upgrade is refused.
  if (info.http_status == 401 || info.http_status == 403) {
    return core::error(core::ErrorCode::kUnauthenticated,
                       "mstock refused the websocket upgrade (HTTP " + std::to_string(info.http_status) +
                           "): token expired? run nifty login mstock");
  }
  return info.status;
}

FrameOutcome MstockSession::on_event(const live::FrameEvent& event) {
  switch (event.kind) {
    case live::FrameEventKind::kServerError:
      if (!logged_in() || mentions_auth(event.text)) {
        return {SessionEvent::kAuthRejected,
                core::error(core::ErrorCode::kUnauthenticated,
                            "mstock refused the login (" + event.text + "): run nifty login mstock")};
      }
      return {SessionEvent::kError, core::error(core::ErrorCode::kUnavailable, "mstock error: " + event.text)};
    case live::FrameEventKind::kOther:
      // The first text frame after LOGIN confirms it (its content is undocumented, 2.2).
      return logged_in() ? FrameOutcome{} : FrameOutcome{SessionEvent::kLoggedIn, {}};
    default: return {};
  }
}

}  // namespace nifty::feed::mstock
