#include "app/config.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <sstream>

#include <toml++/toml.h>

namespace nifty::app {
namespace {

using core::ErrorCode;
using core::Result;
using core::Status;

std::string format_speed(double speed) {
  if (speed <= 0) return "max";
  std::ostringstream os;
  os << speed << "x";
  return os.str();
}

// One configuration key: how to set it from TOML or the environment, and how to show it.
struct Field {
  std::string help;
  std::function<Status(const toml::node&)> from_toml;
  std::function<Status(const std::string&)> from_env;
  std::function<std::string()> show;
  bool secret = false;
  bool table = false;  // the value is a TOML table of its own (not keys of a section)
};

Status type_error(const std::string& key, const char* want) {
  return core::error(ErrorCode::kConfigError, "config key '" + key + "' must be " + want);
}

Field string_field(const std::string& key, std::string& target, std::vector<std::string> allowed = {}) {
  auto check = [key, allowed](const std::string& v) -> Status {
    if (allowed.empty()) return Status::ok();
    for (const auto& a : allowed) {
      if (a == v) return Status::ok();
    }
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    return core::error(ErrorCode::kConfigError, "config key '" + key + "' is '" + v + "'; want one of: " + list);
  };
  Field f;
  f.from_toml = [key, &target, check](const toml::node& n) -> Status {
    auto v = n.value<std::string>();
    if (!v) return type_error(key, "a string");
    NIFTY_RETURN_IF_ERROR(check(*v));
    target = *v;
    return Status::ok();
  };
  f.from_env = [&target, check](const std::string& v) -> Status {
    NIFTY_RETURN_IF_ERROR(check(v));
    target = v;
    return Status::ok();
  };
  f.show = [&target] {
    std::string out = "\"";
    core::append_json_escaped(out, target);  // TOML basic strings escape like JSON
    return out + "\"";
  };
  return f;
}

template <typename Int>
Field int_field(const std::string& key, Int& target, int64_t min, int64_t max) {
  auto set = [key, &target, min, max](int64_t v) -> Status {
    if (v < min || v > max) {
      return core::error(ErrorCode::kConfigError, "config key '" + key + "' is " + std::to_string(v) +
                                                      "; want " + std::to_string(min) + " to " + std::to_string(max));
    }
    target = static_cast<Int>(v);
    return Status::ok();
  };
  Field f;
  f.from_toml = [key, set](const toml::node& n) -> Status {
    if (!n.is_integer()) return type_error(key, "a whole number");
    return set(*n.value<int64_t>());
  };
  f.from_env = [key, set](const std::string& s) -> Status {
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0') return type_error(key, "a whole number");
    return set(v);
  };
  f.show = [&target] { return std::to_string(target); };
  return f;
}

Field double_field(const std::string& key, double& target, double min, double max) {
  auto set = [key, &target, min, max](double v) -> Status {
    if (!(v >= min && v <= max)) {
      std::ostringstream os;
      os << "config key '" << key << "' is " << v << "; want " << min << " to " << max;
      return core::error(ErrorCode::kConfigError, os.str());
    }
    target = v;
    return Status::ok();
  };
  Field f;
  f.from_toml = [key, set](const toml::node& n) -> Status {
    if (!n.is_number()) return type_error(key, "a number");
    return set(*n.value<double>());
  };
  f.from_env = [key, set](const std::string& s) -> Status {
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0') return type_error(key, "a number");
    return set(v);
  };
  f.show = [&target] {
    std::ostringstream os;
    os << target;
    std::string text = os.str();
    return text.find_first_of(".e") == std::string::npos ? text + ".0" : text;
  };
  return f;
}

// A duration written as whole seconds.
Field seconds_field(const std::string& key, std::chrono::seconds& target, int64_t min, int64_t max) {
  auto set = [key, &target, min, max](int64_t v) -> Status {
    if (v < min || v > max) {
      return core::error(ErrorCode::kConfigError, "config key '" + key + "' is " + std::to_string(v) + "; want " +
                                                      std::to_string(min) + " to " + std::to_string(max));
    }
    target = std::chrono::seconds(v);
    return Status::ok();
  };
  Field f;
  f.from_toml = [key, set](const toml::node& n) -> Status {
    if (!n.is_integer()) return type_error(key, "a whole number of seconds");
    return set(*n.value<int64_t>());
  };
  f.from_env = [key, set](const std::string& s) -> Status {
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0') return type_error(key, "a whole number of seconds");
    return set(v);
  };
  f.show = [&target] { return std::to_string(target.count()); };
  return f;
}

// A duration written as whole milliseconds.
Field millis_field(const std::string& key, std::chrono::milliseconds& target, int64_t min, int64_t max) {
  auto set = [key, &target, min, max](int64_t v) -> Status {
    if (v < min || v > max) {
      return core::error(ErrorCode::kConfigError, "config key '" + key + "' is " + std::to_string(v) + "; want " +
                                                      std::to_string(min) + " to " + std::to_string(max));
    }
    target = std::chrono::milliseconds(v);
    return Status::ok();
  };
  Field f;
  f.from_toml = [key, set](const toml::node& n) -> Status {
    if (!n.is_integer()) return type_error(key, "a whole number of milliseconds");
    return set(*n.value<int64_t>());
  };
  f.from_env = [key, set](const std::string& s) -> Status {
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0') return type_error(key, "a whole number of milliseconds");
    return set(v);
  };
  f.show = [&target] { return std::to_string(target.count()); };
  return f;
}

std::string env_name(const std::string& key);

// A secret (password, API secret): only from the environment, never from the file, never shown.
Field secret_field(const std::string& key, std::string& target) {
  Field f;
  f.secret = true;
  f.from_toml = [key](const toml::node&) -> Status {
    return core::error(ErrorCode::kConfigError, "config key '" + key + "' is a secret: set it in the environment (" +
                                                    env_name(key) + "), not in a file");
  };
  f.from_env = [&target](const std::string& v) -> Status {
    target = v;
    return Status::ok();
  };
  f.show = [&target] { return std::string(target.empty() ? "unset" : "set"); };
  return f;
}

Field bool_field(const std::string& key, bool& target) {
  Field f;
  f.from_toml = [key, &target](const toml::node& n) -> Status {
    if (!n.is_boolean()) return type_error(key, "true or false");
    target = *n.value<bool>();
    return Status::ok();
  };
  f.from_env = [key, &target](const std::string& s) -> Status {
    if (s == "true" || s == "1") target = true;
    else if (s == "false" || s == "0") target = false;
    else return type_error(key, "true or false");
    return Status::ok();
  };
  f.show = [&target] { return std::string(target ? "true" : "false"); };
  return f;
}

Field speed_field(const std::string& key, double& target) {
  Field f;
  auto set = [key, &target](const std::string& s) -> Status {
    auto v = parse_speed(s);
    if (!v) return core::error(ErrorCode::kConfigError, "config key '" + key + "': " + v.status().message());
    target = *v;
    return Status::ok();
  };
  f.from_toml = [key, set](const toml::node& n) -> Status {
    auto v = n.value<std::string>();
    if (!v) return type_error(key, "a string such as \"max\", \"1x\" or \"60x\"");
    return set(*v);
  };
  f.from_env = set;
  f.show = [&target] { return "\"" + format_speed(target) + "\""; };
  return f;
}

Field string_list_field(const std::string& key, std::vector<std::string>& target) {
  Field f;
  f.from_toml = [key, &target](const toml::node& n) -> Status {
    const toml::array* arr = n.as_array();
    if (!arr) return type_error(key, "an array of strings");
    std::vector<std::string> out;
    for (const auto& e : *arr) {
      auto v = e.value<std::string>();
      if (!v) return type_error(key, "an array of strings");
      out.push_back(*v);
    }
    target = std::move(out);
    return Status::ok();
  };
  f.from_env = [&target](const std::string& s) -> Status {  // comma-separated
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) {
      if (!item.empty()) out.push_back(item);
    }
    target = std::move(out);
    return Status::ok();
  };
  f.show = [&target] {
    std::string s = "[";
    for (size_t i = 0; i < target.size(); ++i) s += (i ? ", \"" : "\"") + target[i] + "\"";
    return s + "]";
  };
  return f;
}

Field intervals_field(const std::string& key, std::vector<model::Interval>& target) {
  auto parse = [key](const std::vector<std::string>& names, std::vector<model::Interval>& out) -> Status {
    out.clear();
    for (const auto& n : names) {
      auto i = model::parse_interval(n);
      if (!i || *i == model::Interval::k1m) {
        return core::error(ErrorCode::kConfigError,
                           "config key '" + key + "': '" + n + "' is not a rollup interval (5m, 15m, 1h, 1d)");
      }
      if (std::find(out.begin(), out.end(), *i) != out.end()) {
        return core::error(ErrorCode::kConfigError, "config key '" + key + "' lists '" + n + "' twice");
      }
      out.push_back(*i);
    }
    return Status::ok();
  };
  Field f;
  f.from_toml = [key, &target, parse](const toml::node& n) -> Status {
    const toml::array* arr = n.as_array();
    if (!arr) return type_error(key, "an array of interval names");
    std::vector<std::string> names;
    for (const auto& e : *arr) {
      auto v = e.value<std::string>();
      if (!v) return type_error(key, "an array of interval names");
      names.push_back(*v);
    }
    return parse(names, target);
  };
  f.from_env = [&target, parse](const std::string& s) -> Status {
    std::vector<std::string> names;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) names.push_back(item);
    return parse(names, target);
  };
  f.show = [&target] {
    std::string s = "[";
    for (size_t i = 0; i < target.size(); ++i) s += (i ? ", \"" : "\"") + std::string(model::interval_name(target[i])) + "\"";
    return s + "]";
  };
  return f;
}

