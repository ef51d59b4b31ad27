#include "feed/recording/recording_tap.h"

#include "core/log.h"

namespace nifty::feed::recording {

void RecordingTap::on_connection_start() {
  core::Status s = recorder_.append(RecordKind::kOpen, core::Timestamp::now(), std::string_view());
  if (!s) {
    std::lock_guard lock(mu_);
    if (error_.is_ok()) error_ = s;
  }
  inner_.on_connection_start();
}

FrameOutcome RecordingTap::on_frame(std::string_view payload, bool binary, core::Timestamp received,
                                    std::vector<model::Tick>& ticks) {
  core::Status s = recorder_.append(binary ? RecordKind::kBinary : RecordKind::kText, received, payload);
  if (s) {
    frames_.fetch_add(1, std::memory_order_relaxed);
  } else {
    std::lock_guard lock(mu_);
    if (error_.is_ok()) {
      error_ = s;
      core::Logger::get("feed").error("recording failed; frames are no longer saved", {{"error", s.to_string()}});
    }
  }
  return inner_.on_frame(payload, binary, received, ticks);
}

core::Status RecordingTap::error() const {
  std::lock_guard lock(mu_);
  return error_;
}

}  // namespace nifty::feed::recording
