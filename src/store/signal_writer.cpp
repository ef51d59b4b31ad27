#include "store/signal_writer.h"

#include <vector>

#include "core/log.h"

namespace nifty::store {

SignalWriter::SignalWriter(SignalStore& store, size_t queue_capacity)
    : store_(store), queue_(queue_capacity), thread_([this] { run(); }) {}

SignalWriter::~SignalWriter() {
  core::Status st = close();
  if (!st.is_ok()) core::Logger::get("store").error("signals not stored", {{"error", st.to_string()}});
}

void SignalWriter::write(const model::Signal& signal) {
  std::unique_lock lock(mu_);
  if (closed_) {
    ++failed_;
    if (first_error_.is_ok()) first_error_ = core::error(core::ErrorCode::kCancelled, "signal written after close: " + signal.id);
    return;
  }
  ++submitted_;
  lock.unlock();
  if (!queue_.push(signal)) {  // close() shut the queue after the check above
    {
      std::lock_guard relock(mu_);
      ++failed_;
      ++completed_;
      if (first_error_.is_ok()) {
        first_error_ = core::error(core::ErrorCode::kCancelled, "signal written while closing: " + signal.id);
      }
    }
    done_cv_.notify_all();
  }
}

void SignalWriter::run() {
  std::vector<model::Signal> batch;
  while (true) {
    batch.clear();
    size_t n = queue_.pop_some(batch, 4096, std::chrono::milliseconds(200));
    if (n == 0) {
      if (queue_.finished()) return;
      continue;
    }
    core::Status st = store_.append_all(batch);
    if (!st.is_ok()) {
      core::Logger::get("store").error("signal batch not stored",
                                       {{"signals", static_cast<int64_t>(n)}, {"error", st.to_string()}});
    }
    {
      std::lock_guard lock(mu_);
      completed_ += n;
      if (st.is_ok()) {
        written_ += n;
      } else {
        failed_ += n;
        if (first_error_.is_ok()) first_error_ = st;
      }
    }
    done_cv_.notify_all();
  }
}

core::Status SignalWriter::flush() {
  std::unique_lock lock(mu_);
  const uint64_t target = submitted_;
  done_cv_.wait(lock, [&] { return completed_ >= target; });
  core::Status st = first_error_;
  first_error_ = core::Status::ok();
  return st;
}

core::Status SignalWriter::close() {
  core::Status st = flush();
  {
    std::lock_guard lock(mu_);
    if (closed_) return st;
    closed_ = true;
  }
  queue_.close();
  if (thread_.joinable()) thread_.join();
  return st;
}

uint64_t SignalWriter::written() const {
  std::lock_guard lock(mu_);
  return written_;
}

uint64_t SignalWriter::failed() const {
  std::lock_guard lock(mu_);
  return failed_;
}

}  // namespace nifty::store
