#include "bus/kafka/kafka_config.h"

#include <librdkafka/rdkafka.h>

#include <array>
#include <charconv>
#include <memory>

namespace nifty::bus {
namespace {

core::Status config_error(std::string what) {
  return core::error(core::ErrorCode::kConfigError, "kafka config: " + std::move(what));
}

// "0.9.0.1" -> {0, 9, 0}; false when not a version.
bool parse_version(std::string_view text, int (&out)[3]) {
  out[0] = out[1] = out[2] = 0;
  size_t part = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  while (p < end && part < 3) {
    int v = 0;
    auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc() || next == p) return false;
    out[part++] = v;
    p = next;
    if (p < end && *p == '.') ++p;
    else break;
  }
  return part >= 2;
}

bool at_least(const int (&v)[3], int major, int minor, int patch) {
  if (v[0] != major) return v[0] > major;
  if (v[1] != minor) return v[1] > minor;
  return v[2] >= patch;
}

// Properties nifty sets itself and that a table may not override: manual commits (with the
// offsets the services choose) are how the services stay crash-safe, and the group is per service.
constexpr std::array<std::string_view, 3> kOwnProperties = {"group.id", "enable.auto.commit",
                                                            "enable.auto.offset.store"};

core::Status check_table(rd_kafka_conf_t* conf, std::string_view table,
                         const std::vector<std::pair<std::string, std::string>>& props) {
  for (const auto& [key, value] : props) {
    std::string where = "[kafka." + std::string(table) + "] \"" + key + "\"";
    for (std::string_view own : kOwnProperties) {
      if (key == own) {
        return config_error(where + " is set by nifty itself (manual offset commits, one group per service) "
                                    "and cannot be overridden");
      }
    }
    char err[512] = {0};
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      return config_error(where + " = \"" + value + "\" refused by librdkafka: " + err);
    }
  }
  return core::Status::ok();
}

}  // namespace

core::Status KafkaConfig::check_properties() const {
  struct ConfDeleter {
    void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
  };
  // One scratch configuration per table, so that a property is judged on its own.
  auto check = [](std::string_view table, const std::vector<std::pair<std::string, std::string>>& props) {
    std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf(rd_kafka_conf_new());
    return check_table(conf.get(), table, props);
  };
  NIFTY_RETURN_IF_ERROR(check("properties", properties));
  NIFTY_RETURN_IF_ERROR(check("producer_properties", producer_properties));
  return check("consumer_properties", consumer_properties);
}

KafkaConfig KafkaConfig::kafka09_profile(std::string brokers) {
  KafkaConfig c;
  c.brokers = std::move(brokers);
  c.profile = "kafka-0.9";
  return c;
}

std::vector<std::pair<std::string, std::string>> KafkaConfig::effective_properties() const {
  std::vector<std::pair<std::string, std::string>> out;
  if (profile == "kafka-0.9") {
    out.emplace_back("api.version.request", "false");
    out.emplace_back("broker.version.fallback", "0.9.0.1");
  }
  out.insert(out.end(), properties.begin(), properties.end());
  return out;
}

KafkaFeatures KafkaConfig::features() const {
  std::string api_request = "true";
  std::string fallback = "0.10.0";  // librdkafka's default fallback
  for (const auto& [k, v] : effective_properties()) {
    if (k == "api.version.request") api_request = v;
    if (k == "broker.version.fallback") fallback = v;
  }
  KafkaFeatures f;
  if (api_request != "false") return f;
  f.broker_version = fallback;
  int v[3];
  if (!parse_version(fallback, v)) return f;
  f.headers = at_least(v, 0, 11, 0);
  f.idempotence = at_least(v, 0, 11, 0);
  f.create_topics = at_least(v, 0, 10, 1);
  return f;
}

core::Status KafkaConfig::validate() const {
  if (brokers.empty()) return config_error("brokers is empty");
  if (client_id.empty()) return config_error("client_id is empty");
  if (partitions < 1) return config_error("partitions must be >= 1, got " + std::to_string(partitions));
  if (replication_factor < 1) {
    return config_error("replication_factor must be >= 1, got " + std::to_string(replication_factor));
  }
  if (batch_num_messages < 1) return config_error("batch_num_messages must be >= 1");
  if (linger_ms < 0) return config_error("linger_ms must be >= 0");
  if (compression != "none" && compression != "gzip" && compression != "snappy" && compression != "lz4" &&
      compression != "zstd") {
    return config_error("compression must be none|gzip|snappy|lz4|zstd, got '" + compression + "'");
  }
  if (acks != "all" && acks != "1" && acks != "0" && acks != "-1") {
    return config_error("acks must be all|1|0, got '" + acks + "'");
  }
  if (idempotence && acks != "all" && acks != "-1") {
    return config_error("idempotence needs acks=all, got acks=" + acks);
  }
  if (retries < 0) return config_error("retries must be >= 0");
  if (max_in_flight < 1) return config_error("max_in_flight must be >= 1");
  if (idempotence && max_in_flight > 5) return config_error("idempotence allows at most 5 requests in flight");
  if (message_timeout_ms < 1) return config_error("message_timeout_ms must be >= 1");
  if (queue_full_timeout_ms < 0) return config_error("queue_full_timeout_ms must be >= 0");
  if (session_timeout_ms < 1 || heartbeat_interval_ms < 1 || heartbeat_interval_ms >= session_timeout_ms) {
    return config_error("heartbeat_interval_ms must be below session_timeout_ms");
  }
  if (assignment_strategy != "roundrobin" && assignment_strategy != "range") {
    return config_error("assignment_strategy must be roundrobin|range, got '" + assignment_strategy + "'");
  }
  if (auto_offset_reset != "earliest" && auto_offset_reset != "latest") {
    return config_error("auto_offset_reset must be earliest|latest, got '" + auto_offset_reset + "'");
  }
  if (connect_timeout_ms < 1) return config_error("connect_timeout_ms must be >= 1");
  if (drain_timeout_ms < 1) return config_error("drain_timeout_ms must be >= 1");
  if (!profile.empty() && profile != "kafka-0.9") {
    return config_error("profile must be \"\" or \"kafka-0.9\", got '" + profile + "'");
  }
  if (profile == "kafka-0.9" && session_timeout_ms > 30000) {
    return config_error("a 0.9 broker accepts session_timeout_ms <= 30000, got " +
                        std::to_string(session_timeout_ms));
  }
  if (lag_interval_ms < 0) return config_error("lag_interval_ms must be >= 0 (0 = off)");
  return check_properties();
}

}  // namespace nifty::bus