// A TOML table of free-form string keys and values, such as librdkafka properties:
//   [kafka.consumer_properties]
//   "fetch.wait.max.ms" = "5"
// Values may be strings, whole numbers or booleans (librdkafka takes them all as text). From the
// environment: "k1=v1,k2=v2"; a piece without '=' continues the previous value (librdkafka values
// such as debug contexts contain commas). Shown as an inline table. A TOML table has no order: keys
// come in name order, so give a property once, not also under an alias (linger.ms, queue.buffering.max.ms).
Field string_table_field(const std::string& key, std::vector<std::pair<std::string, std::string>>& target) {
  Field f;
  f.table = true;
  f.from_toml = [key, &target](const toml::node& n) -> Status {
    const toml::table* table = n.as_table();
    if (!table) return type_error(key, "a table of \"name\" = \"value\" pairs");
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, v] : *table) {
      std::string name(k.str());
      if (auto s = v.value_exact<std::string>()) {
        out.emplace_back(name, *s);
      } else if (auto b = v.value_exact<bool>()) {
        out.emplace_back(name, *b ? "true" : "false");
      } else if (auto i = v.value_exact<int64_t>()) {
        out.emplace_back(name, std::to_string(*i));
      } else if (v.is_table()) {  // fetch.wait.max.ms = "5" without quotes nests tables
        return core::error(ErrorCode::kConfigError, "config key '" + key + "': \"" + name +
                                                        "\" is a table; quote property names that contain dots, "
                                                        "as in \"fetch.wait.max.ms\" = \"5\"");
      } else {
        return core::error(ErrorCode::kConfigError, "config key '" + key + "': \"" + name +
                                                        "\" must be a string, a whole number or true/false");
      }
    }
    target = std::move(out);
    return Status::ok();
  };
  f.from_env = [key, &target](const std::string& s) -> Status {
    std::vector<std::pair<std::string, std::string>> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) {
      size_t eq = item.find('=');
      if (eq == std::string::npos) {
        if (out.empty()) return type_error(key, "name=value pairs separated by commas");
        out.back().second += "," + item;
        continue;
      }
      if (eq == 0) return type_error(key, "name=value pairs separated by commas");
      out.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
    target = std::move(out);
    return Status::ok();
  };
  f.show = [&target] {
    auto quoted = [](const std::string& text) {
      std::string out = "\"";
      core::append_json_escaped(out, text);  // TOML basic strings escape like JSON
      return out + "\"";
    };
    if (target.empty()) return std::string("{}");
    std::string out = "{ ";
    for (size_t i = 0; i < target.size(); ++i) {
      out += (i ? ", " : "") + quoted(target[i].first) + " = " + quoted(target[i].second);
    }
    return out + " }";
  };
  return f;
}

