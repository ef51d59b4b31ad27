#include "feed/supervisor/live_feed.h"

#include <utility>

#include "core/log.h"

namespace nifty::feed {
namespace {

using Clock = std::chrono::steady_clock;

core::Logger& log() { return core::Logger::get("feed"); }

std::string join_vendors(const std::vector<BrokerSession*>& sessions) {
  std::string name;
  for (const BrokerSession* s : sessions) {
    if (!name.empty()) name += '+';
    name += s->vendor();
  }
  return name.empty() ? "live" : name;
}

std::vector<std::string> vendors_of(const std::vector<BrokerSession*>& sessions) {
  std::vector<std::string> vendors;
  for (const BrokerSession* s : sessions) vendors.emplace_back(s->vendor());
  return vendors;
}

}  // namespace

LiveFeed::LiveFeed(std::vector<BrokerSession*> sessions, WsConnector& connector,
                   std::vector<model::Instrument> instruments, LiveFeedConfig config, const core::Clock& clock,
                   const core::NseCalendar& calendar)
    : name_(join_vendors(sessions)),
      sessions_(std::move(sessions)),
      connector_(connector),
      instruments_(std::move(instruments)),
      config_(config),
      clock_(clock),
      calendar_(calendar),
      dedup_(vendors_of(sessions_), instruments_.size()) {
  accepted_.reserve(512);
  unhealthy_since_.assign(sessions_.size(), Clock::time_point{});
  healthy_since_.assign(sessions_.size(), Clock::time_point{});
  for (size_t i = 0; i < sessions_.size(); ++i) {
    links_.push_back(std::make_unique<BrokerLink>(i, *sessions_[i], connector_, instruments_, config_.link, static_cast<LinkTickSink&>(*this),
                                                  clock_, calendar_));
  }
}

LiveFeed::~LiveFeed() {
  for (auto& link : links_) link->stop();
}

bool LiveFeed::healthy(const BrokerLink::Snapshot& s) const { return s.state == LinkState::kUp && s.subscribed; }

void LiveFeed::on_link_ticks(size_t link_index, std::span<const model::Tick> ticks) {
  std::lock_guard lock(sink_mu_);
  if (sink_ == nullptr || sink_refused_) return;
  accepted_.clear();
  for (const model::Tick& t : ticks) {
    if (!dedup_.accept(link_index, t)) {
      ++ticks_duplicate_;
      continue;
    }
    accepted_.push_back(t);
    accepted_.back().sequence = ++sequence_;
  }
  if (accepted_.empty()) return;
  ticks_out_ += accepted_.size();
  if (!sink_->on_ticks(accepted_)) {
    sink_refused_ = true;
    std::lock_guard state_lock(state_mu_);
    changed_ = true;
    wake_.notify_all();
  }
}

void LiveFeed::on_link_changed(size_t /*link_index*/) {
  std::lock_guard lock(state_mu_);
  changed_ = true;
  wake_.notify_all();
}

void LiveFeed::evaluate(Clock::time_point now) {
  std::vector<BrokerLink::Snapshot> snaps;
  snaps.reserve(links_.size());
  for (auto& link : links_) snaps.push_back(link->snapshot());
  for (size_t i = 0; i < snaps.size(); ++i) {
    if (healthy(snaps[i])) {
      if (healthy_since_[i] == Clock::time_point{}) healthy_since_[i] = now;
      unhealthy_since_[i] = Clock::time_point{};
    } else {
      if (unhealthy_since_[i] == Clock::time_point{}) unhealthy_since_[i] = now;
      healthy_since_[i] = Clock::time_point{};
    }
  }

  std::lock_guard lock(state_mu_);
  // Failback: a higher-priority link up, subscribed and ticking for failback_after.
  for (size_t i = 0; i < serving_; ++i) {
    const auto& s = snaps[i];
    bool ticking = s.last_tick > s.subscribed_since;
    if (healthy(s) && ticking && now - healthy_since_[i] >= config_.failback_after) {
      log().info("failing back", {{"from", links_[serving_]->vendor()}, {"to", links_[i]->vendor()}});
      core::MetricsRegistry::global()
          .counter("feed_failovers_total", "Changes of the serving broker",
                   {{"from", std::string(links_[serving_]->vendor())}, {"to", std::string(links_[i]->vendor())}})
          .inc();
      for (size_t j = i + 1; j <= serving_; ++j) links_[j]->set_active(false);
      serving_ = i;
      ++failbacks_;
      return;
    }
  }
  // Failover: the serving link down for failover_after, or failed for good.
  const auto& cur = snaps[serving_];
  bool dead = cur.state == LinkState::kAuthFailed || cur.state == LinkState::kGaveUp;
  if (!healthy(cur) && (dead || now - unhealthy_since_[serving_] >= config_.failover_after)) {
    for (size_t j = serving_ + 1; j < links_.size(); ++j) {
      if (snaps[j].state == LinkState::kAuthFailed || snaps[j].state == LinkState::kGaveUp) continue;
      log().warn("failing over", {{"from", links_[serving_]->vendor()}, {"to", links_[j]->vendor()},
                                  {"reason", cur.last_error.to_string()}});
      core::MetricsRegistry::global()
          .counter("feed_failovers_total", "Changes of the serving broker",
                   {{"from", std::string(links_[serving_]->vendor())}, {"to", std::string(links_[j]->vendor())}})
          .inc();
      links_[j]->set_active(true);
      serving_ = j;
      ++failovers_;
      unhealthy_since_[j] = now;
      return;
    }
  }
}

core::Status LiveFeed::run(FeedSink& sink, std::stop_token stop) {
  if (sessions_.empty()) return core::error(core::ErrorCode::kConfigError, "live feed: no broker configured");
  {
    std::lock_guard lock(sink_mu_);
    sink_ = &sink;
    sink_refused_ = false;
  }
  serving_ = 0;
  links_[0]->set_active(true);
  for (auto& link : links_) link->start();

  std::stop_callback wake_on_stop(stop, [this] {
    std::lock_guard lock(state_mu_);
    changed_ = true;
    wake_.notify_all();
  });

  core::Status result;
  auto next_clock = Clock::now();
  while (true) {
    {
      std::unique_lock lock(state_mu_);
      wake_.wait_until(lock, next_clock, [&] { return changed_ || stop.stop_requested(); });
      changed_ = false;
    }
    if (stop.stop_requested()) break;
    {
      std::lock_guard lock(sink_mu_);
      if (sink_refused_) break;
    }
    auto now = Clock::now();
    evaluate(now);
    bool all_dead = true;
    for (auto& link : links_) all_dead = all_dead && link->terminal();
    if (all_dead) {
      std::string why;
      for (auto& link : links_) {
        if (!why.empty()) why += "; ";
        why += link->snapshot().last_error.message();
      }
      result = core::error(core::ErrorCode::kUnavailable, "every broker failed: " + why);
      for (auto& link : links_) {
        if (link->snapshot().last_error.code() == core::ErrorCode::kUnauthenticated) {
          result = core::error(core::ErrorCode::kUnauthenticated, "every broker failed: " + why);
        }
      }
      break;
    }
    if (now >= next_clock) {
      std::lock_guard lock(sink_mu_);
      if (!sink_refused_ && !sink_->on_clock(clock_.now())) sink_refused_ = true;
      next_clock = now + config_.clock_interval;
    }
  }
  for (auto& link : links_) link->stop();
  std::lock_guard lock(sink_mu_);
  sink_ = nullptr;
  return result;
}

LiveFeed::Snapshot LiveFeed::snapshot() const {
  Snapshot s;
  {
    std::lock_guard lock(state_mu_);
    s.serving = serving_;
    s.failovers = failovers_;
    s.failbacks = failbacks_;
  }
  {
    std::lock_guard lock(sink_mu_);
    s.ticks_out = ticks_out_;
    s.ticks_duplicate = ticks_duplicate_;
  }
  for (size_t i = 0; i < links_.size(); ++i) s.links.push_back({std::string(links_[i]->vendor()), links_[i]->snapshot()});
  return s;
}

}  // namespace nifty::feed
