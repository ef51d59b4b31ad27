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

// Every key, in the order `config show` prints them.
std::vector<std::pair<std::string, Field>> fields(NiftyConfig& c) {
  std::vector<std::pair<std::string, Field>> f;
  auto add = [&](std::string key, Field field) { f.emplace_back(std::move(key), std::move(field)); };
  add("log.level", string_field("log.level", c.log_level, {"debug", "info", "warn", "error", "off"}));
  add("log.file", string_field("log.file", c.log_file));
  add("universe.file", string_field("universe.file", c.universe_file));
  add("calendar.file", string_field("calendar.file", c.calendar_file));
  add("feed.kind", string_field("feed.kind", c.feed_kind, {"replay", "sim"}));
  add("feed.replay.inputs", string_list_field("feed.replay.inputs", c.replay.inputs));
  add("feed.replay.speed", speed_field("feed.replay.speed", c.replay.speed));
  add("feed.sim.seed", int_field("feed.sim.seed", c.sim.seed, 0, INT64_MAX));
  add("feed.sim.speed", speed_field("feed.sim.speed", c.sim.speed));
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
  add("store.backend", string_field("store.backend", c.store_backend, {"sqlite", "memory"}));
  add("store.sqlite.path", string_field("store.sqlite.path", c.sqlite.path));
  add("store.writer.batch_size", int_field("store.writer.batch_size", c.writer.batch_size, 1, 1 << 20));
  add("store.writer.queue_capacity", int_field("store.writer.queue_capacity", c.writer.queue_capacity, 1, 1 << 26));
  return f;
}

// Keys given in milliseconds but stored in nanoseconds.
void to_internal_units(NiftyConfig& c, int64_t grace_ms) { c.pipeline.candles.grace_nanos = grace_ms * core::kNanosPerMilli; }

void collect_keys(const toml::table& table, const std::string& prefix, std::vector<std::pair<std::string, const toml::node*>>& out) {
  for (const auto& [k, node] : table) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const toml::table* sub = node.as_table()) {
      collect_keys(*sub, key, out);
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
    collect_keys(table, "", keys);
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
    out += key.substr(dot + 1) + " = " + (field.secret ? std::string("\"<redacted>\"") : field.show()) + "\n";
  }
  return out;
}

}  // namespace nifty::app