// Every key, in the order `config show` prints them.
std::vector<std::pair<std::string, Field>> fields(NiftyConfig& c) {
  std::vector<std::pair<std::string, Field>> f;
  auto add = [&](std::string key, Field field) { f.emplace_back(std::move(key), std::move(field)); };
  add("log.level", string_field("log.level", c.log_level, {"debug", "info", "warn", "error", "off"}));
  add("log.file", string_field("log.file", c.log_file));
  add("universe.file", string_field("universe.file", c.universe_file));
  add("calendar.file", string_field("calendar.file", c.calendar_file));
  add("feed.kind", string_field("feed.kind", c.feed_kind, {"replay", "sim", "live"}));
  add("feed.replay.inputs", string_list_field("feed.replay.inputs", c.replay.inputs));
  add("feed.replay.speed", speed_field("feed.replay.speed", c.replay.speed));
  add("feed.sim.seed", int_field("feed.sim.seed", c.sim.seed, 0, INT64_MAX));
  add("feed.sim.speed", speed_field("feed.sim.speed", c.sim.speed));
  add("feed.live.brokers", string_list_field("feed.live.brokers", c.live_brokers));
  add("feed.live.token_file", string_field("feed.live.token_file", c.token_file));
  add("feed.live.connect_timeout_ms", millis_field("feed.live.connect_timeout_ms", c.live.link.connect_timeout, 1, 600'000));
  add("feed.live.login_timeout_ms", millis_field("feed.live.login_timeout_ms", c.live.link.login_timeout, 1, 600'000));
  add("feed.live.backoff_initial_ms", millis_field("feed.live.backoff_initial_ms", c.live.link.backoff_initial, 1, 600'000));
  add("feed.live.backoff_max_ms", millis_field("feed.live.backoff_max_ms", c.live.link.backoff_max, 1, 3'600'000));
  add("feed.live.max_attempts", int_field("feed.live.max_attempts", c.live.link.max_attempts, 0, 1'000'000));
  add("feed.live.stale_after_ms", millis_field("feed.live.stale_after_ms", c.live.link.stale_after, 100, 3'600'000));
  add("feed.live.stale_only_in_session", bool_field("feed.live.stale_only_in_session", c.live.link.stale_only_in_session));
  add("feed.live.failover_after_ms", millis_field("feed.live.failover_after_ms", c.live.failover_after, 0, 3'600'000));
  add("feed.live.failback_after_ms", millis_field("feed.live.failback_after_ms", c.live.failback_after, 0, 3'600'000));
  add("feed.live.idle_timeout_ms", millis_field("feed.live.idle_timeout_ms", c.connector.idle_timeout, 0, 3'600'000));
  add("feed.live.ping_interval_ms", millis_field("feed.live.ping_interval_ms", c.connector.ping_interval, 0, 3'600'000));
  add("feed.kite.url", string_field("feed.kite.url", c.kite.url));
  add("feed.kite.api_url", string_field("feed.kite.api_url", c.kite_api_url));
  add("feed.kite.api_key", string_field("feed.kite.api_key", c.kite.api_key));
  add("feed.kite.api_secret", secret_field("feed.kite.api_secret", c.kite_api_secret));
  add("feed.flattrade.url", string_field("feed.flattrade.url", c.flattrade.url));
  add("feed.flattrade.connect_form", string_field("feed.flattrade.connect_form", c.flattrade_connect_form, {"current", "older"}));
  add("feed.flattrade.user_id", string_field("feed.flattrade.user_id", c.flattrade.user_id));
  add("feed.flattrade.account_id", string_field("feed.flattrade.account_id", c.flattrade.account_id));
  add("feed.flattrade.heartbeat_ms", millis_field("feed.flattrade.heartbeat_ms", c.flattrade.heartbeat_interval, 1000, 600'000));
  add("feed.flattrade.auth_url", string_field("feed.flattrade.auth_url", c.flattrade_auth_url));
  add("feed.flattrade.api_key", string_field("feed.flattrade.api_key", c.flattrade_api_key));
  add("feed.flattrade.api_secret", secret_field("feed.flattrade.api_secret", c.flattrade_api_secret));
  add("feed.mstock.url", string_field("feed.mstock.url", c.mstock.url));
  add("feed.mstock.api_url", string_field("feed.mstock.api_url", c.mstock_api_url));
  add("feed.mstock.api_key", string_field("feed.mstock.api_key", c.mstock.api_key));
  add("feed.mstock.client_code", string_field("feed.mstock.client_code", c.mstock_client_code));
  add("feed.mstock.password", secret_field("feed.mstock.password", c.mstock_password));
  add("feed.mstock.totp_secret", secret_field("feed.mstock.totp_secret", c.mstock_totp_secret));
  add("candles.grace_ms", int_field("candles.grace_ms", c.pipeline.candles.grace_nanos, 0, 60'000));
  add("candles.rollups", intervals_field("candles.rollups", c.pipeline.rollups));
  add("analysis.enabled", bool_field("analysis.enabled", c.pipeline.analysis));
  add("analysis.warm_up_candles", int_field("analysis.warm_up_candles", c.warm_up_candles, 0, 100'000));
  add("signals.confirm_count", int_field("signals.confirm_count", c.pipeline.signals.confirm_count, 1, 1000));
  add("signals.cooldown_seconds", seconds_field("signals.cooldown_seconds", c.pipeline.signals.cooldown, 0, 86'400));
  add("market_view.top_n", int_field("market_view.top_n", c.pipeline.market_view.top_n, 1, 50));
  add("market_view.bullish_breadth", double_field("market_view.bullish_breadth", c.pipeline.market_view.bullish_breadth, 1.0, 1e6));
  add("market_view.sentiment_change_percent",
      double_field("market_view.sentiment_change_percent", c.pipeline.market_view.sentiment_change_percent, 0.0, 100.0));
  add("engine.feed_queue_capacity", int_field("engine.feed_queue_capacity", c.pipeline.feed_queue_capacity, 1, 1 << 26));
  add("engine.live_feed_inline", bool_field("engine.live_feed_inline", c.live_feed_inline));
  add("store.backend", string_field("store.backend", c.store_backend, {"sqlite", "memory", "postgres"}));
  add("store.sqlite.path", string_field("store.sqlite.path", c.sqlite.path));
  add("store.postgres.host", string_field("store.postgres.host", c.postgres.host));
  add("store.postgres.port", int_field("store.postgres.port", c.postgres.port, 1, 65535));
  add("store.postgres.dbname", string_field("store.postgres.dbname", c.postgres.dbname));
  add("store.postgres.user", string_field("store.postgres.user", c.postgres.user));
  add("store.postgres.password", secret_field("store.postgres.password", c.postgres.password));
  add("store.postgres.sslmode", string_field("store.postgres.sslmode", c.postgres.sslmode,
                                             {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}));
  add("store.postgres.pool_size", int_field("store.postgres.pool_size", c.postgres.pool_size, 1, 256));
  add("store.postgres.connect_timeout_seconds",
      seconds_field("store.postgres.connect_timeout_seconds", c.postgres.connect_timeout, 1, 600));
  add("store.postgres.retention_days", int_field("store.postgres.retention_days", c.postgres.retention_days, 0, 100'000));
  add("store.spool.dir", string_field("store.spool.dir", c.spool.dir));
  add("store.spool.max_bytes", int_field("store.spool.max_bytes", c.spool.max_bytes, 1 << 20, INT64_MAX));
  add("store.spool.fsync", bool_field("store.spool.fsync", c.spool.fsync));
  add("store.writer.batch_size", int_field("store.writer.batch_size", c.writer.batch_size, 1, 1 << 20));
  add("store.writer.queue_capacity", int_field("store.writer.queue_capacity", c.writer.queue_capacity, 1, 1 << 26));
  add("cache.backend", string_field("cache.backend", c.cache_backend, {"memory", "redis"}));
  add("cache.redis.host", string_field("cache.redis.host", c.redis.host));
  add("cache.redis.port", int_field("cache.redis.port", c.redis.port, 1, 65535));
  add("cache.redis.db", int_field("cache.redis.db", c.redis.db, 0, 1000));
  add("cache.redis.connect_timeout_ms", millis_field("cache.redis.connect_timeout_ms", c.redis.connect_timeout, 1, 600'000));
  add("cache.redis.command_timeout_ms", millis_field("cache.redis.command_timeout_ms", c.redis.command_timeout, 1, 600'000));
  add("cache.redis.queue_capacity", int_field("cache.redis.queue_capacity", c.redis.queue_capacity, 1, 1 << 26));
  add("cache.redis.max_pipeline", int_field("cache.redis.max_pipeline", c.redis.max_pipeline, 1, 1 << 20));
  add("cache.redis.require_at_start", bool_field("cache.redis.require_at_start", c.redis.require_at_open));
  add("kafka.brokers", string_field("kafka.brokers", c.kafka.brokers));
  add("kafka.client_id", string_field("kafka.client_id", c.kafka.client_id));
  add("kafka.topic_prefix", string_field("kafka.topic_prefix", c.kafka.topic_prefix));
  add("kafka.profile", string_field("kafka.profile", c.kafka.profile, {"", "kafka-0.9"}));
  add("kafka.partitions", int_field("kafka.partitions", c.kafka.partitions, 1, 10'000));
  add("kafka.replication_factor", int_field("kafka.replication_factor", c.kafka.replication_factor, 1, 100));
  add("kafka.create_topics", bool_field("kafka.create_topics", c.kafka.create_topics));
  add("kafka.batch_num_messages", int_field("kafka.batch_num_messages", c.kafka.batch_num_messages, 1, 1'000'000));
  add("kafka.linger_ms", int_field("kafka.linger_ms", c.kafka.linger_ms, 0, 900'000));
  add("kafka.compression", string_field("kafka.compression", c.kafka.compression, {"none", "gzip", "snappy", "lz4", "zstd"}));
  add("kafka.idempotence", bool_field("kafka.idempotence", c.kafka.idempotence));
  add("kafka.acks", string_field("kafka.acks", c.kafka.acks, {"all", "1", "0"}));
  add("kafka.retries", int_field("kafka.retries", c.kafka.retries, 0, 1'000'000));
  add("kafka.retry_backoff_ms", int_field("kafka.retry_backoff_ms", c.kafka.retry_backoff_ms, 1, 300'000));
  add("kafka.max_in_flight", int_field("kafka.max_in_flight", c.kafka.max_in_flight, 1, 1'000'000));
  add("kafka.message_timeout_ms", int_field("kafka.message_timeout_ms", c.kafka.message_timeout_ms, 1, 900'000));
  add("kafka.session_timeout_ms", int_field("kafka.session_timeout_ms", c.kafka.session_timeout_ms, 1, 3'600'000));
  add("kafka.heartbeat_interval_ms", int_field("kafka.heartbeat_interval_ms", c.kafka.heartbeat_interval_ms, 1, 3'600'000));
  add("kafka.assignment_strategy", string_field("kafka.assignment_strategy", c.kafka.assignment_strategy, {"roundrobin", "range"}));
  add("kafka.auto_offset_reset", string_field("kafka.auto_offset_reset", c.kafka.auto_offset_reset, {"earliest", "latest"}));
  add("kafka.connect_timeout_ms", int_field("kafka.connect_timeout_ms", c.kafka.connect_timeout_ms, 1, 3'600'000));
  add("kafka.drain_timeout_ms", int_field("kafka.drain_timeout_ms", c.kafka.drain_timeout_ms, 1, 3'600'000));
  add("kafka.lag_interval_ms", int_field("kafka.lag_interval_ms", c.kafka.lag_interval_ms, 0, 3'600'000));
  add("kafka.properties", string_table_field("kafka.properties", c.kafka.properties));
  add("kafka.producer_properties", string_table_field("kafka.producer_properties", c.kafka.producer_properties));
  add("kafka.consumer_properties", string_table_field("kafka.consumer_properties", c.kafka.consumer_properties));
  add("services.bind_address", string_field("services.bind_address", c.services_bind_address));
  add("services.ingest.http_port", int_field("services.ingest.http_port", c.ingest_http_port, 0, 65535));
  add("services.candles.http_port", int_field("services.candles.http_port", c.candles_http_port, 0, 65535));
  add("services.candles.group", string_field("services.candles.group", c.candles_group));
  add("services.candles.commit_interval_ms",
      int_field("services.candles.commit_interval_ms", c.candles_commit_interval_ms, 1, 3'600'000));
  add("services.candles.time_source", string_field("services.candles.time_source", c.candles_time_source, {"event", "wall"}));
  add("services.candles.idle_close_ms", int_field("services.candles.idle_close_ms", c.candles_idle_close_ms, 0, 86'400'000));
  add("services.analyze.http_port", int_field("services.analyze.http_port", c.analyze_http_port, 0, 65535));
  add("services.analyze.group", string_field("services.analyze.group", c.analyze_group));
  add("gateway.enabled", bool_field("gateway.enabled", c.gateway_enabled));
  add("gateway.bind_address", string_field("gateway.bind_address", c.gateway.bind_address));
  add("gateway.port", int_field("gateway.port", c.gateway.port, 0, 65535));
  add("gateway.threads", int_field("gateway.threads", c.gateway.threads, 1, 256));
  add("gateway.auth", bool_field("gateway.auth", c.gateway.auth_enabled));
  add("gateway.open_health", bool_field("gateway.open_health", c.gateway.open_health));
  add("gateway.open_metrics", bool_field("gateway.open_metrics", c.gateway.open_metrics));
  add("gateway.key_cache_ttl_seconds", seconds_field("gateway.key_cache_ttl_seconds", c.gateway.key_cache_ttl, 0, 86'400));
  add("gateway.max_limit", int_field("gateway.max_limit", c.gateway.max_limit, 1, 1'000'000));
  add("gateway.access_log", bool_field("gateway.access_log", c.gateway.access_log));
  add("gateway.max_connections", int_field("gateway.max_connections", c.gateway.max_connections, 1, 1'000'000));
  add("gateway.ws_max_queued_messages", int_field("gateway.ws_max_queued_messages", c.gateway.ws_max_queued_messages, 1, 1'000'000));
  add("gateway.ws_max_queued_bytes", int_field("gateway.ws_max_queued_bytes", c.gateway.ws_max_queued_bytes, 1024, INT64_MAX));
  add("gateway.ws_heartbeat_ms", millis_field("gateway.ws_heartbeat_ms", c.gateway.ws_heartbeat_interval, 0, 3'600'000));
  add("gateway.ws_ping_ms", millis_field("gateway.ws_ping_ms", c.gateway.ws_ping_interval, 0, 3'600'000));
  add("gateway.standard_rate_per_second", double_field("gateway.standard_rate_per_second", c.gateway_standard_rate, 0.001, 1e6));
  add("gateway.premium_rate_per_second", double_field("gateway.premium_rate_per_second", c.gateway_premium_rate, 0.001, 1e6));
  return f;
}

// Keys given in milliseconds but stored in nanoseconds.
void to_internal_units(NiftyConfig& c, int64_t grace_ms) { c.pipeline.candles.grace_nanos = grace_ms * core::kNanosPerMilli; }

// The keys of `table` with their values; a sub-table is a section whose keys are collected too,
// unless its key names a table field (`is_table_key`), whose value is the whole table.
void collect_keys(const toml::table& table, const std::string& prefix,
                  const std::function<bool(const std::string&)>& is_table_key,
                  std::vector<std::pair<std::string, const toml::node*>>& out) {
  for (const auto& [k, node] : table) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    const toml::table* sub = node.as_table();
    if (sub != nullptr && !is_table_key(key)) {
      collect_keys(*sub, key, is_table_key, out);
    } else {
      out.emplace_back(key, &node);
    }
  }
}

std::string env_name(const std::string& key) {
  std::string name = "NIFTY_";
  for (char ch : key) name += ch == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return name;
}

}  // namespace

Result<double> parse_speed(std::string_view text) {
  if (text == "max") return 0.0;
  std::string s(text);
  if (!s.empty() && (s.back() == 'x' || s.back() == 'X')) s.pop_back();
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !(v > 0) || v > 1e9) {
    return core::error(ErrorCode::kInvalidArgument, "speed '" + std::string(text) + "' is not max, 1x or Nx");
  }
  return v;
}

std::string resolve_data_path(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty() || fs::path(path).is_absolute() || fs::exists(path)) return path;
  fs::path in_source = fs::path(NIFTY_SOURCE_DIR) / path;
  return fs::exists(in_source) ? in_source.string() : path;
}

Result<NiftyConfig> load_config(const std::string& path) {
  NiftyConfig config;
  int64_t grace_ms = config.pipeline.candles.grace_nanos / core::kNanosPerMilli;
  config.pipeline.candles.grace_nanos = grace_ms;  // fields() edits it in milliseconds
  auto all = fields(config);
  std::map<std::string, Field*> by_key;
  for (auto& [k, f] : all) by_key[k] = &f;

  if (!path.empty()) {
    toml::table table;
    try {
      table = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      std::ostringstream os;
      os << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": " << e.description();
      return core::error(ErrorCode::kConfigError, os.str());
    }
    std::vector<std::pair<std::string, const toml::node*>> keys;
    auto is_table_key = [&by_key](const std::string& key) {
      auto it = by_key.find(key);
      return it != by_key.end() && it->second->table;
    };
    collect_keys(table, "", is_table_key, keys);
    for (const auto& [key, node] : keys) {
      auto it = by_key.find(key);
      if (it == by_key.end()) {
        return core::error(ErrorCode::kConfigError, path + ": unknown config key '" + key + "'");
      }
      Status st = it->second->from_toml(*node);
      if (!st.is_ok()) return core::error(ErrorCode::kConfigError, path + ": " + st.message());
    }
  }
  for (auto& [key, field] : all) {
    if (const char* v = std::getenv(env_name(key).c_str())) {
      Status st = field.from_env(v);
      if (!st.is_ok()) {
        return core::error(ErrorCode::kConfigError, "environment " + env_name(key) + ": " + st.message());
      }
    }
  }
  to_internal_units(config, config.pipeline.candles.grace_nanos);
  if (config.feed_kind == "replay" && config.replay.inputs.empty()) {
    return core::error(ErrorCode::kConfigError, "config key 'feed.replay.inputs' is empty");
  }
  // librdkafka judges the property tables now, so a bad one stops every command at start.
  if (Status st = config.kafka.check_properties(); !st.is_ok()) {
    return core::error(ErrorCode::kConfigError, (path.empty() ? "" : path + ": ") + st.message());
  }
  return config;
}

std::string show_config(const NiftyConfig& config) {
  NiftyConfig copy = config;
  copy.pipeline.candles.grace_nanos /= core::kNanosPerMilli;
  auto all = fields(copy);
  std::string out;
  std::string section;
  for (auto& [key, field] : all) {
    size_t dot = key.rfind('.');
    std::string sec = key.substr(0, dot);
    if (sec != section) {
      out += (out.empty() ? "[" : "\n[") + sec + "]\n";
      section = sec;
    }
    if (field.secret) {  // never in a file: say where it comes from and whether it is set
      out += "# " + key.substr(dot + 1) + ": from " + env_name(key) + " (" + field.show() + ")\n";
    } else {
      out += key.substr(dot + 1) + " = " + field.show() + "\n";
    }
  }
  return out;
}

}  // namespace nifty::app
