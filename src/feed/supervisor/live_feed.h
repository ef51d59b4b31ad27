// LiveFeed: the Feed of live broker ticks, with failover. It runs one BrokerLink per configured
// broker, in priority order (the first is the primary), all for the same instruments:
//
// - the primary is active from the start;
// - failover: when the serving link has not been up and subscribed for failover_after (or has
//   failed for good: credentials refused, attempts exhausted), the next broker is activated; the
//   links above it stay active and keep reconnecting with their own backoff;
// - failback: when a higher-priority link has been up and ticking for failback_after, the links
//   below it go to standby (closed, or unsubscribed and kept open when the broker wants that);
// - while two links overlap, every tick passes the de-duplicator, so no tick reaches the sink twice;
// - the run ends with an error only when every link has failed for good; the error says why for each
//   (e.g. "kite: token expired: run nifty login kite").
//
// Ticks go to the FeedSink on the connection threads, one link at a time (a mutex), with the feed's
// own sequence numbers; on_clock() is called every clock_interval from run()'s thread so candles of
// quiet symbols close on time.
//
// Metrics: feed_failovers_total{from,to}, feed_active_link{vendor} (gauge 0/1).
//
// Threading: run() once, on one thread; snapshot() from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/nse_calendar.h"
#include "feed/feed.h"
#include "feed/live/tick_dedup.h"
#include "feed/supervisor/broker_link.h"
#include "feed/supervisor/broker_session.h"
#include "feed/supervisor/ws_transport.h"

namespace nifty::feed {

struct LiveFeedConfig {
  LinkConfig link;
  std::chrono::milliseconds failover_after{5'000};
  std::chrono::milliseconds failback_after{30'000};
  std::chrono::milliseconds clock_interval{250};
};

class LiveFeed final : public Feed, private LinkTickSink {
 public:
  struct LinkView {
    std::string vendor;
    BrokerLink::Snapshot link;
  };
  struct Snapshot {
    size_t serving = 0;  // index of the lowest-priority active link
    uint64_t failovers = 0;
    uint64_t failbacks = 0;
    uint64_t ticks_out = 0;          // handed to the sink
    uint64_t ticks_duplicate = 0;    // dropped by the de-duplicator
    std::vector<LinkView> links;
  };

  // `sessions` in priority order; each must outlive the feed.
  LiveFeed(std::vector<BrokerSession*> sessions, WsConnector& connector, std::vector<model::Instrument> instruments,
           LiveFeedConfig config, const core::Clock& clock, const core::NseCalendar& calendar);
  ~LiveFeed() override;

  std::string_view name() const override { return name_; }
  core::Status run(FeedSink& sink, std::stop_token stop) override;
  Snapshot snapshot() const;

 private:
  void on_link_ticks(size_t link_index, std::span<const model::Tick> ticks) override;
  void on_link_changed(size_t link_index) override;
  // One pass of the failover / failback policy (run()'s thread).
  void evaluate(std::chrono::steady_clock::time_point now);
  bool healthy(const BrokerLink::Snapshot& s) const;

  std::string name_;
  std::vector<BrokerSession*> sessions_;
  WsConnector& connector_;
  std::vector<model::Instrument> instruments_;
  LiveFeedConfig config_;
  const core::Clock& clock_;
  const core::NseCalendar& calendar_;
  std::vector<std::unique_ptr<BrokerLink>> links_;

  // Policy state (run()'s thread), published under state_mu_ for snapshot().
  mutable std::mutex state_mu_;
  std::condition_variable wake_;
  bool changed_ = false;
  size_t serving_ = 0;
  std::vector<std::chrono::steady_clock::time_point> unhealthy_since_;
  std::vector<std::chrono::steady_clock::time_point> healthy_since_;
  uint64_t failovers_ = 0;
  uint64_t failbacks_ = 0;

  // The sink side: one link at a time.
  mutable std::mutex sink_mu_;
  FeedSink* sink_ = nullptr;
  bool sink_refused_ = false;
  live::TickDedup dedup_;
  std::vector<model::Tick> accepted_;
  uint64_t sequence_ = 0;
  uint64_t ticks_out_ = 0;
  uint64_t ticks_duplicate_ = 0;
};

}  // namespace nifty::feed
