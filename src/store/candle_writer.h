// CandleWriter: moves candles from the engine thread to a CandleStore without making the engine
// wait for disk. It owns one thread that takes candles from a bounded queue and upserts them in
// transactions of as many candles as are waiting (up to batch_size): under load it batches by
// itself, when idle each candle is written at once.
//
// Nothing is lost silently: a full queue blocks write() (backpressure); a candle the store rejects
// as invalid is counted and reported; a failed transaction is retried (bounded, logged) and, when it
// still fails, counted and reported through flush() and stats().
//
// Metrics (core::MetricsRegistry::global()): store_candles_written_total{backend},
// store_write_batches_total{backend}, store_write_errors_total{backend},
// store_write_batch_seconds{backend} (histogram of transaction times).
//
// Threading: write(), flush(), close() and stats() may be called from any thread. The store must
// outlive the writer and be safe to call from the writer's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "core/bounded_queue.h"
#include "core/metrics.h"
#include "core/status.h"
#include "model/candle.h"
#include "store/candle_store.h"

namespace nifty::store {

struct CandleWriterConfig {
  // Most candles upserted in one transaction.
  size_t batch_size = 65536;
  // Candles that may wait in the queue before write() blocks.
  size_t queue_capacity = 65536;
  // Tries of one transaction before its candles are given up as failed (at least 1).
  int max_attempts = 3;
  // Wait before the first retry; doubled before each further one.
  std::chrono::milliseconds retry_backoff{50};
};

struct CandleWriterStats {
  uint64_t candles_written = 0;   // committed to the store
  uint64_t batches = 0;           // transactions committed
  uint64_t errors = 0;            // transactions given up after all attempts, plus rejected candles
  uint64_t candles_failed = 0;    // candles not stored (given-up transactions, invalid, written after close)
  uint64_t retries = 0;           // transaction attempts that were tried again
  uint64_t queue_full_waits = 0;  // times write() found the queue full and waited
};

class CandleWriter {
 public:
  explicit CandleWriter(CandleStore& store, CandleWriterConfig config = {});
  ~CandleWriter();  // close(); an error it returns is logged
  CandleWriter(const CandleWriter&) = delete;
  CandleWriter& operator=(const CandleWriter&) = delete;

  // Queues a candle for writing. Blocks while the queue is full; never drops. After close() the
  // candle cannot be written: it is counted as failed and the next flush() reports kCancelled.
  void write(const model::Candle& candle);
  // Waits until every candle whose write() returned before this call is committed or given up.
  // Returns the first error since the previous flush() (ok when there was none).
  core::Status flush();
  // flush(), then stops the thread. Idempotent: later calls only report errors since.
  core::Status close();
  CandleWriterStats stats() const;

 private:
  void run();
  void process(std::vector<model::Candle>& batch);
  core::Status upsert_with_retries(std::span<const model::Candle> batch);
  void record_error(core::Status status);

  CandleStore& store_;
  const CandleWriterConfig config_;
  core::BoundedQueue<model::Candle> queue_;

  core::Counter& written_metric_;
  core::Counter& batches_metric_;
  core::Counter& errors_metric_;
  core::Histogram& batch_seconds_;

  // Serialises producers so that `submitted_` counts candles in queue order.
  std::mutex write_mu_;
  uint64_t submitted_ = 0;

  // Progress of the writer thread, its stats and the first error not yet reported by flush().
  mutable std::mutex done_mu_;
  std::condition_variable done_cv_;
  uint64_t completed_ = 0;
  CandleWriterStats stats_;
  core::Status first_error_;

  std::mutex close_mu_;
  bool closed_ = false;
  std::thread thread_;
};

}  // namespace nifty::store
