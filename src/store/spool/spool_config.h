// SpoolConfig: where and how the stores spool writes while their backend is down. Plain value.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace nifty::store {

struct SpoolConfig {
  // Directory of the spool; created when missing. The candle spool uses <dir>/candles and the
  // signal spool <dir>/signals, so one directory serves both. Required.
  std::string dir;
  // Most bytes one spool (candles or signals) may hold on disk; past it writes fail with
  // kResourceExhausted (the writers back off and retry).
  uint64_t max_bytes = uint64_t{1} << 30;
  // Size at which a new segment file is started (drained segments are deleted whole).
  uint64_t segment_bytes = uint64_t{64} << 20;
  // fsync every spooled batch and every drain step; off only for tests or a disposable spool.
  bool fsync = true;
  // Wait before the first retry of the backend after a failure; doubled after each further
  // failure up to backoff_max. Each wait is jittered to between half and all of it.
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{10'000};
};

}  // namespace nifty::store
