#include "bus/inproc/inproc_bus.h"

#include <condition_variable>

namespace nifty::bus {

struct InprocBus::Subscriber {
  std::string name;
  Handler handler;
  bool queued = false;
  std::unique_ptr<core::BoundedQueue<Message>> queue;
  std::thread thread;
  core::Gauge* depth = nullptr;
  core::Counter* waits = nullptr;
  // Drain bookkeeping: messages accepted versus handled.
  std::mutex mu;
  std::condition_variable cv;
  uint64_t enqueued = 0;
  uint64_t handled = 0;

  void run() {
    std::vector<Message> batch;
    batch.reserve(256);
    while (true) {
      batch.clear();
      size_t n = queue->pop_some(batch, 256, std::chrono::milliseconds(200));
      if (n == 0) {
        if (queue->finished()) return;
        continue;
      }
      depth->set(static_cast<double>(queue->size()));
      for (const Message& m : batch) handler(m);
      {
        std::lock_guard lock(mu);
        handled += n;
      }
      cv.notify_all();
    }
  }
};

InprocBus::InprocBus() {
  auto& registry = core::MetricsRegistry::global();
  for (Topic t : kAllTopics) {
    topics_[static_cast<size_t>(t)].published =
        &registry.counter("bus_messages_published_total", "Messages published on an in-process bus topic",
                          {{"topic", std::string(topic_name(t))}});
  }
}

InprocBus::~InprocBus() { close(); }

core::Status InprocBus::subscribe(Topic topic, std::string name, Handler handler, SubscribeOptions options) {
  if (closed_.load()) return core::error(core::ErrorCode::kCancelled, "bus is closed");
  if (!handler) return core::error(core::ErrorCode::kInvalidArgument, "subscriber " + name + " has no handler");
  std::lock_guard lock(subscribe_mu_);
  auto sub = std::make_unique<Subscriber>();
  sub->name = name;
  sub->handler = std::move(handler);
  sub->queued = options.queued;
  if (sub->queued) {
    auto& registry = core::MetricsRegistry::global();
    core::MetricLabels labels = {{"topic", std::string(topic_name(topic))}, {"subscriber", name}};
    sub->depth = &registry.gauge("bus_queue_depth", "Messages waiting for a queued bus subscriber", labels);
    sub->waits = &registry.counter("bus_backpressure_waits_total",
                                   "Times a publisher waited because a subscriber's queue was full", labels);
    sub->queue = std::make_unique<core::BoundedQueue<Message>>(options.queue_capacity);
    Subscriber* raw = sub.get();
    sub->thread = std::thread([raw] { raw->run(); });
  }
  topics_[static_cast<size_t>(topic)].subscribers.push_back(std::move(sub));
  return core::Status::ok();
}

core::Status InprocBus::publish(Topic topic, const Message& m) {
  if (closed_.load(std::memory_order_relaxed)) {
    return core::error(core::ErrorCode::kCancelled, "publish on a closed bus");
  }
  TopicState& state = topics_[static_cast<size_t>(topic)];
  state.published->inc();
  state.count.fetch_add(1, std::memory_order_relaxed);
  for (auto& sub : state.subscribers) {
    if (!sub->queued) {
      sub->handler(m);
      continue;
    }
    uint64_t waits_before = sub->queue->full_waits();
    {
      std::lock_guard lock(sub->mu);
      ++sub->enqueued;
    }
    if (!sub->queue->push(m)) {
      std::lock_guard lock(sub->mu);
      --sub->enqueued;
      return core::error(core::ErrorCode::kCancelled, "subscriber " + sub->name + " is closed");
    }
    if (sub->queue->full_waits() != waits_before) sub->waits->inc();
  }
  return core::Status::ok();
}

void InprocBus::drain() {
  for (auto& state : topics_) {
    for (auto& sub : state.subscribers) {
      if (!sub->queued) continue;
      std::unique_lock lock(sub->mu);
      sub->cv.wait(lock, [&] { return sub->handled >= sub->enqueued || !sub->thread.joinable(); });
    }
  }
}

void InprocBus::close() {
  if (closed_.exchange(true)) return;
  for (auto& state : topics_) {
    for (auto& sub : state.subscribers) {
      if (!sub->queued) continue;
      sub->queue->close();  // the thread drains what is left, then ends
      if (sub->thread.joinable()) sub->thread.join();
    }
  }
}

uint64_t InprocBus::published(Topic topic) const {
  return topics_[static_cast<size_t>(topic)].count.load(std::memory_order_relaxed);
}

}  // namespace nifty::bus
