// KafkaConsumer: a member of a Kafka consumer group reading bus topics with MANUAL offset commits,
// for services that decide what is safe to commit (the candle service commits a partition only up
// to the first tick of its oldest still-open candle, so a restart rebuilds that candle).
// poll() returns decoded messages with their partition and offset; messages that are not valid
// JSON or miss fields are counted (bus_kafka_messages_rejected_total{topic,group}), logged with
// topic/partition/offset, remembered in recent_rejections() and skipped (position() moves past
// them). Rebalances call the listener on the polling thread: on_revoked before partitions go
// (commit what is safe there), on_assigned after new ones arrive (reading resumes at the group's
// committed offset, else at auto_offset_reset).
// Lag: every config.lag_interval_ms (0 = off) a thread of the consumer asks the broker for the end
// offsets and the group's committed offsets of the assigned partitions and sets the gauges
// kafka_consumer_lag{topic,partition,group} (end offset - read position: what this member has not
// read yet; before its first message the committed offset, else auto_offset_reset, counts as the
// position) and kafka_consumer_committed_lag{topic,partition,group} (end offset - committed
// offset: what a restart reads again), with their sums kafka_consumer_lag_total{topic,group} and
// kafka_consumer_committed_lag_total{topic,group}; `topic` is the name without topic_prefix. The
// series of a revoked partition, and all of them after close(), are set to 0.
// Threading: one thread calls poll(), commit*() and close(); committed(), end_offset(), position(),
// assignment(), rejected() and recent_rejections() may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bus/bus.h"
#include "bus/kafka/kafka_config.h"
#include "core/status.h"

namespace RdKafka {
class KafkaConsumer;
}

namespace nifty::bus {

struct TopicPartition {
  Topic topic = Topic::kRawTicks;
  int32_t partition = 0;
  bool operator==(const TopicPartition& o) const { return topic == o.topic && partition == o.partition; }
  bool operator<(const TopicPartition& o) const {
    return topic != o.topic ? topic < o.topic : partition < o.partition;
  }
};

// A Kafka offset commit: `offset` is the offset of the NEXT message to read after a restart (to
// re-read a message, commit its own offset; to move past it, commit its offset + 1).
struct PartitionOffset {
  TopicPartition tp;
  int64_t offset = 0;
};

struct ConsumedMessage {
  TopicPartition tp;
  int64_t offset = 0;
  Message message;
};

struct Rejection {
  TopicPartition tp;
  int64_t offset = 0;
  std::string error;  // what was wrong ("parse_error: missing field ltp")
};

struct RebalanceListener {
  // After partitions are assigned to this member (reading starts at their committed offsets).
  std::function<void(const std::vector<TopicPartition>&)> on_assigned;
  // Before partitions are taken away; commits made here still count.
  std::function<void(const std::vector<TopicPartition>&)> on_revoked;
};

class KafkaConsumer {
 public:
  // Joins consumer group `group` subscribed to `topics` (config.topic_prefix applies). Fails with
  // kUnavailable when no broker answers within config.connect_timeout_ms, kConfigError on a bad
  // config. Missing topics are created when config.create_topics.
  static core::Result<std::unique_ptr<KafkaConsumer>> create(const KafkaConfig& config, std::string group,
                                                             std::vector<Topic> topics,
                                                             RebalanceListener listener = {});
  ~KafkaConsumer();
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // Appends up to `max_messages` decoded messages to `out`, waiting at most `timeout` for the
  // first one. Bad messages are skipped (see above). Errors: kCancelled after close(), kUnavailable
  // on a fatal consumer error. Transient broker errors are logged and counted, not returned.
  core::Status poll(std::vector<ConsumedMessage>& out, size_t max_messages, std::chrono::milliseconds timeout);

  // Commits synchronously (the group's offsets for these partitions become exactly these).
  core::Status commit(const std::vector<PartitionOffset>& offsets);
  core::Status commit(TopicPartition tp, int64_t next_offset) { return commit({{tp, next_offset}}); }
  // Commits position() of every assigned partition: everything polled so far.
  core::Status commit_all();
  // The group's committed offset of a partition (-1001 when none), asking the broker. Any thread.
  core::Result<int64_t> committed(TopicPartition tp, std::chrono::milliseconds timeout);
  // The partition's high watermark (offset after its last message), asking the broker. Any thread.
  core::Result<int64_t> end_offset(TopicPartition tp, std::chrono::milliseconds timeout);
  // Offset of the next message poll() will return for an assigned partition (past skipped ones);
  // -1 when nothing was read from it yet.
  int64_t position(TopicPartition tp) const;

  // Partitions currently assigned to this member.
  std::vector<TopicPartition> assignment() const;
  // Messages rejected so far, and the most recent ones (at most 64).
  uint64_t rejected() const;
  std::vector<Rejection> recent_rejections() const;
  const std::string& group() const { return group_; }

  // Leaves the group (a clean rebalance for the others). Commits nothing by itself.
  void close();

 private:
  struct Impl;
  KafkaConsumer(std::string group, std::unique_ptr<Impl> impl);
  std::string group_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nifty::bus
