#include "feed/kite/kite_session.h"

#include "feed/kite/kite_errors.h"

namespace nifty::feed::kite {
namespace {

constexpr size_t kMaxInstrumentsPerConnection = 3000;

std::vector<uint32_t> tokens_of(std::span<const model::Instrument> instruments) {
  std::vector<uint32_t> tokens;
  tokens.reserve(instruments.size());
  for (const model::Instrument& i : instruments) tokens.push_back(i.kite_token);
  return tokens;
}

}  // namespace

core::Result<std::unique_ptr<KiteSession>> KiteSession::create(KiteSessionConfig config, TokenProvider access_token,
                                                               const model::Universe& universe) {
  if (config.api_key.empty()) {
    return core::error(core::ErrorCode::kConfigError, "feed.kite.api_key is empty");
  }
  if (universe.size() > kMaxInstrumentsPerConnection) {
    return core::error(core::ErrorCode::kConfigError,
                       "kite allows 3000 instruments per connection; the universe has " +
                           std::to_string(universe.size()));
  }
  auto decoder = live::make_frame_decoder("kite", universe);
  if (!decoder) return decoder.status();
  return std::unique_ptr<KiteSession>(
      new KiteSession(std::move(config), std::move(access_token), std::move(decoder).value()));
}

core::Result<WsEndpoint> KiteSession::endpoint() {
  auto token = token_();
  if (!token) return token.status();
  WsEndpoint ep;
  ep.url = with_query(config_.url, {{"api_key", config_.api_key}, {"access_token", token.value()}});
  ep.headers = {{"X-Kite-Version", "3"}};
  ep.ca_file = config_.ca_file;
  return ep;
}

std::vector<std::string> KiteSession::subscribe_messages(std::span<const model::Instrument> instruments) {
  auto tokens = tokens_of(instruments);
  // The default mode after subscribe is undocumented: always set it explicitly (1.2).
  return {subscribe_message(tokens), mode_message(config_.mode, tokens)};
}

std::vector<std::string> KiteSession::unsubscribe_messages(std::span<const model::Instrument> instruments) {
  return {unsubscribe_message(tokens_of(instruments))};
}

core::Status KiteSession::close_status(const WsCloseInfo& info) {
  if (info.http_status != 0) return upgrade_failure_status(info.http_status);
  return info.status;
}

FrameOutcome KiteSession::on_event(const live::FrameEvent& event) {
  if (event.kind != live::FrameEventKind::kServerError) return {};
  core::Status s = server_error_status(event.text);
  if (s.code() == core::ErrorCode::kUnauthenticated) return {SessionEvent::kAuthRejected, std::move(s)};
  return {SessionEvent::kError, std::move(s)};
}

}  // namespace nifty::feed::kite
