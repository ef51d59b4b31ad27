// Internal helpers of the Kafka adapter shared by KafkaBus and KafkaConsumer: librdkafka
// configuration from a KafkaConfig, the bounded broker check, topic creation and the message
// codecs per topic. Free functions; thread-safe given distinct handles.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bus/bus.h"
#include "bus/kafka/kafka_config.h"
#include "core/log.h"
#include "core/status.h"

namespace RdKafka {
class Conf;
class Handle;
}  // namespace RdKafka

namespace nifty::bus::kafka_detail {

enum class Role { kProducer, kConsumer };

core::Logger& log();

// The librdkafka configuration of `role`: our settings, then the profile and `properties`, then
// `producer_properties` or `consumer_properties` (so the tables win); kConfigError naming the
// property librdkafka refused.
// The caller adds callbacks (delivery report, rebalance) afterwards.
core::Result<std::unique_ptr<RdKafka::Conf>> make_conf(const KafkaConfig& config, const KafkaFeatures& features,
                                                       Role role, const std::string& group);

// Sets one property, turning a refusal into kConfigError.
core::Status set(RdKafka::Conf& conf, const std::string& key, const std::string& value);

// Waits at most connect_timeout_ms for a metadata answer; kUnavailable naming the brokers otherwise.
core::Status wait_for_broker(RdKafka::Handle& handle, const KafkaConfig& config);

// Makes sure the topics exist: CreateTopics when the broker has it (already existing is fine),
// else a metadata request per topic (auto-create, broker's num.partitions), waiting until every
// partition has a leader. Logs when a topic's partition count differs from config.partitions.
core::Status ensure_topics(RdKafka::Handle& handle, const KafkaConfig& config, const KafkaFeatures& features,
                           const std::vector<std::string>& names);

// The spec JSON of `m` into `out` (replaced).
void encode_message(const Message& m, std::string& out);
// Decodes a message of `topic`; the codec's error otherwise.
core::Result<Message> decode_message(Topic topic, std::string_view json);

// Logs, once per process and `what`, a feature the configured broker lacks.
void log_degraded_once(std::string_view what, std::string_view detail);

}  // namespace nifty::bus::kafka_detail
