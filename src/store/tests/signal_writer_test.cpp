#include "store/signal_writer.h"

#include <gtest/gtest.h>

#include "store/memory/memory_signal_store.h"

namespace nifty::store {
namespace {

model::Signal signal(int i) {
  model::Signal s;
  s.symbol = model::Symbol("TCS");
  s.timestamp = core::Timestamp::from_ist(core::Date{2024, 1, 25}, 10, 0) + static_cast<int64_t>(i) * core::kNanosPerMinute;
  s.id = "TCS-" + std::to_string(i);
  s.action = model::Recommendation::kBuy;
  s.price = model::Price::from_paise(350000 + i);
  return s;
}

// A store whose batches all fail, counting what it was asked to store.
class FailingStore final : public SignalStore {
 public:
  core::Status append(const model::Signal&) override { return core::error(core::ErrorCode::kIoError, "disk full"); }
  core::Status append_all(std::span<const model::Signal> s) override {
    asked += s.size();
    return core::error(core::ErrorCode::kIoError, "disk full");
  }
  core::Result<std::vector<model::Signal>> range(core::Timestamp, core::Timestamp, std::optional<model::Symbol>) override {
    return std::vector<model::Signal>{};
  }
  std::string_view backend() const override { return "failing"; }
  size_t asked = 0;
};

TEST(SignalWriter, StoresEverySignalInOrder) {
  MemorySignalStore store;
  SignalWriter writer(store, 8);  // a small queue: write() must block, not drop
  for (int i = 0; i < 500; ++i) writer.write(signal(i));
  ASSERT_TRUE(writer.flush().is_ok());
  auto all = store.range(core::Timestamp::from_seconds(0), core::Timestamp::from_seconds(4'000'000'000));
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ((*all)[static_cast<size_t>(i)].id, "TCS-" + std::to_string(i));
  EXPECT_EQ(writer.written(), 500u);
  EXPECT_EQ(writer.failed(), 0u);
}

TEST(SignalWriter, ReportsAFailingStoreAndCountsWhatWasLost) {
  FailingStore store;
  SignalWriter writer(store);
  for (int i = 0; i < 10; ++i) writer.write(signal(i));
  auto st = writer.flush();
  EXPECT_EQ(st.code(), core::ErrorCode::kIoError);
  EXPECT_EQ(writer.failed(), 10u);
  EXPECT_EQ(store.asked, 10u);
  EXPECT_TRUE(writer.flush().is_ok());  // reported once
}

TEST(SignalWriter, AWriteAfterCloseIsCountedAndReported) {
  MemorySignalStore store;
  SignalWriter writer(store);
  ASSERT_TRUE(writer.close().is_ok());
  writer.write(signal(1));
  EXPECT_EQ(writer.failed(), 1u);
  EXPECT_EQ(writer.close().code(), core::ErrorCode::kCancelled);
}

}  // namespace
}  // namespace nifty::store
