#include "bus/kafka/kafka_client.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "model/json_codec.h"

namespace nifty::bus::kafka_detail {
namespace {

using Clock = std::chrono::steady_clock;

// Routes librdkafka's own log lines and errors into our logger, at most one per second per kind
// (a broker that is down reports every reconnect attempt).
class EventLogger final : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& event) override {
    switch (event.type()) {
      case RdKafka::Event::EVENT_ERROR: {
        uint64_t suppressed = 0;
        if (!errors_.should_log(suppressed)) return;
        log().warn("librdkafka error", {{"error", RdKafka::err2str(event.err())},
                                         {"detail", event.str()},
                                         {"fatal", event.fatal()},
                                         {"suppressed", suppressed}});
        return;
      }
      case RdKafka::Event::EVENT_LOG: {
        if (event.severity() > RdKafka::Event::EVENT_SEVERITY_WARNING) return;
        uint64_t suppressed = 0;
        if (!logs_.should_log(suppressed)) return;
        log().warn("librdkafka", {{"facility", event.fac()}, {"detail", event.str()}, {"suppressed", suppressed}});
        return;
      }
      default: return;
    }
  }

 private:
  core::RateLimitedLog errors_;
  core::RateLimitedLog logs_;
};

EventLogger& event_logger() {
  static EventLogger* logger = new EventLogger();  // lives as long as any handle
  return *logger;
}

}  // namespace

core::Logger& log() { return core::Logger::get("bus"); }

core::Status set(RdKafka::Conf& conf, const std::string& key, const std::string& value) {
  std::string err;
  if (conf.set(key, value, err) != RdKafka::Conf::CONF_OK) {
    return core::error(core::ErrorCode::kConfigError,
                       "kafka config: librdkafka refused " + key + "=" + value + ": " + err);
  }
  return core::Status::ok();
}

core::Result<std::unique_ptr<RdKafka::Conf>> make_conf(const KafkaConfig& config, const KafkaFeatures& features,
                                                       Role role, const std::string& group) {
  NIFTY_RETURN_IF_ERROR(config.validate());
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  RdKafka::Conf& c = *conf;
  NIFTY_RETURN_IF_ERROR(set(c, "bootstrap.servers", config.brokers));
  NIFTY_RETURN_IF_ERROR(set(c, "client.id", config.client_id));
  std::string err;
  if (c.set("event_cb", static_cast<RdKafka::EventCb*>(&event_logger()), err) != RdKafka::Conf::CONF_OK) {
    return core::error(core::ErrorCode::kInternal, "kafka: cannot set the event callback: " + err);
  }
  if (role == Role::kProducer) {
    NIFTY_RETURN_IF_ERROR(set(c, "batch.num.messages", std::to_string(config.batch_num_messages)));
    NIFTY_RETURN_IF_ERROR(set(c, "linger.ms", std::to_string(config.linger_ms)));
    NIFTY_RETURN_IF_ERROR(set(c, "compression.codec", config.compression));
    NIFTY_RETURN_IF_ERROR(set(c, "acks", config.acks));
    NIFTY_RETURN_IF_ERROR(set(c, "retries", std::to_string(config.retries)));
    NIFTY_RETURN_IF_ERROR(set(c, "retry.backoff.ms", std::to_string(config.retry_backoff_ms)));
    NIFTY_RETURN_IF_ERROR(set(c, "max.in.flight.requests.per.connection", std::to_string(config.max_in_flight)));
    NIFTY_RETURN_IF_ERROR(set(c, "message.timeout.ms", std::to_string(config.message_timeout_ms)));
    NIFTY_RETURN_IF_ERROR(
        set(c, "queue.buffering.max.messages", std::to_string(config.queue_buffering_max_messages)));
    // The Java client's and kafkajs' partitioner: one symbol lands in the same partition whichever
    // client produced it.
    NIFTY_RETURN_IF_ERROR(set(c, "partitioner", "murmur2_random"));
    bool idempotent = config.idempotence && features.idempotence;
    NIFTY_RETURN_IF_ERROR(set(c, "enable.idempotence", idempotent ? "true" : "false"));
  } else {
    NIFTY_RETURN_IF_ERROR(set(c, "group.id", group));
    NIFTY_RETURN_IF_ERROR(set(c, "enable.auto.commit", "false"));
    NIFTY_RETURN_IF_ERROR(set(c, "enable.auto.offset.store", "false"));
    NIFTY_RETURN_IF_ERROR(set(c, "enable.partition.eof", "false"));
    NIFTY_RETURN_IF_ERROR(set(c, "auto.offset.reset", config.auto_offset_reset));
    NIFTY_RETURN_IF_ERROR(set(c, "session.timeout.ms", std::to_string(config.session_timeout_ms)));
    NIFTY_RETURN_IF_ERROR(set(c, "heartbeat.interval.ms", std::to_string(config.heartbeat_interval_ms)));
    NIFTY_RETURN_IF_ERROR(set(c, "partition.assignment.strategy", config.assignment_strategy));
    if (config.create_topics && !features.create_topics) {
      NIFTY_RETURN_IF_ERROR(set(c, "allow.auto.create.topics", "true"));
    }
  }
  for (const auto& [key, value] : config.effective_properties()) {
    NIFTY_RETURN_IF_ERROR(set(c, key, value));
  }
  const auto& own = role == Role::kProducer ? config.producer_properties : config.consumer_properties;
  for (const auto& [key, value] : own) {
    NIFTY_RETURN_IF_ERROR(set(c, key, value));
  }
  return conf;
}

