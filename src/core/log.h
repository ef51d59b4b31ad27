// Logging facade: JSON lines on stderr, one Logger per module, built on spdlog.
//   {"level":"info","timestamp":"2024-01-25T10:31:00.000Z","module":"feed","msg":"connected","vendor":"kite"}
// Thread-safe. Loggers live for the whole process.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace nifty::core {

enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };
// Parses "debug", "info", "warn", "error", "off".
bool parse_log_level(std::string_view name, LogLevel& out);

using LogValue = std::variant<int64_t, double, bool, std::string_view>;
struct LogField {
  std::string_view key;
  LogValue value;
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
  template <typename I, typename = std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>>>
  LogField(std::string_view k, I v) : key(k), value(static_cast<int64_t>(v)) {}
};
using LogFields = std::initializer_list<LogField>;

class Logger {
 public:
  // The logger of a module ("feed", "candles", ...). Same object for the same name.
  static Logger& get(std::string_view module);
  // Process-wide level (default info) and sink (default stderr; a file path when given).
  static void set_level(LogLevel level);
  static bool set_file(const std::string& path);

  void debug(std::string_view msg, LogFields fields = {}) { log(LogLevel::kDebug, msg, fields); }
  void info(std::string_view msg, LogFields fields = {}) { log(LogLevel::kInfo, msg, fields); }
  void warn(std::string_view msg, LogFields fields = {}) { log(LogLevel::kWarn, msg, fields); }
  void error(std::string_view msg, LogFields fields = {}) { log(LogLevel::kError, msg, fields); }
  void log(LogLevel level, std::string_view msg, LogFields fields);
  bool enabled(LogLevel level) const;

  explicit Logger(std::string module) : module_(std::move(module)) {}

 private:
  std::string module_;
};

// Lets through at most one message per key per `interval`, counting what it held back; used for
// bad market data, which may arrive thousands of times a second.
class RateLimitedLog {
 public:
  explicit RateLimitedLog(std::chrono::nanoseconds interval = std::chrono::seconds(1)) : interval_(interval) {}
  // True when the caller should log now; `suppressed` then holds how many were held back since.
  bool should_log(uint64_t& suppressed);

 private:
  std::mutex mu_;
  std::chrono::nanoseconds interval_;
  std::chrono::steady_clock::time_point last_{};
  uint64_t held_ = 0;
  bool first_ = true;
};

// JSON string escaping shared by the logger and the codecs.
void append_json_escaped(std::string& out, std::string_view s);

}  // namespace nifty::core
