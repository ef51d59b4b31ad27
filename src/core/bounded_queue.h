// BoundedQueue<T>: a multi-producer, multi-consumer FIFO with a fixed capacity.
// A full queue blocks the producer (backpressure); nothing is ever dropped. close() wakes everyone:
// producers then fail, consumers drain what is left and then see the end.
// A consumer may ask pop_some to poll an empty queue for a bounded time before it blocks on the
// condition variable: a thread that blocks pays a futex wake-up (tens of microseconds on a busy
// machine) for the next item; one still polling takes it at once. The poll is bounded, so an idle
// consumer costs no CPU beyond it.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <algorithm>
#include <deque>
#include <mutex>
#include <span>
#include <vector>

namespace nifty::core {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Blocks while full. Returns false when the queue was closed.
  bool push(T item) {
    std::unique_lock lock(mu_);
    if (items_.size() >= capacity_) {
      ++full_waits_;
      not_full_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
    }
    if (closed_) return false;
    items_.push_back(std::move(item));
    size_.store(items_.size(), std::memory_order_release);
    lock.unlock();
    not_empty_.notify_one();
    return true;
  }

  // Pushes all items in order, blocking as needed. Returns false when the queue was closed.
  bool push_all(std::span<const T> items) {
    size_t i = 0;
    while (i < items.size()) {
      std::unique_lock lock(mu_);
      if (items_.size() >= capacity_) {
        ++full_waits_;
        not_full_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
      }
      if (closed_) return false;
      while (i < items.size() && items_.size() < capacity_) items_.push_back(items[i++]);
      size_.store(items_.size(), std::memory_order_release);
      lock.unlock();
      not_empty_.notify_one();
    }
    return true;
  }

  // Moves up to `max` items into `out` (appending). Waits up to `timeout` for the first one: first
  // polling for up to `spin` (without the lock; 0 = none), then blocked. Returns the number moved;
  // 0 with closed() true means the queue is finished.
  size_t pop_some(std::vector<T>& out, size_t max, std::chrono::nanoseconds timeout,
                  std::chrono::nanoseconds spin = std::chrono::nanoseconds(0)) {
    if (spin.count() > 0 && size_.load(std::memory_order_acquire) == 0) {
      const auto until = std::chrono::steady_clock::now() + std::min(spin, timeout);
      for (unsigned i = 1; size_.load(std::memory_order_acquire) == 0; ++i) {
        cpu_relax();
        if (i % 16 == 0 && (std::chrono::steady_clock::now() >= until || closed_flag_.load(std::memory_order_relaxed)))
          break;
      }
    }
    std::unique_lock lock(mu_);
    if (items_.empty()) {
      not_empty_.wait_for(lock, timeout, [&] { return !items_.empty() || closed_; });
    }
    size_t n = 0;
    while (n < max && !items_.empty()) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
      ++n;
    }
    size_.store(items_.size(), std::memory_order_release);
    lock.unlock();
    if (n > 0) not_full_.notify_all();
    return n;
  }

  void close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      closed_flag_.store(true, std::memory_order_relaxed);
    }
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  bool closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }
  // True when closed and nothing is left to pop.
  bool finished() const {
    std::lock_guard lock(mu_);
    return closed_ && items_.empty();
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }
  size_t capacity() const { return capacity_; }
  // How many times a producer found the queue full and had to wait.
  uint64_t full_waits() const {
    std::lock_guard lock(mu_);
    return full_waits_;
  }

 private:
  static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
  uint64_t full_waits_ = 0;
  // Mirrors of items_.size() and closed_ for the lock-free poll of pop_some; written under mu_.
  std::atomic<size_t> size_{0};
  std::atomic<bool> closed_flag_{false};
};

}  // namespace nifty::core