core::Status wait_for_broker(RdKafka::Handle& handle, const KafkaConfig& config) {
  RdKafka::Metadata* md = nullptr;
  RdKafka::ErrorCode err = handle.metadata(false, nullptr, &md, config.connect_timeout_ms);
  std::unique_ptr<RdKafka::Metadata> owned(md);
  if (err != RdKafka::ERR_NO_ERROR) {
    return core::error(core::ErrorCode::kUnavailable,
                       "kafka: no broker at " + config.brokers + " answered within " +
                           std::to_string(config.connect_timeout_ms) + " ms: " + RdKafka::err2str(err));
  }
  return core::Status::ok();
}

namespace {

core::Status create_topics_admin(RdKafka::Handle& handle, const KafkaConfig& config,
                                 const std::vector<std::string>& names) {
  rd_kafka_t* rk = handle.c_ptr();
  char errstr[512];
  std::vector<rd_kafka_NewTopic_t*> topics;
  auto free_topics = [&] {
    for (auto* t : topics) rd_kafka_NewTopic_destroy(t);
  };
  for (const std::string& name : names) {
    rd_kafka_NewTopic_t* t =
        rd_kafka_NewTopic_new(name.c_str(), config.partitions, config.replication_factor, errstr, sizeof errstr);
    if (t == nullptr) {
      free_topics();
      return core::error(core::ErrorCode::kConfigError, "kafka: topic " + name + ": " + errstr);
    }
    topics.push_back(t);
  }
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(options, config.connect_timeout_ms, errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_request_timeout(options, config.connect_timeout_ms, errstr, sizeof errstr);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, topics.data(), topics.size(), options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, config.connect_timeout_ms + 2000);
  core::Status status;
  if (event == nullptr) {
    status = core::error(core::ErrorCode::kTimeout, "kafka: CreateTopics got no answer from " + config.brokers);
  } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = core::error(core::ErrorCode::kUnavailable,
                         std::string("kafka: CreateTopics failed: ") + rd_kafka_event_error_string(event));
  } else {
    const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event);
    size_t count = 0;
    const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
    for (size_t i = 0; i < count; ++i) {
      rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        log().info("kafka topic created", {{"topic", rd_kafka_topic_result_name(results[i])},
                                           {"partitions", config.partitions}});
      } else if (err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        const char* msg = rd_kafka_topic_result_error_string(results[i]);
        status = core::error(core::ErrorCode::kUnavailable,
                             std::string("kafka: creating topic ") + rd_kafka_topic_result_name(results[i]) +
                                 " failed: " + (msg ? msg : rd_kafka_err2str(err)));
        break;
      }
    }
  }
  if (event != nullptr) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  rd_kafka_AdminOptions_destroy(options);
  free_topics();
  return status;
}

