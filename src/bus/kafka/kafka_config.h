// KafkaConfig: settings of the Kafka adapter of the Bus port (KafkaBus, KafkaConsumer), with the
// spec's values as defaults ("Kafka Producer/Consumer Configuration", system-architecture.md):
// producer batches of 100 messages or 10 ms, snappy compression, idempotence with acks=all (the
// spec's acks=1 with idempotence is impossible, see ARCHITECTURE.md section 4), 8 retries from
// 100 ms; consumer session timeout 30 s, heartbeat 3 s, round-robin assignment, manual commits;
// 50 partitions per topic, keyed by symbol.
// Plain value type; no threading concerns.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace nifty::bus {

// What the broker supports, decided from the configuration (librdkafka properties): with
// api.version.request=false the broker is taken to be broker.version.fallback; otherwise it is a
// current Kafka (>= 0.11) and librdkafka negotiates the protocol versions itself.
struct KafkaFeatures {
  bool headers = true;        // record headers: Kafka 0.11+
  bool idempotence = true;    // idempotent producer: Kafka 0.11+
  bool create_topics = true;  // CreateTopics admin API: Kafka 0.10.1+
  std::string broker_version;  // "0.9.0.1", or "" when negotiated
};

struct KafkaConfig {
  // bootstrap.servers: "host:port[,host:port...]".
  std::string brokers = "127.0.0.1:9092";
  // client.id, and the value of the `source` header of every message.
  std::string client_id = "nifty";
  // Prepended to every topic name ("test42." + "raw-ticks"); empty in production.
  std::string topic_prefix;
  // Partitions of topics we create (the spec: 50, one per stock). On a broker without CreateTopics
  // the broker's num.partitions applies instead (auto-create); a difference is logged.
  int partitions = 50;
  // Replication factor of topics we create (spec: 1 local, 3 in production).
  int replication_factor = 1;
  // Create missing topics at start-up (CreateTopics, or auto-create through a metadata request).
  bool create_topics = true;

  // Producer (spec: batch 100 / 10 ms, snappy, idempotent, retries 8 from 100 ms, 5 in flight).
  int batch_num_messages = 100;
  int linger_ms = 10;
  std::string compression = "snappy";  // none | gzip | snappy | lz4 | zstd
  bool idempotence = true;             // needs acks=all; off (with a warning) on brokers < 0.11
  std::string acks = "all";            // all | 1 | 0
  int retries = 8;
  int retry_backoff_ms = 100;
  int max_in_flight = 5;
  // A message not acknowledged within this time fails (delivery report) and is reported by flush().
  int message_timeout_ms = 30000;
  // Local producer queue; publish() waits up to `queue_full_timeout_ms` for room, then fails.
  int queue_buffering_max_messages = 100000;
  int queue_full_timeout_ms = 5000;
  // Value of the `version` header (the spec's "1.0"); headers are skipped on brokers < 0.11.
  std::string message_version = "1.0";

  // Consumer (spec: group per layer, session 30 s, heartbeat 3 s, RoundRobin, manual commits).
  int session_timeout_ms = 30000;
  int heartbeat_interval_ms = 3000;
  std::string assignment_strategy = "roundrobin";  // roundrobin | range (eager rebalancing)
  // Where a group without a committed offset starts. The spec's consumer reads "fromBeginning:
  // false" (latest); we start at the earliest retained message so that a new group (a first
  // deployment, a new candles service) loses nothing; processing is idempotent.
  std::string auto_offset_reset = "earliest";

  // Bound on waiting for a broker at start-up (metadata request); past it create() fails.
  int connect_timeout_ms = 10000;
  // Bound on KafkaBus::drain() and close() (flush plus local subscribers catching up).
  int drain_timeout_ms = 30000;

  // A named set of librdkafka properties applied before `properties`: "" (a current Kafka) or
  // "kafka-0.9" (api.version.request=false, broker.version.fallback=0.9.0.1: the test broker of
  // scripts/test-servers/kafka, which also needs session_timeout_ms <= 30000).
  std::string profile;
  // Extra librdkafka properties (librdkafka's CONFIGURATION.md), applied after everything above
  // and the profile, so they win: `properties` on every producer and consumer, then
  // `producer_properties` on producers only and `consumer_properties` on consumers only (librdkafka
  // marks many properties C or P and warns when a consumer property is set on a producer or the
  // reverse). group.id, enable.auto.commit and enable.auto.offset.store are ours (manual commits
  // are how the services stay crash-safe) and are refused; so is a property librdkafka does not
  // know or a value it refuses (check_properties()).
  std::vector<std::pair<std::string, std::string>> properties;
  std::vector<std::pair<std::string, std::string>> producer_properties;
  std::vector<std::pair<std::string, std::string>> consumer_properties;

  // Every KafkaConsumer exports kafka_consumer_lag{topic,partition,group} (and the committed lag)
  // this often, asking the broker for the partitions' end offsets; 0 = not exported.
  int lag_interval_ms = 5000;

  // The 0.9 test profile against the broker at `brokers` (scripts/test-servers/kafka).
  static KafkaConfig kafka09_profile(std::string brokers);

  // Checks ranges and names, and check_properties(); a clear kConfigError naming the field
  // (or the property) otherwise.
  core::Status validate() const;
  // Sets `properties`, `producer_properties` and `consumer_properties` on a scratch librdkafka
  // configuration: kConfigError naming the table, the property and librdkafka's reason when
  // librdkafka does not know a property or refuses its value, or when the property is one of ours.
  core::Status check_properties() const;
  // The librdkafka properties of the profile and `properties` (profile first).
  std::vector<std::pair<std::string, std::string>> effective_properties() const;
  // What the configured broker supports.
  KafkaFeatures features() const;
  // topic_prefix + name.
  std::string full_topic_name(std::string_view name) const { return topic_prefix + std::string(name); }
};

}  // namespace nifty::bus
