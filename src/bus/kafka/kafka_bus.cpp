#include "bus/kafka/kafka_bus.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <array>
#include <map>

#include "bus/kafka/kafka_client.h"
#include "core/metrics.h"

namespace nifty::bus {

using kafka_detail::log;
using Clock = std::chrono::steady_clock;

struct KafkaBus::Producer final : public RdKafka::DeliveryReportCb {
  std::unique_ptr<RdKafka::Producer> handle;
  std::array<std::unique_ptr<RdKafka::Topic>, std::size(kAllTopics)> topics;
  std::array<core::Counter*, std::size(kAllTopics)> published{};
  std::function<void(std::string, std::string, std::string)> on_failure;
  std::thread poller;
  std::atomic<bool> stop{false};

  void dr_cb(RdKafka::Message& m) override {
    if (m.err() == RdKafka::ERR_NO_ERROR || !on_failure) return;
    std::string key = m.key() != nullptr ? *m.key() : std::string();
    on_failure(m.topic_name(), std::move(key), RdKafka::err2str(m.err()));
  }
};

struct KafkaBus::Subscription {
  Topic topic = Topic::kRawTicks;
  std::string name;
  Handler handler;
  std::unique_ptr<KafkaConsumer> consumer;
  std::thread thread;
  std::atomic<bool> stop{false};
  std::atomic<bool> assigned_once{false};
  std::mutex mu;
  std::map<int32_t, int64_t> handled;  // partition -> offset after the last handled message

  void run() {
    std::vector<ConsumedMessage> batch;
    batch.reserve(256);
    core::RateLimitedLog error_log;
    while (!stop.load()) {
      batch.clear();
      core::Status s = consumer->poll(batch, 256, std::chrono::milliseconds(100));
      if (!s.is_ok()) {
        if (s.code() == core::ErrorCode::kCancelled) return;
        uint64_t suppressed = 0;
        if (error_log.should_log(suppressed)) {
          log().error("kafka subscriber poll failed", {{"subscriber", name}, {"error", s.to_string()}});
        }
        continue;
      }
      for (const ConsumedMessage& m : batch) handler(m.message);
      std::map<int32_t, int64_t> now;
      for (const TopicPartition& tp : consumer->assignment()) {
        int64_t pos = consumer->position(tp);
        if (pos >= 0) now[tp.partition] = pos;
      }
      bool moved;
      {
        std::lock_guard lock(mu);
        moved = now != handled;
      }
      if (moved) {
        core::Status c = consumer->commit_all();
        if (!c.is_ok()) {
          uint64_t suppressed = 0;
          if (error_log.should_log(suppressed)) {
            log().warn("kafka subscriber commit failed", {{"subscriber", name}, {"error", c.to_string()}});
          }
        }
        std::lock_guard lock(mu);
        handled = std::move(now);
      }
    }
  }