// Partitions of `name` when it exists and every partition has a leader, else 0.
int ready_partitions(RdKafka::Handle& handle, const std::string& name, int timeout_ms, std::string& detail) {
  std::string err;
  std::unique_ptr<RdKafka::Topic> topic(RdKafka::Topic::create(&handle, name, nullptr, err));
  if (!topic) {
    detail = err;
    return 0;
  }
  RdKafka::Metadata* md = nullptr;
  RdKafka::ErrorCode code = handle.metadata(false, topic.get(), &md, timeout_ms);
  std::unique_ptr<RdKafka::Metadata> owned(md);
  if (code != RdKafka::ERR_NO_ERROR) {
    detail = RdKafka::err2str(code);
    return 0;
  }
  for (const RdKafka::TopicMetadata* t : *md->topics()) {
    if (t->topic() != name) continue;
    if (t->err() != RdKafka::ERR_NO_ERROR) {
      detail = RdKafka::err2str(t->err());
      return 0;
    }
    if (t->partitions()->empty()) {
      detail = "no partitions yet";
      return 0;
    }
    for (const RdKafka::PartitionMetadata* p : *t->partitions()) {
      if (p->leader() < 0 || p->err() != RdKafka::ERR_NO_ERROR) {
        detail = "partition " + std::to_string(p->id()) + " has no leader yet";
        return 0;
      }
    }
    return static_cast<int>(t->partitions()->size());
  }
  detail = "topic missing from the metadata";
  return 0;
}

}  // namespace

core::Status ensure_topics(RdKafka::Handle& handle, const KafkaConfig& config, const KafkaFeatures& features,
                           const std::vector<std::string>& names) {
  if (features.create_topics) {
    NIFTY_RETURN_IF_ERROR(create_topics_admin(handle, config, names));
  } else {
    log_degraded_once("create_topics",
                      "the broker (" + features.broker_version +
                          ") has no CreateTopics API (0.10.1+): topics are auto-created on first use with the "
                          "broker's num.partitions");
  }
  // Both paths: wait until each topic exists with a leader per partition (a metadata request also
  // triggers auto-creation on brokers that allow it).
  auto deadline = Clock::now() + std::chrono::milliseconds(config.connect_timeout_ms);
  for (const std::string& name : names) {
    std::string detail;
    int partitions = 0;
    while ((partitions = ready_partitions(handle, name, 2000, detail)) == 0) {
      if (Clock::now() > deadline) {
        return core::error(core::ErrorCode::kUnavailable,
                           "kafka: topic " + name + " is not ready at " + config.brokers + " after " +
                               std::to_string(config.connect_timeout_ms) + " ms: " + detail);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // broker-side creation in progress
    }
    if (partitions != config.partitions) {
      log().info("kafka topic partition count differs from the config",
                 {{"topic", name}, {"partitions", partitions}, {"configured", config.partitions}});
    }
  }
  return core::Status::ok();
}

void encode_message(const Message& m, std::string& out) {
  out.clear();
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, model::Tick>) {
          model::encode_tick(v, out);
        } else if constexpr (std::is_same_v<T, model::Candle>) {
          out = model::encode_candle(v);
        } else if constexpr (std::is_same_v<T, model::Scorecard>) {
          out = model::encode_scorecard(v);
        } else if constexpr (std::is_same_v<T, model::Signal>) {
          out = model::encode_signal(v);
        } else {
          out = model::encode_market_view(v);
        }
      },
      m);
}

namespace {
template <typename T>
core::Result<Message> wrap(core::Result<T> r) {
  if (!r.is_ok()) return r.status();
  return Message(std::move(r).value());
}
}  // namespace

core::Result<Message> decode_message(Topic topic, std::string_view json) {
  switch (topic) {
    case Topic::kRawTicks: return wrap(model::decode_tick(json));
    case Topic::kMarketCandles: return wrap(model::decode_candle(json));
    case Topic::kAnalysisUpdates: return wrap(model::decode_scorecard(json));
    case Topic::kSignals: return wrap(model::decode_signal(json));
    case Topic::kMarketView: return wrap(model::decode_market_view(json));
  }
  return core::error(core::ErrorCode::kInvalidArgument, "kafka: unknown topic");
}

void log_degraded_once(std::string_view what, std::string_view detail) {
  static std::mutex mu;
  static std::set<std::string, std::less<>> logged;
  std::lock_guard lock(mu);
  if (logged.count(what) != 0) return;
  logged.emplace(what);
  log().warn("kafka feature unavailable on this broker", {{"feature", what}, {"detail", detail}});
}

}  // namespace nifty::bus::kafka_detail
