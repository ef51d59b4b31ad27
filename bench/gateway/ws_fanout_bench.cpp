// WebSocket fan-out harness: N clients subscribed to candles:* on an in-process gateway; the
// publisher pushes M candle updates and each client records when each arrives. Reports delivery
// latency (publish -> received by the client, over loopback) percentiles across all deliveries, and
// the process's resident memory with N clients (gateway + clients: an upper bound for the gateway).
// Usage: ws_fanout_bench CLIENTS [MESSAGES=100] [INTERVAL_MS=20]
// Needs `ulimit -n` above 2 * CLIENTS + 100.
#include <utility>
#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "gateway/gateway.h"
#include "store/memory/memory_hot_cache.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ws = beast::websocket;
using Clock = std::chrono::steady_clock;
using namespace nifty;

namespace {

std::vector<Clock::time_point> g_sent;  // publish time per sequence
std::atomic<int> g_open{0};

long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

struct Client : std::enable_shared_from_this<Client> {
  explicit Client(asio::io_context& io) : stream(io) {}
  ws::stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  std::vector<int64_t> latencies_us;
  bool subscribed = false;

  void start(const asio::ip::tcp::endpoint& ep) {
    auto self = shared_from_this();
    beast::get_lowest_layer(stream).async_connect(ep, [self](beast::error_code ec) {
      if (ec) return;
      beast::get_lowest_layer(self->stream).expires_never();
      self->stream.async_handshake("127.0.0.1", "/ws", [self](beast::error_code ec2) {
        if (ec2) return;
        self->stream.text(true);
        self->stream.async_write(asio::buffer(std::string_view(R"({"action":"subscribe","channels":["candles:*"]})")),
                                 [self](beast::error_code, size_t) { self->read(); });
      });
    });
  }
  void read() {
    auto self = shared_from_this();
    stream.async_read(buffer, [self](beast::error_code ec, size_t) {
      if (ec) return;
      auto now = Clock::now();
      std::string_view msg(static_cast<const char*>(self->buffer.cdata().data()), self->buffer.size());
      if (!self->subscribed) {
        self->subscribed = true;
        g_open.fetch_add(1);
      } else if (auto p = msg.find("\"trades\":"); p != std::string_view::npos) {
        size_t seq = std::strtoul(msg.data() + p + 9, nullptr, 10);
        if (seq < g_sent.size()) {
          self->latencies_us.push_back(
              std::chrono::duration_cast<std::chrono::microseconds>(now - g_sent[seq]).count());
        }
      }
      self->buffer.clear();
      self->read();
    });
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int clients = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int messages = argc > 2 ? std::atoi(argv[2]) : 100;
  const int interval_ms = argc > 3 ? std::atoi(argv[3]) : 20;
  auto universe = model::Universe::load_csv(std::string(NIFTY_SHARED_DATA_DIR) + "/nifty50.csv");
  if (!universe) return 1;
  core::WallClock clock;
  store::MemoryHotCache cache;
  gateway::GatewayConfig config;
  config.port = 0;
  config.auth_enabled = false;
  config.access_log = false;
  config.ws_heartbeat_interval = std::chrono::milliseconds(0);
  config.ws_ping_interval = std::chrono::milliseconds(0);
  config.max_connections = static_cast<size_t>(clients) + 100;
  gateway::GatewayDeps deps;
  deps.cache = &cache;
  deps.universe = &*universe;
  deps.clock = &clock;
  auto g = gateway::Gateway::start(config, deps);
  if (!g) {
    std::fprintf(stderr, "%s\n", g.status().to_string().c_str());
    return 1;
  }
  const long rss_before = rss_kib();
  g_sent.resize(static_cast<size_t>(messages));

  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  std::thread client_thread([&] { io.run(); });
  asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), (*g)->port());
  std::vector<std::shared_ptr<Client>> all;
  for (int i = 0; i < clients; ++i) {
    all.push_back(std::make_shared<Client>(io));
    asio::post(io, [c = all.back(), ep] { c->start(ep); });
    if (i % 200 == 199) std::this_thread::sleep_for(std::chrono::milliseconds(20));  // listen backlog
  }
  auto deadline = Clock::now() + std::chrono::seconds(60);
  while (g_open.load() < clients && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const long rss_connected = rss_kib();
  std::printf("clients subscribed: %d of %d; RSS %ld MiB before, %ld MiB with the clients\n", g_open.load(), clients,
              rss_before / 1024, rss_connected / 1024);

  model::Candle c;
  c.symbol = model::Symbol("RELIANCE");
  c.start = clock.now();
  c.open = c.high = c.low = c.close = c.vwap = model::Price::from_paise(285050);
  c.volume = 1000;
  for (int m = 0; m < messages; ++m) {
    c.trades = m;
    g_sent[static_cast<size_t>(m)] = Clock::now();
    (*g)->publish(bus::Topic::kMarketCandles, c);
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  (*g)->stop(std::chrono::seconds(5));
  guard.reset();
  io.stop();
  client_thread.join();

  std::vector<int64_t> lat;
  for (auto& cl : all) lat.insert(lat.end(), cl->latencies_us.begin(), cl->latencies_us.end());
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) { return lat.empty() ? -1 : lat[std::min(lat.size() - 1, static_cast<size_t>(p * lat.size()))]; };
  std::printf("deliveries %zu of %lld; latency us p50 %lld p90 %lld p99 %lld max %lld; slow-consumer closes %llu\n",
              lat.size(), static_cast<long long>(clients) * messages, static_cast<long long>(pct(0.5)),
              static_cast<long long>(pct(0.9)), static_cast<long long>(pct(0.99)),
              static_cast<long long>(lat.empty() ? -1 : lat.back()),
              static_cast<unsigned long long>((*g)->server_stats().websocket_slow_consumer_closes));
  return 0;
}
