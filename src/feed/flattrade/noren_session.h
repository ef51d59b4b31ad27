// NorenSession: the Flattrade (Noren) WebSocket as a BrokerSession — the connect message of the
// configured generation (current PiConnectWSAPI "a"/"ak" by default, older "c"/"ck" by
// configuration) and its acknowledgement, touchline (or depth) subscriptions by "EXCH|token",
// {"t":"h"} heartbeats as text frames, tk/tf (dk/df) merged by the decoder. Flattrade keeps a
// rejected socket open and silent, so a refused connect ack is an authentication failure the link
// acts on itself; and because a quick reconnect after a clean close can be refused, standby
// unsubscribes and keeps the socket (unsubscribe_on_standby).
//
// Threading: as BrokerSession.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "feed/flattrade/noren_messages.h"
#include "feed/supervisor/decoding_session.h"

namespace nifty::feed::flattrade {

struct NorenSessionConfig {
  std::string url = std::string(kNorenWsUrlCurrent);
  NorenConnectForm form = NorenConnectForm::kAccessToken;
  std::string user_id;     // uid
  std::string account_id;  // actid (the client id; defaults to user_id when empty)
  NorenFeedKind feed = NorenFeedKind::kTouchline;
  std::chrono::milliseconds heartbeat_interval{30'000};
  std::string ca_file;  // tests and private CAs only
};

class NorenSession final : public DecodingSession {
 public:
  static core::Result<std::unique_ptr<NorenSession>> create(NorenSessionConfig config, TokenProvider session_token,
                                                            const model::Universe& universe);

  std::string_view vendor() const override { return "flattrade"; }
  core::Result<WsEndpoint> endpoint() override;
  std::vector<std::string> login_messages() override;
  bool waits_for_login() const override { return true; }
  std::vector<std::string> subscribe_messages(std::span<const model::Instrument> instruments) override;
  std::vector<std::string> unsubscribe_messages(std::span<const model::Instrument> instruments) override;
  std::optional<std::string> heartbeat_message() const override { return build_heartbeat(); }
  std::chrono::milliseconds heartbeat_interval() const override { return config_.heartbeat_interval; }
  bool unsubscribe_on_standby() const override { return true; }
  core::Status close_status(const WsCloseInfo& info) override;

 private:
  NorenSession(NorenSessionConfig config, TokenProvider token, std::unique_ptr<live::FrameDecoder> decoder)
      : DecodingSession(std::move(decoder)), config_(std::move(config)), token_(std::move(token)) {}
  FrameOutcome on_event(const live::FrameEvent& event) override;

  NorenSessionConfig config_;
  TokenProvider token_;
  std::string current_token_;  // the token of the current connection (for the connect message)
};

}  // namespace nifty::feed::flattrade
