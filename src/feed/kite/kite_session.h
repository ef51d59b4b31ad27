// KiteSession: the Kite Connect WebSocket (KiteTicker v3) as a BrokerSession — URL with api_key and
// access_token, the X-Kite-Version header, subscribe then an explicit "full" mode (numeric tokens),
// no login message (the upgrade itself authenticates; 403 = token expired), 1-byte server
// heartbeats, text errors mapped by kite_errors.h. Limits: 3000 instruments per connection and 3
// connections per API key (kite_plan / the session refuses more than 3000 instruments).
//
// Threading: as BrokerSession.
#pragma once

#include <string>
#include <vector>

#include "feed/kite/kite_messages.h"
#include "feed/supervisor/decoding_session.h"

namespace nifty::feed::kite {

struct KiteSessionConfig {
  std::string url = "wss://ws.kite.trade/";
  std::string api_key;
  Mode mode = Mode::kFull;  // full: exchange timestamps and depth (quote and ltp carry no time)
  std::string ca_file;      // tests and private CAs only
};

class KiteSession final : public DecodingSession {
 public:
  static core::Result<std::unique_ptr<KiteSession>> create(KiteSessionConfig config, TokenProvider access_token,
                                                           const model::Universe& universe);

  std::string_view vendor() const override { return "kite"; }
  core::Result<WsEndpoint> endpoint() override;
  std::vector<std::string> login_messages() override { return {}; }
  bool waits_for_login() const override { return false; }
  std::vector<std::string> subscribe_messages(std::span<const model::Instrument> instruments) override;
  std::vector<std::string> unsubscribe_messages(std::span<const model::Instrument> instruments) override;
  std::optional<std::string> heartbeat_message() const override { return std::nullopt; }
  bool unsubscribe_on_standby() const override { return false; }
  core::Status close_status(const WsCloseInfo& info) override;

 private:
  KiteSession(KiteSessionConfig config, TokenProvider token, std::unique_ptr<live::FrameDecoder> decoder)
      : DecodingSession(std::move(decoder)), config_(std::move(config)), token_(std::move(token)) {}
  FrameOutcome on_event(const live::FrameEvent& event) override;

  KiteSessionConfig config_;
  TokenProvider token_;
};

}  // namespace nifty::feed::kite
