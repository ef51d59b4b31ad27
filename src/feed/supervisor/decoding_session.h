// DecodingSession: the part every broker session shares — frames decoded by the broker's
// live::FrameDecoder (the same decoder the recording replay uses), events mapped to what they mean
// for the supervisor, credentials from a TokenProvider, and URL query building. Each broker session
// (kite/kite_session.h, flattrade/noren_session.h, mstock/mstock_session.h) derives from it.
//
// Threading: as BrokerSession.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "feed/live/frame_decoder.h"
#include "feed/supervisor/broker_session.h"

namespace nifty::feed {

// The current access token of a broker (from the token store written by `nifty login`).
// kUnauthenticated when there is none or it has expired, with what to run.
using TokenProvider = std::function<core::Result<std::string>()>;

// `base` plus "?k=v&k2=v2" (or "&..." when base has a query), values percent-encoded.
std::string with_query(std::string base, const std::vector<std::pair<std::string, std::string>>& params);

class DecodingSession : public BrokerSession {
 public:
  FrameOutcome on_frame(std::string_view payload, bool binary, core::Timestamp received,
                        std::vector<model::Tick>& ticks) override;
  void on_connection_start() override;
  const live::FrameDecoder& decoder() const { return *decoder_; }

 protected:
  explicit DecodingSession(std::unique_ptr<live::FrameDecoder> decoder);
  // What one decoded event means (order updates are logged; errors counted).
  virtual FrameOutcome on_event(const live::FrameEvent& event) = 0;
  bool logged_in() const { return logged_in_; }

 private:
  std::unique_ptr<live::FrameDecoder> decoder_;
  std::vector<live::FrameEvent> events_;
  bool logged_in_ = false;
};

}  // namespace nifty::feed