  // True when every assigned partition was handled up to its end offset in `ends` (queried once per
  // drain: a query waits behind the member's long-poll fetch on the same broker connection).
  bool caught_up(std::map<int32_t, int64_t>& ends, std::chrono::milliseconds timeout) {
    if (!assigned_once.load()) return false;
    for (const TopicPartition& tp : consumer->assignment()) {
      auto end_it = ends.find(tp.partition);
      if (end_it == ends.end()) {
        core::Result<int64_t> end = consumer->end_offset(tp, timeout);
        if (!end.is_ok()) return false;
        end_it = ends.emplace(tp.partition, *end).first;
      }
      const int64_t end = end_it->second;
      int64_t done = -1;
      {
        std::lock_guard lock(mu);
        auto it = handled.find(tp.partition);
        if (it != handled.end()) done = it->second;
      }
      if (done < 0) {
        // Nothing read from it by this member: done when the group committed its end before, or
        // when it was always empty.
        core::Result<int64_t> committed = consumer->committed(tp, timeout);
        if (committed.is_ok() && *committed >= 0) done = *committed;
        else if (end == 0) continue;
      }
      if (done < end) return false;
    }
    return true;
  }
};

KafkaBus::KafkaBus(KafkaConfig config, std::unique_ptr<Producer> producer)
    : config_(std::move(config)), features_(config_.features()), producer_(std::move(producer)) {
  producer_->on_failure = [this](std::string topic, std::string key, std::string error) {
    on_delivery_failure(std::move(topic), std::move(key), std::move(error));
  };
  Producer* p = producer_.get();
  producer_->poller = std::thread([p] {
    while (!p->stop.load()) p->handle->poll(100);
  });
}

KafkaBus::~KafkaBus() { close(); }

core::Result<std::unique_ptr<KafkaBus>> KafkaBus::create(const KafkaConfig& config) {
  KafkaFeatures features = config.features();
  NIFTY_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Conf> conf,
                         kafka_detail::make_conf(config, features, kafka_detail::Role::kProducer, ""));
  auto producer = std::make_unique<Producer>();
  std::string err;
  if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(producer.get()), err) != RdKafka::Conf::CONF_OK) {
    return core::error(core::ErrorCode::kInternal, "kafka producer: cannot set the delivery callback: " + err);
  }
  producer->handle.reset(RdKafka::Producer::create(conf.get(), err));
  if (!producer->handle) return core::error(core::ErrorCode::kConfigError, "kafka producer: " + err);
  NIFTY_RETURN_IF_ERROR(kafka_detail::wait_for_broker(*producer->handle, config));

  if (config.idempotence && !features.idempotence) {
    kafka_detail::log_degraded_once(
        "idempotence", "the broker (" + features.broker_version +
                           ") has no idempotent producer (0.11+): retries may duplicate messages; acks=" +
                           config.acks);
  }
  if (!features.headers) {
    kafka_detail::log_degraded_once("headers", "the broker (" + features.broker_version +
                                                   ") has no record headers (0.11+): source and version "
                                                   "headers are not sent");
  }
  std::vector<std::string> names;
  auto& registry = core::MetricsRegistry::global();
  for (Topic t : kAllTopics) {
    std::string name = config.full_topic_name(topic_name(t));
    std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(producer->handle.get(), name, nullptr, err));
    if (!topic) return core::error(core::ErrorCode::kConfigError, "kafka topic " + name + ": " + err);
    producer->topics[static_cast<size_t>(t)] = std::move(topic);
    producer->published[static_cast<size_t>(t)] =
        &registry.counter("bus_messages_published_total", "Messages published on a bus topic",
                          {{"topic", std::string(topic_name(t))}});
    names.push_back(std::move(name));
  }
  if (config.create_topics) {
    NIFTY_RETURN_IF_ERROR(kafka_detail::ensure_topics(*producer->handle, config, features, names));
  }
  log().info("kafka bus connected", {{"brokers", config.brokers},
                                     {"broker_version", features.broker_version.empty() ? std::string("negotiated")
                                                                                         : features.broker_version},
                                     {"topic_prefix", config.topic_prefix}});
  return std::unique_ptr<KafkaBus>(new KafkaBus(config, std::move(producer)));
}

core::Status KafkaBus::publish(Topic topic, const Message& m) {
  if (closed_.load(std::memory_order_relaxed)) {
    return core::error(core::ErrorCode::kCancelled, "publish on a closed kafka bus");
  }
  thread_local std::string payload;
  kafka_detail::encode_message(m, payload);
  model::Symbol key = message_key(m);
  std::string_view k = key.view();
  const size_t index = static_cast<size_t>(topic);
  rd_kafka_topic_t* rkt = producer_->topics[index]->c_ptr();
  rd_kafka_t* rk = producer_->handle->c_ptr();
  const auto deadline = Clock::now() + std::chrono::milliseconds(config_.queue_full_timeout_ms);
  while (true) {
    rd_kafka_resp_err_t err;
    if (features_.headers) {
      err = rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_VALUE(payload.data(), payload.size()), RD_KAFKA_V_KEY(k.data(), k.size()),
                              RD_KAFKA_V_HEADER("source", config_.client_id.data(),
                                                static_cast<ssize_t>(config_.client_id.size())),
                              RD_KAFKA_V_HEADER("version", config_.message_version.data(),
                                                static_cast<ssize_t>(config_.message_version.size())),
                              RD_KAFKA_V_END);
    } else {
      err = rd_kafka_producev(rk, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_VALUE(payload.data(), payload.size()), RD_KAFKA_V_KEY(k.data(), k.size()),
                              RD_KAFKA_V_END);
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      return core::error(core::ErrorCode::kUnavailable, "kafka: producing to " +
                                                            config_.full_topic_name(topic_name(topic)) +
                                                            " failed: " + rd_kafka_err2str(err));
    }
    if (Clock::now() >= deadline) {
      return core::error(core::ErrorCode::kResourceExhausted,
                         "kafka: the producer queue stayed full for " +
                             std::to_string(config_.queue_full_timeout_ms) + " ms (broker slow or down)");
    }
    producer_->handle->poll(10);  // serve delivery reports until the queue has room
  }
  producer_->published[index]->inc();
  return core::Status::ok();
}

void KafkaBus::on_delivery_failure(std::string topic, std::string key, std::string error) {
  delivery_failures_total_.fetch_add(1);
  std::string_view label = topic;
  if (label.substr(0, config_.topic_prefix.size()) == config_.topic_prefix) {
    label.remove_prefix(config_.topic_prefix.size());
  }
  core::MetricsRegistry::global()
      .counter("bus_kafka_delivery_failures_total", "Kafka messages whose delivery failed after retries",
               {{"topic", std::string(label)}})
      .inc();
  bool first;
  {
    std::lock_guard lock(failure_mu_);
    first = failures_since_flush_++ == 0;
    if (first) first_failure_ = topic + " key " + key + ": " + error;
  }
  if (first) log().error("kafka delivery failed", {{"topic", topic}, {"key", key}, {"error", error}});
}

