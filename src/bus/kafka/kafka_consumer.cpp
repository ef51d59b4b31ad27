#include "bus/kafka/kafka_consumer.h"

#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <optional>
#include <thread>

#include "bus/kafka/kafka_client.h"
#include "core/metrics.h"

namespace nifty::bus {

using kafka_detail::log;

namespace {
constexpr size_t kRecentRejections = 64;
}

struct KafkaConsumer::Impl final : public RdKafka::RebalanceCb {
  KafkaConfig config;
  std::string group;
  RebalanceListener listener;
  std::vector<Topic> topics;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer;
  std::array<core::Counter*, std::size(kAllTopics)> rejected_counters{};
  std::atomic<uint64_t> rejected{0};
  core::RateLimitedLog reject_log;
  core::RateLimitedLog error_log;
  std::atomic<bool> closed{false};

  // Lag export: totals per subscribed topic (nullptr for the others), set up by create().
  std::array<core::Gauge*, std::size(kAllTopics)> lag_totals{};
  std::array<core::Gauge*, std::size(kAllTopics)> committed_lag_totals{};
  core::RateLimitedLog lag_log;
  std::thread lag_thread;
  std::condition_variable lag_cv;

  // The gauges of one assigned partition and what this member last added to the totals (totals
  // move by differences, so members of one group in one process share them correctly).
  struct LagSeries {
    core::Gauge* lag = nullptr;
    core::Gauge* committed_lag = nullptr;
    double lag_value = 0;
    double committed_lag_value = 0;
  };

  // What the lag thread read from the broker for one partition.
  struct Offsets {
    TopicPartition tp;
    int64_t low = 0;
    int64_t high = 0;
    int64_t committed = RdKafka::Topic::OFFSET_INVALID;
  };

  mutable std::mutex mu;  // guards the fields below
  std::vector<TopicPartition> assignment;
  uint64_t assignment_generation = 0;  // +1 on every assignment and revocation
  std::map<TopicPartition, int64_t> positions;
  std::deque<Rejection> rejections;
  std::map<TopicPartition, LagSeries> lag_series;
  bool lag_stop = false;

  ~Impl() override { stop_lag_thread(); }

  std::optional<Topic> topic_of(const std::string& full_name) const {
    std::string_view name = full_name;
    if (name.substr(0, config.topic_prefix.size()) != config.topic_prefix) return std::nullopt;
    return parse_topic(name.substr(config.topic_prefix.size()));
  }

  std::vector<TopicPartition> convert(const std::vector<RdKafka::TopicPartition*>& parts) const {
    std::vector<TopicPartition> out;
    for (const RdKafka::TopicPartition* p : parts) {
      if (auto t = topic_of(p->topic())) out.push_back({*t, p->partition()});
    }
    return out;
  }

