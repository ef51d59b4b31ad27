// KafkaBus: the Kafka adapter of the Bus port (the scale-out deployment). publish() produces the
// message's spec JSON (model/json_codec.h) to topic_prefix + topic_name(topic), keyed by
// message_key() (the symbol; murmur2 partitioning like the Java and kafkajs clients, so one symbol
// stays in one partition, in order), with headers `source` (client_id) and `version` on brokers
// >= 0.11. Delivery is asynchronous: librdkafka retries; a message still failing after
// message_timeout_ms is counted (bus_kafka_delivery_failures_total{topic}) and reported by the next
// flush() (and drain(), which logs it) — never dropped silently.
// subscribe(topic, name, handler) runs a KafkaConsumer in consumer group `name` on a thread of its
// own (SubscribeOptions are ignored: every Kafka subscriber is queued by nature), calls the handler
// per message and commits after each handled batch (at-least-once). Services that must choose their
// commits use KafkaConsumer directly.
// On a 0.9 broker (profile "kafka-0.9"): no idempotent producer (acks as configured, retries may
// duplicate), no headers, no CreateTopics (topics auto-created with the broker's num.partitions);
// each degradation is logged once at create().
// Metrics: bus_messages_published_total{topic} (shared with InprocBus),
// bus_kafka_delivery_failures_total{topic}, bus_kafka_messages_rejected_total{topic,group}.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/bus.h"
#include "bus/kafka/kafka_config.h"
#include "bus/kafka/kafka_consumer.h"
#include "core/status.h"

namespace nifty::bus {

class KafkaBus final : public Bus {
 public:
  // Connects the producer (kUnavailable when no broker answers within config.connect_timeout_ms)
  // and creates missing topics when config.create_topics.
  static core::Result<std::unique_ptr<KafkaBus>> create(const KafkaConfig& config);
  ~KafkaBus() override;

  // Queues `m` for delivery. Fails when closed (kCancelled), when the local queue stays full for
  // queue_full_timeout_ms (kResourceExhausted) or when librdkafka refuses the message.
  core::Status publish(Topic topic, const Message& m) override;
  core::Status subscribe(Topic topic, std::string name, Handler handler, SubscribeOptions options = {}) override;
  // flush(), then waits until local subscribers reached the end of their partitions (bounded by
  // drain_timeout_ms); problems are logged.
  void drain() override;
  void close() override;

  // Waits until every queued message is delivered or failed; an error names how many failed since
  // the last flush and the first failure (kUnavailable), or kTimeout when `timeout` passed first.
  core::Status flush(std::chrono::milliseconds timeout);
  // Messages whose delivery failed, since creation.
  uint64_t delivery_failures() const { return delivery_failures_total_.load(); }
  // Messages rejected by subscribers' decoders, since creation.
  uint64_t rejected() const;
  const KafkaFeatures& features() const { return features_; }
  const KafkaConfig& config() const { return config_; }

 private:
  struct Producer;
  struct Subscription;
  KafkaBus(KafkaConfig config, std::unique_ptr<Producer> producer);
  void on_delivery_failure(std::string topic, std::string key, std::string error);

  KafkaConfig config_;
  KafkaFeatures features_;
  std::unique_ptr<Producer> producer_;
  mutable std::mutex subs_mu_;
  std::vector<std::unique_ptr<Subscription>> subs_;
  std::atomic<bool> closed_{false};
  std::atomic<uint64_t> delivery_failures_total_{0};
  std::mutex failure_mu_;
  uint64_t failures_since_flush_ = 0;
  std::string first_failure_;
};

}  // namespace nifty::bus
