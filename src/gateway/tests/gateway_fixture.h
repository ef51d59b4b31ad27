// Test fixture: a Gateway on port 0 over memory adapters, a manual clock, the real Nifty 50
// universe (../shared/data/nifty50.csv), and three keys: standard, premium and revoked.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/clock.h"
#include "gateway/api_key_auth.h"
#include "gateway/gateway.h"
#include "net/http_client.h"
#include "store/memory/memory_api_key_store.h"
#include "store/memory/memory_candle_store.h"
#include "store/memory/memory_hot_cache.h"
#include "store/memory/memory_signal_store.h"

namespace nifty::gateway::testing {

inline constexpr char kStandardKey[] = "nk_standard_test_key";
inline constexpr char kPremiumKey[] = "nk_premium_test_key";
inline constexpr char kRevokedKey[] = "nk_revoked_test_key";

// Polls `pred` until true or the deadline.
inline bool poll_until(const std::function<bool()>& pred, std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::yield();
  }
  return pred();
}

class GatewayFixture : public ::testing::Test {
 protected:
  void SetUp() override { start_gateway(); }
  void TearDown() override {
    if (gateway_) gateway_->stop();
  }

  void start_gateway(std::function<void(GatewayConfig&)> tweak = {}) {
    auto u = model::Universe::load_csv(std::string(NIFTY_SHARED_DATA_DIR) + "/nifty50.csv");
    ASSERT_TRUE(u.is_ok()) << u.status().to_string();
    universe_ = std::move(u).value();
    if (keys_.list()->empty()) {
      add_key(kStandardKey, "k_std", "standard", 10.0, 10);
      add_key(kPremiumKey, "k_prem", "premium", 50.0, 50);
      add_key(kRevokedKey, "k_rev", "standard", 10.0, 10);
      ASSERT_TRUE(keys_.revoke("k_rev", clock_.now()).is_ok());
    }
    GatewayConfig config;
    config.port = 0;
    config.access_log = false;
    config.ws_heartbeat_interval = std::chrono::milliseconds(0);
    if (tweak) tweak(config);
    GatewayDeps deps;
    deps.cache = &cache_;
    deps.candles = &candles_;
    deps.signals = &signals_;
    deps.keys = &keys_;
    deps.universe = &universe_;
    deps.clock = &clock_;
    deps.bus = bus_;
    deps.health = {{"store", [this] { return store_ok_ ? core::Status::ok() : core::error(core::ErrorCode::kUnavailable, "store down"); }},
                   {"cache", [] { return core::Status::ok(); }}};
    auto g = Gateway::start(config, deps);
    ASSERT_TRUE(g.is_ok()) << g.status().to_string();
    gateway_ = std::move(g).value();
  }

  void add_key(const char* text, const char* id, const char* tier, double rate, int burst) {
    store::ApiKey k;
    k.id = id;
    k.key_hash = hash_api_key(text);
    k.tier = tier;
    k.rate_per_second = rate;
    k.burst = burst;
    k.created_at = core::Timestamp::from_seconds(1'700'000'000);
    ASSERT_TRUE(keys_.create(k).is_ok());
  }

  net::HttpResponse get(const std::string& target, const char* key = kPremiumKey) {
    net::HttpRequest r;
    r.url = "http://127.0.0.1:" + std::to_string(gateway_->port()) + target;
    if (key != nullptr) r.headers.emplace_back("X-API-KEY", key);
    r.timeout = std::chrono::seconds(10);
    auto resp = net::http_request(r);
    EXPECT_TRUE(resp.is_ok()) << resp.status().to_string();
    return resp.is_ok() ? std::move(resp).value() : net::HttpResponse{};
  }

  core::ManualClock clock_{core::Timestamp::from_seconds(1'706'160'660)};  // 2024-01-25T05:31:00Z
  model::Universe universe_;
  store::MemoryHotCache cache_;
  store::MemoryCandleStore candles_;
  store::MemorySignalStore signals_;
  store::MemoryApiKeyStore keys_;
  bus::Bus* bus_ = nullptr;
  std::atomic<bool> store_ok_{true};
  std::unique_ptr<Gateway> gateway_;
};

}  // namespace nifty::gateway::testing