  void rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& parts) override {
    std::vector<TopicPartition> tps = convert(parts);
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      RdKafka::ErrorCode e = c->assign(parts);
      if (e != RdKafka::ERR_NO_ERROR) {
        log().error("kafka assign failed", {{"group", group}, {"error", RdKafka::err2str(e)}});
      }
      {
        std::lock_guard lock(mu);
        assignment = tps;
        ++assignment_generation;
      }
      log().info("kafka partitions assigned", {{"group", group}, {"partitions", static_cast<int64_t>(tps.size())}});
      if (listener.on_assigned) listener.on_assigned(tps);
    } else {
      if (listener.on_revoked) listener.on_revoked(tps);
      c->unassign();
      {
        std::lock_guard lock(mu);
        assignment.clear();
        ++assignment_generation;
        for (const TopicPartition& tp : tps) positions.erase(tp);
        drop_lag_series(tps);
      }
      log().info("kafka partitions revoked", {{"group", group}, {"partitions", static_cast<int64_t>(tps.size())}});
    }
  }

  void reject(TopicPartition tp, int64_t offset, const std::string& full_topic, std::string error) {
    rejected.fetch_add(1, std::memory_order_relaxed);
    rejected_counters[static_cast<size_t>(tp.topic)]->inc();
    uint64_t suppressed = 0;
    if (reject_log.should_log(suppressed)) {
      log().warn("kafka message rejected", {{"topic", full_topic},
                                            {"partition", tp.partition},
                                            {"offset", offset},
                                            {"group", group},
                                            {"error", error},
                                            {"suppressed", suppressed}});
    }
    std::lock_guard lock(mu);
    rejections.push_back({tp, offset, std::move(error)});
    if (rejections.size() > kRecentRejections) rejections.pop_front();
  }

  // Sets the series of partitions this member no longer owns to 0 (the registry cannot remove a
  // series) and takes their share out of the totals. Called with `mu` held.
  void drop_lag_series(const std::vector<TopicPartition>& tps) {
    for (const TopicPartition& tp : tps) {
      auto it = lag_series.find(tp);
      if (it == lag_series.end()) continue;
      it->second.lag->set(0);
      it->second.committed_lag->set(0);
      lag_totals[static_cast<size_t>(tp.topic)]->dec(it->second.lag_value);
      committed_lag_totals[static_cast<size_t>(tp.topic)]->dec(it->second.committed_lag_value);
      lag_series.erase(it);
    }
  }

  void drop_all_lag_series() {
    std::lock_guard lock(mu);
    std::vector<TopicPartition> all;
    for (const auto& [tp, series] : lag_series) all.push_back(tp);
    drop_lag_series(all);
  }

  // Publishes one partition's lag. Called with `mu` held.
  void publish_lag(TopicPartition tp, double lag, double committed_lag) {
    auto [it, inserted] = lag_series.try_emplace(tp);
    LagSeries& series = it->second;
    if (inserted) {
      auto& registry = core::MetricsRegistry::global();
      core::MetricLabels labels = {
          {"topic", std::string(topic_name(tp.topic))}, {"partition", std::to_string(tp.partition)}, {"group", group}};
      series.lag = &registry.gauge("kafka_consumer_lag",
                                   "Messages of an assigned partition this member has not read yet "
                                   "(end offset - read position)",
                                   labels);
      series.committed_lag = &registry.gauge("kafka_consumer_committed_lag",
                                             "Messages of an assigned partition after the group's committed offset "
                                             "(end offset - committed offset): what a restart reads again",
                                             labels);
    }
    series.lag->set(lag);
    series.committed_lag->set(committed_lag);
    lag_totals[static_cast<size_t>(tp.topic)]->inc(lag - series.lag_value);
    committed_lag_totals[static_cast<size_t>(tp.topic)]->inc(committed_lag - series.committed_lag_value);
    series.lag_value = lag;
    series.committed_lag_value = committed_lag;
  }

  void warn_lag(const std::string& what, const std::string& error) {
    uint64_t suppressed = 0;
    if (lag_log.should_log(suppressed)) {
      log().warn("kafka consumer lag not updated",
                 {{"group", group}, {"what", what}, {"error", error}, {"suppressed", suppressed}});
    }
  }

  // Asks the broker for the end offsets and the group's committed offsets of `parts`; partitions
  // whose end offset could not be read are left out (their gauges keep the previous value).
  std::vector<Offsets> read_offsets(const std::vector<TopicPartition>& parts, int timeout_ms) {
    std::vector<RdKafka::TopicPartition*> query;
    for (const TopicPartition& tp : parts) {
      query.push_back(RdKafka::TopicPartition::create(config.full_topic_name(topic_name(tp.topic)), tp.partition));
    }
    RdKafka::ErrorCode code = consumer->committed(query, timeout_ms);
    if (code != RdKafka::ERR_NO_ERROR) warn_lag("committed offsets", RdKafka::err2str(code));
    std::vector<Offsets> out;
    for (size_t i = 0; i < parts.size(); ++i) {
      Offsets o;
      o.tp = parts[i];
      if (code == RdKafka::ERR_NO_ERROR && query[i]->err() == RdKafka::ERR_NO_ERROR) o.committed = query[i]->offset();
      RdKafka::ErrorCode wm = consumer->query_watermark_offsets(query[i]->topic(), parts[i].partition, &o.low,
                                                                 &o.high, timeout_ms);
      if (wm == RdKafka::ERR_NO_ERROR) {
        out.push_back(o);
      } else {
        warn_lag("end offset of " + query[i]->topic() + "/" + std::to_string(parts[i].partition), RdKafka::err2str(wm));
      }
    }
    for (RdKafka::TopicPartition* p : query) delete p;
    return out;
  }

  // Every lag_interval_ms: end offsets and committed offsets of the assigned partitions from the
  // broker, then the gauges; a reading that straddles a rebalance is thrown away.
  void lag_loop() {
    const auto interval = std::chrono::milliseconds(config.lag_interval_ms);
    const int timeout_ms = std::clamp(config.lag_interval_ms, 100, 2000);
    std::unique_lock lock(mu);
    while (!lag_stop) {
      lag_cv.wait_for(lock, interval, [this] { return lag_stop; });
      if (lag_stop) break;
      std::vector<TopicPartition> parts = assignment;
      const uint64_t generation = assignment_generation;
      if (parts.empty()) continue;
      lock.unlock();
      std::vector<Offsets> offsets = read_offsets(parts, timeout_ms);
      lock.lock();
      if (lag_stop || generation != assignment_generation) continue;
      for (const Offsets& o : offsets) {
        // Where reading starts without a committed offset: auto_offset_reset.
        const int64_t reset_point = config.auto_offset_reset == "latest" ? o.high : o.low;
        const int64_t committed = o.committed >= 0 ? o.committed : reset_point;
        auto pos = positions.find(o.tp);
        const int64_t read = pos != positions.end() ? pos->second : committed;
        publish_lag(o.tp, static_cast<double>(std::max<int64_t>(o.high - read, 0)),
                    static_cast<double>(std::max<int64_t>(o.high - committed, 0)));
      }
    }
  }

  void start_lag_thread() {
    if (config.lag_interval_ms <= 0) return;
    lag_thread = std::thread([this] { lag_loop(); });
  }

  void stop_lag_thread() {
    {
      std::lock_guard lock(mu);
      lag_stop = true;
    }
    lag_cv.notify_all();
    if (lag_thread.joinable()) lag_thread.join();
  }

  // Handles one consumed record: appends it to `out` or rejects it.
  void take(const RdKafka::Message& msg, std::vector<ConsumedMessage>& out) {
    std::optional<Topic> topic = topic_of(msg.topic_name());
    if (!topic) return;  // not ours (cannot happen: we subscribe to our topics only)
    TopicPartition tp{*topic, msg.partition()};
    {
      std::lock_guard lock(mu);
      positions[tp] = msg.offset() + 1;
    }
    if (msg.payload() == nullptr || msg.len() == 0) {
      reject(tp, msg.offset(), msg.topic_name(), "empty message");
      return;
    }
    std::string_view json(static_cast<const char*>(msg.payload()), msg.len());
    core::Result<Message> decoded = kafka_detail::decode_message(*topic, json);
    if (!decoded.is_ok()) {
      reject(tp, msg.offset(), msg.topic_name(), decoded.status().to_string());
      return;
    }
    out.push_back({tp, msg.offset(), std::move(decoded).value()});
  }
};

