#include "core/log.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

#include "core/timestamp.h"

namespace nifty::core {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

// One spdlog logger for the whole process. Its only sink is a dist_sink whose target (stderr or a
// file) can be swapped at run time under the dist_sink's own mutex. Leaked on purpose so that
// logging keeps working during static destruction.
struct Backend {
  std::shared_ptr<spdlog::sinks::dist_sink_mt> dist;
  std::shared_ptr<spdlog::logger> logger;
};

Backend& backend() {
  static Backend* b = [] {
    auto* be = new Backend;
    be->dist = std::make_shared<spdlog::sinks::dist_sink_mt>();
    auto err = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    err->set_pattern("%v");
    be->dist->set_sinks({std::move(err)});
    be->logger = std::make_shared<spdlog::logger>("nifty", be->dist);
    be->logger->set_pattern("%v");
    be->logger->set_level(spdlog::level::trace);  // filtering is ours
    be->logger->flush_on(spdlog::level::trace);
    return be;
  }();
  return *b;
}

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
    case LogLevel::kOff: return "off";
  }
  return "info";
}

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
    case LogLevel::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

// "2024-01-25T10:31:00.000Z": always with milliseconds, so that lines sort and parse uniformly.
void append_iso_millis(std::string& out, Timestamp t) {
  const int64_t ms_total = t.millis();
  const int64_t day_ms = 86'400'000;
  int64_t days = ms_total / day_ms;
  int64_t rem = ms_total % day_ms;
  if (rem < 0) {
    rem += day_ms;
    --days;
  }
  Date d = Date::from_days_since_epoch(days);
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", d.year, d.month, d.day,
                        static_cast<int>(rem / 3'600'000), static_cast<int>(rem / 60'000 % 60),
                        static_cast<int>(rem / 1000 % 60), static_cast<int>(rem % 1000));
  out.append(buf, static_cast<size_t>(n));
}

void append_value(std::string& out, const LogValue& v) {
  char buf[64];
  if (const auto* i = std::get_if<int64_t>(&v)) {
    auto r = std::to_chars(buf, buf + sizeof buf, *i);
    out.append(buf, r.ptr);
  } else if (const auto* d = std::get_if<double>(&v)) {
    if (!std::isfinite(*d)) {
      out += "null";
    } else {
      auto r = std::to_chars(buf, buf + sizeof buf, *d);
      out.append(buf, r.ptr);
    }
  } else if (const auto* b = std::get_if<bool>(&v)) {
    out += *b ? "true" : "false";
  } else {
    out += '"';
    append_json_escaped(out, std::get<std::string_view>(v));
    out += '"';
  }
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t len = 0;
  uint32_t min = 0;
  uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, min = 0x80, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, min = 0x800, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, min = 0x10000, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

bool parse_log_level(std::string_view name, LogLevel& out) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError, LogLevel::kOff}) {
    if (level_name(l) == name) {
      out = l;
      return true;
    }
  }
  if (name == "warning") {
    out = LogLevel::kWarn;
    return true;
  }
  return false;
}

void append_json_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      // Copy the longest plain ASCII run at once.
      size_t j = i + 1;
      while (j < s.size()) {
        const auto cj = static_cast<unsigned char>(s[j]);
        if (cj < 0x20 || cj >= 0x80 || cj == '"' || cj == '\\') break;
        ++j;
      }
      out.append(s.data() + i, j - i);
      i = j;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; ++i; continue;
      case '\\': out += "\\\\"; ++i; continue;
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      case '\b': out += "\\b"; ++i; continue;
      case '\f': out += "\\f"; ++i; continue;
      default: break;
    }
    if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      ++i;
      continue;
    }
    // Non-ASCII: keep valid UTF-8 as is; replace each invalid byte with U+FFFD so that the output
    // is always valid JSON (bad market data can carry any bytes).
    size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
    } else {
      out.append(s.data() + i, len);
      i += len;
    }
  }
}

Logger& Logger::get(std::string_view module) {
  static std::mutex* mu = new std::mutex;
  static auto* loggers = new std::map<std::string, std::unique_ptr<Logger>, std::less<>>;
  std::lock_guard lock(*mu);
  auto it = loggers->find(module);
  if (it == loggers->end()) {
    it = loggers->emplace(std::string(module), std::make_unique<Logger>(std::string(module))).first;
  }
  return *it->second;
}

void Logger::set_level(LogLevel level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }

bool Logger::set_file(const std::string& path) {
  std::shared_ptr<spdlog::sinks::sink> sink;
  try {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
    sink->set_pattern("%v");
  } catch (const std::exception&) {
    return false;
  }
  Backend& b = backend();
  b.dist->set_sinks({std::move(sink)});
  return true;
}

bool Logger::enabled(LogLevel level) const {
  return level != LogLevel::kOff && static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void Logger::log(LogLevel level, std::string_view msg, LogFields fields) {
  if (!enabled(level)) return;
  std::string line;
  line.reserve(128 + msg.size() + fields.size() * 24);
  line += "{\"level\":\"";
  line += level_name(level);
  line += "\",\"timestamp\":\"";
  append_iso_millis(line, Timestamp::now());
  line += "\",\"module\":\"";
  append_json_escaped(line, module_);
  line += "\",\"msg\":\"";
  append_json_escaped(line, msg);
  line += '"';
  for (const LogField& f : fields) {
    line += ",\"";
    append_json_escaped(line, f.key);
    line += "\":";
    append_value(line, f.value);
  }
  line += '}';
  try {
    backend().logger->log(to_spdlog(level), std::string_view(line));
  } catch (...) {
    // A failing log sink must never take the process down.
  }
}

bool RateLimitedLog::should_log(uint64_t& suppressed) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (first_ || now - last_ >= interval_) {
    first_ = false;
    last_ = now;
    suppressed = held_;
    held_ = 0;
    return true;
  }
  ++held_;
  return false;
}

}  // namespace nifty::core
