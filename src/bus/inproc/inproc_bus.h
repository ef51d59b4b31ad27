// InprocBus: the in-process Bus (the embedded default). Inline subscribers run on the publisher's
// thread in publish order; queued subscribers each own a thread fed by a bounded queue, so a slow
// sink applies backpressure to the publisher instead of losing messages.
// Metrics per topic: bus_messages_published_total{topic}, bus_queue_depth{topic,subscriber},
// bus_backpressure_waits_total{topic,subscriber}.
// Thread-safe. Subscribe before publishing starts; subscriptions are fixed after the first publish.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/bus.h"
#include "core/bounded_queue.h"
#include "core/metrics.h"

namespace nifty::bus {

class InprocBus final : public Bus {
 public:
  InprocBus();
  ~InprocBus() override;

  core::Status publish(Topic topic, const Message& m) override;
  core::Status subscribe(Topic topic, std::string name, Handler handler, SubscribeOptions options = {}) override;
  void drain() override;
  void close() override;

  // Messages published on a topic so far.
  uint64_t published(Topic topic) const;

 private:
  struct Subscriber;
  struct TopicState {
    std::vector<std::unique_ptr<Subscriber>> subscribers;
    core::Counter* published = nullptr;
    std::atomic<uint64_t> count{0};
  };
  std::array<TopicState, std::size(kAllTopics)> topics_;
  std::mutex subscribe_mu_;
  std::atomic<bool> closed_{false};
};

}  // namespace nifty::bus
