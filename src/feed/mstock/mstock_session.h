// MstockSession: the mStock Type B WebSocket as a BrokerSession — URL with API_KEY and
// ACCESS_TOKEN (the JWT from `nifty login mstock`), the LOGIN:<jwt> text frame that must follow
// within 10 s, the server's first text reply taken as the login confirmation (its content is
// undocumented), subscribe JSON with NSE scrip tokens as strings, binary 51/123/379-byte packets
// with or without the batch header (decoder). No application heartbeat: WebSocket pings (the net
// client's ping interval) keep the socket alive. The NIFTY 50 index is not subscribed: its Type B
// token is not documented (broker-protocols.md 2.3).
//
// Threading: as BrokerSession.
#pragma once

#include <string>
#include <vector>

#include "feed/mstock/mstock_messages.h"
#include "feed/supervisor/decoding_session.h"

namespace nifty::feed::mstock {

struct MstockSessionConfig {
  std::string url = "wss://ws.mstock.trade";
  std::string api_key;
  MstockMode mode = MstockMode::kQuote;  // quote: LTP, cumulative volume, exchange time, best quotes
  std::string ca_file;                   // tests and private CAs only
};

class MstockSession final : public DecodingSession {
 public:
  static core::Result<std::unique_ptr<MstockSession>> create(MstockSessionConfig config, TokenProvider jwt,
                                                             const model::Universe& universe);

  std::string_view vendor() const override { return "mstock"; }
  core::Result<WsEndpoint> endpoint() override;
  std::vector<std::string> login_messages() override;
  bool waits_for_login() const override { return true; }
  std::vector<std::string> subscribe_messages(std::span<const model::Instrument> instruments) override;
  std::vector<std::string> unsubscribe_messages(std::span<const model::Instrument> instruments) override;
  std::optional<std::string> heartbeat_message() const override { return std::nullopt; }
  bool unsubscribe_on_standby() const override { return false; }
  core::Status close_status(const WsCloseInfo& info) override;

 private:
  MstockSession(MstockSessionConfig config, TokenProvider token, std::unique_ptr<live::FrameDecoder> decoder)
      : DecodingSession(std::move(decoder)), config_(std::move(config)), token_(std::move(token)) {}
  FrameOutcome on_event(const live::FrameEvent& event) override;
  std::vector<std::string> subscription(MstockAction action, std::span<const model::Instrument> instruments) const;

  MstockSessionConfig config_;
  TokenProvider token_;
  std::string current_token_;
};

}  // namespace nifty::feed::mstock
