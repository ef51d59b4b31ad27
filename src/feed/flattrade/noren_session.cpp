#include "feed/flattrade/noren_session.h"

#include "core/log.h"
#include "feed/flattrade/noren_errors.h"

namespace nifty::feed::flattrade {
namespace {

std::vector<std::string> keys_of(std::span<const model::Instrument> instruments) {
  std::vector<std::string> keys;
  keys.reserve(instruments.size());
  for (const model::Instrument& i : instruments) keys.push_back(i.noren_key);
  return keys;
}

std::vector<std::string> one_or_none(core::Result<std::string> message, std::string_view what) {
  if (!message) {
    core::Logger::get("feed").error("cannot build the flattrade message",
                                    {{"what", what}, {"error", message.status().to_string()}});
    return {};
  }
  return {std::move(message).value()};
}

}  // namespace

core::Result<std::unique_ptr<NorenSession>> NorenSession::create(NorenSessionConfig config,
                                                                 TokenProvider session_token,
                                                                 const model::Universe& universe) {
  if (config.user_id.empty()) return core::error(core::ErrorCode::kConfigError, "feed.flattrade.user_id is empty");
  if (config.account_id.empty()) config.account_id = config.user_id;
  auto decoder = live::make_frame_decoder("flattrade", universe);
  if (!decoder) return decoder.status();
  return std::unique_ptr<NorenSession>(
      new NorenSession(std::move(config), std::move(session_token), std::move(decoder).value()));
}

core::Result<WsEndpoint> NorenSession::endpoint() {
  auto token = token_();
  if (!token) return token.status();
  current_token_ = std::move(token).value();
  WsEndpoint ep;
  ep.url = config_.url;
  ep.ca_file = config_.ca_file;
  return ep;
}

std::vector<std::string> NorenSession::login_messages() {
  return one_or_none(build_connect(config_.form, config_.user_id, config_.account_id, current_token_), "connect");
}

std::vector<std::string> NorenSession::subscribe_messages(std::span<const model::Instrument> instruments) {
  return one_or_none(build_subscribe(config_.feed, keys_of(instruments)), "subscribe");
}

std::vector<std::string> NorenSession::unsubscribe_messages(std::span<const model::Instrument> instruments) {
  return one_or_none(build_unsubscribe(config_.feed, keys_of(instruments)), "unsubscribe");
}

core::Status NorenSession::close_status(const WsCloseInfo& info) {
  if (info.http_status == 401 || info.http_status == 403) {
    return core::error(core::ErrorCode::kUnauthenticated,
                       "flattrade refused the websocket upgrade (HTTP " + std::to_string(info.http_status) +
                           "): run nifty login flattrade");
  }
  return info.status;
}

FrameOutcome NorenSession::on_event(const live::FrameEvent& event) {
  switch (event.kind) {
    case live::FrameEventKind::kConnectAck: return {SessionEvent::kLoggedIn, {}};
    case live::FrameEventKind::kConnectRejected: return {SessionEvent::kAuthRejected, connect_rejected(event.text)};
    case live::FrameEventKind::kServerError:
      return {SessionEvent::kError, core::error(core::ErrorCode::kUnavailable, "flattrade error: " + event.text)};
    default: return {};
  }
}

}  // namespace nifty::feed::flattrade