KafkaConsumer::KafkaConsumer(std::string group, std::unique_ptr<Impl> impl)
    : group_(std::move(group)), impl_(std::move(impl)) {}

KafkaConsumer::~KafkaConsumer() { close(); }

core::Result<std::unique_ptr<KafkaConsumer>> KafkaConsumer::create(const KafkaConfig& config, std::string group,
                                                                   std::vector<Topic> topics,
                                                                   RebalanceListener listener) {
  if (group.empty()) return core::error(core::ErrorCode::kInvalidArgument, "kafka consumer: empty group name");
  if (topics.empty()) return core::error(core::ErrorCode::kInvalidArgument, "kafka consumer: no topics");
  KafkaFeatures features = config.features();
  NIFTY_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Conf> conf,
                         kafka_detail::make_conf(config, features, kafka_detail::Role::kConsumer, group));
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->group = group;
  impl->listener = std::move(listener);
  impl->topics = topics;
  std::string err;
  if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(impl.get()), err) != RdKafka::Conf::CONF_OK) {
    return core::error(core::ErrorCode::kInternal, "kafka consumer: cannot set the rebalance callback: " + err);
  }
  impl->consumer.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!impl->consumer) {
    return core::error(core::ErrorCode::kConfigError, "kafka consumer for group " + group + ": " + err);
  }
  auto& registry = core::MetricsRegistry::global();
  for (Topic t : kAllTopics) {
    impl->rejected_counters[static_cast<size_t>(t)] = &registry.counter(
        "bus_kafka_messages_rejected_total", "Kafka messages skipped because they could not be decoded",
        {{"topic", std::string(topic_name(t))}, {"group", group}});
  }
  for (Topic t : topics) {
    core::MetricLabels labels = {{"topic", std::string(topic_name(t))}, {"group", group}};
    impl->lag_totals[static_cast<size_t>(t)] = &registry.gauge(
        "kafka_consumer_lag_total", "Sum of kafka_consumer_lag over the partitions of a topic this process owns",
        labels);
    impl->committed_lag_totals[static_cast<size_t>(t)] = &registry.gauge(
        "kafka_consumer_committed_lag_total",
        "Sum of kafka_consumer_committed_lag over the partitions of a topic this process owns", labels);
  }
  // From here on, a failure must close the consumer before it is destroyed.
  auto fail = [&impl](core::Status s) {
    impl->consumer->close();
    return s;
  };
  core::Status s = kafka_detail::wait_for_broker(*impl->consumer, config);
  if (!s.is_ok()) return fail(std::move(s));
  std::vector<std::string> names;
  for (Topic t : topics) names.push_back(config.full_topic_name(topic_name(t)));
  if (config.create_topics) {
    s = kafka_detail::ensure_topics(*impl->consumer, config, features, names);
    if (!s.is_ok()) return fail(std::move(s));
  }
  RdKafka::ErrorCode code = impl->consumer->subscribe(names);
  if (code != RdKafka::ERR_NO_ERROR) {
    return fail(core::error(core::ErrorCode::kUnavailable,
                            "kafka consumer: subscribing group " + group + " failed: " + RdKafka::err2str(code)));
  }
  impl->start_lag_thread();
  return std::unique_ptr<KafkaConsumer>(new KafkaConsumer(std::move(group), std::move(impl)));
}

