// A gateway for load tests: memory adapters, the real universe, one scorecard per symbol, and one
// key with limits high enough not to matter (the bench measures serving, not refusing).
// Usage: gateway_bench_server PORT KEY [--access-log] [--threads N]
// Prints "ready" on stdout once listening; stops on SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/clock.h"
#include "gateway/api_key_auth.h"
#include "gateway/gateway.h"
#include "store/memory/memory_api_key_store.h"
#include "store/memory/memory_hot_cache.h"

using namespace nifty;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s PORT KEY [--access-log] [--threads N]\n", argv[0]);
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  gateway::GatewayConfig config;
  config.port = static_cast<uint16_t>(std::atoi(argv[1]));
  config.access_log = false;
  for (int i = 3; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--access-log") config.access_log = true;
    if (a == "--threads" && i + 1 < argc) config.threads = std::atoi(argv[++i]);
  }
  auto universe = model::Universe::load_csv(std::string(NIFTY_SHARED_DATA_DIR) + "/nifty50.csv");
  if (!universe) {
    std::fprintf(stderr, "%s\n", universe.status().to_string().c_str());
    return 1;
  }
  core::WallClock clock;
  store::MemoryHotCache cache;
  store::MemoryApiKeyStore keys;
  store::ApiKey k;
  k.id = "k_bench";
  k.key_hash = gateway::hash_api_key(argv[2]);
  k.tier = "premium";
  k.rate_per_second = 1e9;
  k.burst = 1'000'000'000;
  (void)keys.create(k);
  for (const auto& in : universe->instruments()) {
    model::Scorecard s;
    s.symbol = in.symbol;
    s.timestamp = clock.now();
    s.ltp = model::Price::from_paise(285050);
    s.change = 12.0;
    s.change_percent = 0.42;
    s.rsi = 65.2;
    s.macd = {12.5, 10.2, 2.3};
    s.ema50 = 2840.0;
    s.ema100 = 2820.0;
    s.ema200 = 2800.0;
    s.bollinger = {2860.0, 2850.0, 2840.0};
    s.trend_score = 3.5;
    s.momentum_score = 4.0;
    s.composite_score = 3.75;
    s.ai = {0.82, 0.88, "v1-heuristic"};
    s.recommendation = model::Recommendation::kStrongBuy;
    (void)cache.set_scorecard(s);
  }
  gateway::GatewayDeps deps;
  deps.cache = &cache;
  deps.keys = &keys;
  deps.universe = &*universe;
  deps.clock = &clock;
  auto g = gateway::Gateway::start(config, deps);
  if (!g) {
    std::fprintf(stderr, "%s\n", g.status().to_string().c_str());
    return 1;
  }
  std::printf("ready %u\n", static_cast<unsigned>((*g)->port()));
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  (*g)->stop();
  return 0;
}
