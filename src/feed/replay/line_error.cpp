#include "feed/replay/line_error.h"

#include "core/log.h"

namespace nifty::feed {

std::string_view line_error_kind_name(LineErrorKind kind) {
  switch (kind) {
    case LineErrorKind::kMalformed: return "malformed";
    case LineErrorKind::kInvalidOhlc: return "invalid_ohlc";
    case LineErrorKind::kOutOfOrder: return "out_of_order";
    case LineErrorKind::kDuplicate: return "duplicate";
  }
  return "unknown";
}

std::string LineError::to_string() const {
  return file + ":" + std::to_string(line) + ": " + std::string(line_error_kind_name(kind)) + ": " + reason;
}

void LineErrorLog::add(std::string_view file, uint64_t line, LineErrorKind kind, std::string reason) {
  ++total_;
  ++counts_[static_cast<size_t>(kind)];
  // Rate-limited so that a file full of bad lines does not flood the log; the counts stay exact.
  static core::RateLimitedLog limiter;
  uint64_t suppressed = 0;
  if (limiter.should_log(suppressed)) {
    core::Logger::get("feed").warn("skipped a bad line",
                                   {{"file", file},
                                    {"line", line},
                                    {"kind", line_error_kind_name(kind)},
                                    {"reason", reason},
                                    {"suppressed", suppressed}});
  }
  if (errors_.size() < kKeep) errors_.push_back(LineError{std::string(file), line, kind, std::move(reason)});
}

void LineErrorLog::merge(const LineErrorLog& other) {
  total_ += other.total_;
  for (size_t i = 0; i < kLineErrorKindCount; ++i) counts_[i] += other.counts_[i];
  for (const LineError& e : other.errors_) {
    if (errors_.size() >= kKeep) break;
    errors_.push_back(e);
  }
}

}  // namespace nifty::feed