core::Status KafkaConsumer::poll(std::vector<ConsumedMessage>& out, size_t max_messages,
                                 std::chrono::milliseconds timeout) {
  if (impl_->closed) return core::error(core::ErrorCode::kCancelled, "kafka consumer " + group_ + " is closed");
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  size_t taken = 0;
  const size_t start = out.size();
  while (taken < max_messages) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    int wait_ms = out.size() > start ? 0 : static_cast<int>(std::max<int64_t>(remaining, 0));
    std::unique_ptr<RdKafka::Message> msg(impl_->consumer->consume(wait_ms));
    switch (msg->err()) {
      case RdKafka::ERR_NO_ERROR:
        ++taken;
        impl_->take(*msg, out);
        continue;
      case RdKafka::ERR__TIMED_OUT:
      case RdKafka::ERR__PARTITION_EOF:
        if (out.size() > start || Clock::now() >= deadline) return core::Status::ok();
        continue;
      default: {
        uint64_t suppressed = 0;
        if (impl_->error_log.should_log(suppressed)) {
          log().warn("kafka consumer error", {{"group", group_},
                                              {"topic", msg->topic_name()},
                                              {"error", msg->errstr()},
                                              {"suppressed", suppressed}});
        }
        if (msg->err() == RdKafka::ERR__FATAL) {
          return core::error(core::ErrorCode::kUnavailable,
                             "kafka consumer " + group_ + ": fatal error: " + msg->errstr());
        }
        if (out.size() > start || Clock::now() >= deadline) return core::Status::ok();
        continue;
      }
    }
  }
  return core::Status::ok();
}