core::Status KafkaBus::flush(std::chrono::milliseconds timeout) {
  RdKafka::ErrorCode code = producer_->handle->flush(static_cast<int>(timeout.count()));
  std::lock_guard lock(failure_mu_);
  if (failures_since_flush_ > 0) {
    core::Status s = core::error(core::ErrorCode::kUnavailable,
                                 "kafka: " + std::to_string(failures_since_flush_) +
                                     " message(s) failed delivery; first: " + first_failure_);
    failures_since_flush_ = 0;
    first_failure_.clear();
    return s;
  }
  if (code != RdKafka::ERR_NO_ERROR) {
    return core::error(core::ErrorCode::kTimeout,
                       "kafka: " + std::to_string(producer_->handle->outq_len()) +
                           " message(s) still undelivered after " + std::to_string(timeout.count()) + " ms");
  }
  return core::Status::ok();
}

core::Status KafkaBus::subscribe(Topic topic, std::string name, Handler handler, SubscribeOptions /*options*/) {
  if (closed_.load()) return core::error(core::ErrorCode::kCancelled, "kafka bus is closed");
  if (!handler) return core::error(core::ErrorCode::kInvalidArgument, "subscriber " + name + " has no handler");
  auto sub = std::make_unique<Subscription>();
  sub->topic = topic;
  sub->name = name;
  sub->handler = std::move(handler);
  Subscription* raw = sub.get();
  RebalanceListener listener;
  listener.on_assigned = [raw](const std::vector<TopicPartition>&) { raw->assigned_once.store(true); };
  listener.on_revoked = [raw](const std::vector<TopicPartition>& tps) {
    // Everything handled was committed after its batch; forget the revoked partitions.
    std::lock_guard lock(raw->mu);
    for (const TopicPartition& tp : tps) raw->handled.erase(tp.partition);
  };
  // A group per (name, topic): one group over several topics would rebalance at every further
  // subscribe, and a member's batch handled around a revocation is delivered again (bus.h).
  const std::string group = name + "." + std::string(topic_name(topic));
  NIFTY_ASSIGN_OR_RETURN(sub->consumer, KafkaConsumer::create(config_, group, {topic}, std::move(listener)));
  sub->thread = std::thread([raw] { raw->run(); });
  std::lock_guard lock(subs_mu_);
  subs_.push_back(std::move(sub));
  return core::Status::ok();
}

uint64_t KafkaBus::rejected() const {
  uint64_t n = 0;
  std::lock_guard lock(subs_mu_);
  for (const auto& s : subs_) n += s->consumer->rejected();
  return n;
}

void KafkaBus::drain() {
  const auto timeout = std::chrono::milliseconds(config_.drain_timeout_ms);
  const auto deadline = Clock::now() + timeout;
  core::Status s = flush(timeout);
  if (!s.is_ok()) log().error("kafka drain: flush failed", {{"error", s.to_string()}});
  std::vector<Subscription*> subs;
  {
    std::lock_guard lock(subs_mu_);
    for (auto& sub : subs_) subs.push_back(sub.get());
  }
  for (Subscription* sub : subs) {
    std::map<int32_t, int64_t> ends;
    while (!sub->caught_up(ends, std::chrono::milliseconds(2000))) {
      if (Clock::now() >= deadline) {
        log().warn("kafka drain: subscriber did not catch up in time",
                   {{"subscriber", sub->name}, {"timeout_ms", config_.drain_timeout_ms}});
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the subscriber thread is consuming
    }
  }
}

void KafkaBus::close() {
  if (closed_.exchange(true)) return;
  drain();
  std::vector<std::unique_ptr<Subscription>> subs;
  {
    std::lock_guard lock(subs_mu_);
    subs.swap(subs_);
  }
  for (auto& sub : subs) sub->stop.store(true);
  for (auto& sub : subs) {
    if (sub->thread.joinable()) sub->thread.join();
    sub->consumer->close();
  }
  producer_->stop.store(true);
  if (producer_->poller.joinable()) producer_->poller.join();
  producer_->handle->flush(0);
  // What drain() could not deliver is lost with the producer: say so, count it.
  const int undelivered = producer_->handle->outq_len();
  if (undelivered > 0) {
    delivery_failures_total_.fetch_add(static_cast<uint64_t>(undelivered));
    log().error("kafka bus closed with undelivered messages", {{"messages", undelivered}});
  }
  producer_->on_failure = nullptr;
}

}  // namespace nifty::bus
