// RecordingTap: a BrokerSession decorator for `nifty record`. Every frame the broker sends is
// appended to a FrameRecorder (with its receive time) before the wrapped session decodes it, and
// each new connection is marked with an "open" record, so `nifty replay FILE` reproduces the live
// session exactly. Only received frames are recorded, never what we send (it carries tokens).
//
// Threading: as BrokerSession; the recorder's append is thread-safe.
#pragma once

#include <atomic>
#include <memory>

#include "feed/recording/frame_recorder.h"
#include "feed/supervisor/broker_session.h"

namespace nifty::feed::recording {

class RecordingTap final : public BrokerSession {
 public:
  RecordingTap(BrokerSession& inner, FrameRecorder& recorder) : inner_(inner), recorder_(recorder) {}

  std::string_view vendor() const override { return inner_.vendor(); }
  core::Result<WsEndpoint> endpoint() override { return inner_.endpoint(); }
  void on_connection_start() override;
  std::vector<std::string> login_messages() override { return inner_.login_messages(); }
  bool waits_for_login() const override { return inner_.waits_for_login(); }
  std::vector<std::string> subscribe_messages(std::span<const model::Instrument> i) override {
    return inner_.subscribe_messages(i);
  }
  std::vector<std::string> unsubscribe_messages(std::span<const model::Instrument> i) override {
    return inner_.unsubscribe_messages(i);
  }
  std::optional<std::string> heartbeat_message() const override { return inner_.heartbeat_message(); }
  std::chrono::milliseconds heartbeat_interval() const override { return inner_.heartbeat_interval(); }
  bool unsubscribe_on_standby() const override { return inner_.unsubscribe_on_standby(); }
  FrameOutcome on_frame(std::string_view payload, bool binary, core::Timestamp received,
                        std::vector<model::Tick>& ticks) override;
  core::Status close_status(const WsCloseInfo& info) override { return inner_.close_status(info); }

  uint64_t frames_recorded() const { return frames_.load(std::memory_order_relaxed); }
  // The first append error (the recorder refuses further appends after one); ok when none.
  core::Status error() const;

 private:
  BrokerSession& inner_;
  FrameRecorder& recorder_;
  std::atomic<uint64_t> frames_{0};
  mutable std::mutex mu_;
  core::Status error_;
};

}  // namespace nifty::feed::recording
