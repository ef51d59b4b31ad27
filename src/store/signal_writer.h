// SignalWriter: moves signals from the engine thread to a SignalStore on a thread of its own, in
// transactions of as many signals as are waiting, so that a replay's thousands of signals cost a
// few commits and the engine never waits for disk. A full queue blocks write() (backpressure);
// a failed transaction is logged, counted and reported by flush(), never dropped silently.
// Threading: write(), flush(), close() from any thread; the store must outlive the writer.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "core/bounded_queue.h"
#include "core/status.h"
#include "store/signal_store.h"

namespace nifty::store {

class SignalWriter {
 public:
  explicit SignalWriter(SignalStore& store, size_t queue_capacity = 16384);
  ~SignalWriter();  // close()
  SignalWriter(const SignalWriter&) = delete;
  SignalWriter& operator=(const SignalWriter&) = delete;

  // Queues a signal; blocks while the queue is full. After close() it is counted as failed.
  void write(const model::Signal& signal);
  // Waits until every signal written before the call is stored or given up; returns the first
  // error since the previous flush().
  core::Status flush();
  // flush(), then stops the thread. Idempotent.
  core::Status close();
  uint64_t written() const;
  uint64_t failed() const;

 private:
  void run();

  SignalStore& store_;
  core::BoundedQueue<model::Signal> queue_;
  mutable std::mutex mu_;
  std::condition_variable done_cv_;
  uint64_t submitted_ = 0;  // under mu_
  uint64_t completed_ = 0;  // under mu_
  uint64_t written_ = 0;    // under mu_
  uint64_t failed_ = 0;     // under mu_
  core::Status first_error_;
  bool closed_ = false;
  std::thread thread_;
};

}  // namespace nifty::store