core::Status KafkaConsumer::commit(const std::vector<PartitionOffset>& offsets) {
  if (impl_->closed) return core::error(core::ErrorCode::kCancelled, "kafka consumer " + group_ + " is closed");
  if (offsets.empty()) return core::Status::ok();
  std::vector<RdKafka::TopicPartition*> parts;
  for (const PartitionOffset& po : offsets) {
    if (po.offset < 0) {
      for (auto* p : parts) delete p;
      return core::error(core::ErrorCode::kInvalidArgument,
                         "kafka commit: negative offset " + std::to_string(po.offset) + " for " +
                             std::string(topic_name(po.tp.topic)) + "/" + std::to_string(po.tp.partition));
    }
    parts.push_back(RdKafka::TopicPartition::create(impl_->config.full_topic_name(topic_name(po.tp.topic)),
                                                    po.tp.partition, po.offset));
  }
  RdKafka::ErrorCode code = impl_->consumer->commitSync(parts);
  core::Status status;
  if (code != RdKafka::ERR_NO_ERROR) {
    status = core::error(core::ErrorCode::kUnavailable,
                         "kafka commit for group " + group_ + " failed: " + RdKafka::err2str(code));
  }
  for (RdKafka::TopicPartition* p : parts) {
    if (status.is_ok() && p->err() != RdKafka::ERR_NO_ERROR) {
      status = core::error(core::ErrorCode::kUnavailable, "kafka commit of " + p->topic() + "/" +
                                                              std::to_string(p->partition()) + " for group " +
                                                              group_ + " failed: " + RdKafka::err2str(p->err()));
    }
    delete p;
  }
  return status;
}

core::Status KafkaConsumer::commit_all() {
  std::vector<PartitionOffset> offsets;
  {
    std::lock_guard lock(impl_->mu);
    for (const TopicPartition& tp : impl_->assignment) {
      auto it = impl_->positions.find(tp);
      if (it != impl_->positions.end()) offsets.push_back({tp, it->second});
    }
  }
  return commit(offsets);
}

core::Result<int64_t> KafkaConsumer::committed(TopicPartition tp, std::chrono::milliseconds timeout) {
  if (impl_->closed) return core::error(core::ErrorCode::kCancelled, "kafka consumer " + group_ + " is closed");
  std::vector<RdKafka::TopicPartition*> parts = {
      RdKafka::TopicPartition::create(impl_->config.full_topic_name(topic_name(tp.topic)), tp.partition)};
  RdKafka::ErrorCode code = impl_->consumer->committed(parts, static_cast<int>(timeout.count()));
  int64_t offset = parts[0]->offset();
  RdKafka::ErrorCode perr = parts[0]->err();
  delete parts[0];
  if (code != RdKafka::ERR_NO_ERROR || perr != RdKafka::ERR_NO_ERROR) {
    return core::error(core::ErrorCode::kUnavailable,
                       "kafka: reading the committed offset of group " + group_ + " failed: " +
                           RdKafka::err2str(code != RdKafka::ERR_NO_ERROR ? code : perr));
  }
  return offset;
}

core::Result<int64_t> KafkaConsumer::end_offset(TopicPartition tp, std::chrono::milliseconds timeout) {
  if (impl_->closed) return core::error(core::ErrorCode::kCancelled, "kafka consumer " + group_ + " is closed");
  int64_t low = 0;
  int64_t high = 0;
  RdKafka::ErrorCode code = impl_->consumer->query_watermark_offsets(
      impl_->config.full_topic_name(topic_name(tp.topic)), tp.partition, &low, &high,
      static_cast<int>(timeout.count()));
  if (code != RdKafka::ERR_NO_ERROR) {
    return core::error(core::ErrorCode::kUnavailable, "kafka: reading the end offset of " +
                                                          std::string(topic_name(tp.topic)) + "/" +
                                                          std::to_string(tp.partition) + " failed: " +
                                                          RdKafka::err2str(code));
  }
  return high;
}

int64_t KafkaConsumer::position(TopicPartition tp) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->positions.find(tp);
  return it == impl_->positions.end() ? -1 : it->second;
}

std::vector<TopicPartition> KafkaConsumer::assignment() const {
  std::lock_guard lock(impl_->mu);
  return impl_->assignment;
}

uint64_t KafkaConsumer::rejected() const { return impl_->rejected.load(std::memory_order_relaxed); }

std::vector<Rejection> KafkaConsumer::recent_rejections() const {
  std::lock_guard lock(impl_->mu);
  return {impl_->rejections.begin(), impl_->rejections.end()};
}

void KafkaConsumer::close() {
  if (!impl_ || impl_->closed.exchange(true)) return;
  impl_->stop_lag_thread();  // before the handle it uses goes
  impl_->consumer->close();
  impl_->drop_all_lag_series();  // a member that left owns nothing
}

}  // namespace nifty::bus
