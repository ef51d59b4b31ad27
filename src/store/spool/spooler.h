// Spooler: the backend-independent machinery behind SpoolingCandleStore and SpoolingSignalStore.
// It owns a SpoolFile and a drain thread. Writers call write(direct, encode): while nothing is
// spooled, `direct` writes to the backend; when that fails with a retryable error (or kIoError)
// the batch is encoded and appended to the spool instead, and once anything is spooled every
// later batch is spooled too, so batches reach the backend in the order they were written. The
// drain thread replays spooled records in order through `apply`, retrying with exponential
// backoff and jitter, and pops each only after `apply` returned ok (so a crash between the two
// replays it once more: the stores' writes are idempotent upserts, so that is harmless).
//
// A record `apply` rejects as malformed (kInvalidArgument, kParseError, kOutOfRange: it can never
// succeed) is moved out of the queue to "<dir>/rejected-<ns>.rec", logged and counted, so one bad
// record cannot block the others; every other failure is retried until it succeeds.
//
// Metrics (core::MetricsRegistry::global(), labels backend and spool = "candles" | "signals"):
// store_backend_up (1/0), store_spool_bytes, store_spool_records, store_spooled_total,
// store_drained_total, store_spool_rejected_total; store_spool_corrupt_total{spool} counts torn or
// corrupt records cut when a spool is opened.
//
// Threading: write(), drain_wait() and health() may be called from any thread; writes are
// serialised (one at a time, in call order). `apply` runs on the drain thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "core/status.h"
#include "core/timestamp.h"
#include "store/spool/spool_config.h"
#include "store/spool/spool_file.h"

namespace nifty::store {

// What /health shows of a spooling store.
struct SpoolHealth {
  bool backend_up = true;          // the last write to or drain into the backend succeeded
  uint64_t spooled_bytes = 0;      // on disk, waiting
  uint64_t spooled_records = 0;    // batches waiting
  std::chrono::nanoseconds oldest_age{0};  // how long the oldest waiting batch has waited; 0 when none
  uint64_t spooled_total = 0;      // batches spooled since this process opened the spool
  uint64_t drained_total = 0;      // batches drained into the backend since then
};

// True for the failures that send a batch to the spool: the backend may take it later.
bool is_spoolable(const core::Status& status);

class Spooler {
 public:
  using Apply = std::function<core::Status(std::span<const uint8_t> record)>;

  // Opens the spool in config.dir/<kind> and starts draining what an earlier run left there.
  // `backend` and `kind` label the metrics and logs.
  static core::Result<std::unique_ptr<Spooler>> open(const SpoolConfig& config, std::string_view backend,
                                                     std::string_view kind, Apply apply);
  ~Spooler();  // stops the drain thread; what is still spooled stays on disk for the next open
  Spooler(const Spooler&) = delete;
  Spooler& operator=(const Spooler&) = delete;

  // Writes one batch: direct() when nothing is spooled; else, or when direct() fails with a
  // spoolable error, encode(buffer) and append the record. Returns ok once the batch is in the
  // backend or durably spooled; kResourceExhausted when the spool is full; direct()'s own error
  // when it is not spoolable.
  template <typename Direct, typename Encode>
  core::Status write(Direct&& direct, Encode&& encode) {
    std::lock_guard write_lock(write_mu_);
    bool after_failure = false;
    if (!has_backlog()) {
      core::Status s = direct();
      if (!is_spoolable(s)) {
        if (s.is_ok()) note_backend(true);
        return s;
      }
      note_failure(s);
      after_failure = true;
    }
    encode(encode_buffer_);
    return append(encode_buffer_, after_failure);
  }

  // Waits until the spool is empty (ok) or `timeout` passed (kTimeout).
  core::Status drain_wait(std::chrono::milliseconds timeout);
  SpoolHealth health() const;

 private:
  Spooler(const SpoolConfig& config, std::string backend, std::string kind, Apply apply,
          std::unique_ptr<SpoolFile> file);
  bool has_backlog() const;
  core::Status append(std::span<const uint8_t> record, bool after_failure);
  void note_backend(bool up);
  void note_failure(const core::Status& status);
  std::chrono::steady_clock::duration next_backoff_locked();
  void update_gauges_locked();
  void quarantine(std::span<const uint8_t> record, const core::Status& why);
  void run();

  const SpoolConfig config_;
  const std::string backend_;
  const std::string kind_;
  const std::string dir_;
  Apply apply_;

  core::Gauge& up_metric_;
  core::Gauge& bytes_metric_;
  core::Gauge& records_metric_;
  core::Counter& spooled_metric_;
  core::Counter& drained_metric_;
  core::Counter& rejected_metric_;

  std::mutex write_mu_;                 // serialises write()
  std::vector<uint8_t> encode_buffer_;  // guarded by write_mu_

  mutable std::mutex mu_;
  std::condition_variable wake_cv_;     // drain thread: something spooled, or stop
  std::condition_variable drained_cv_;  // drain_wait(): the spool became empty
  std::unique_ptr<SpoolFile> file_;     // guarded by mu_
  std::chrono::steady_clock::time_point next_attempt_{};  // guarded by mu_
  std::chrono::steady_clock::duration backoff_{};         // guarded by mu_
  std::mt19937_64 rng_;                                   // guarded by mu_
  bool stop_ = false;                                     // guarded by mu_
  uint64_t spooled_total_ = 0;                            // guarded by mu_
  uint64_t drained_total_ = 0;                            // guarded by mu_
  std::atomic<bool> backend_up_{true};

  std::thread thread_;
};

}  // namespace nifty::store
