// The live-feed commands of the `nifty` binary against local fake brokers (the fakes of
// src/feed/supervisor/tests/fake_brokers.h, speaking Kite's documented protocol on loopback):
// `nifty record` then `nifty replay FILE --print ticks` reproduces exactly the ticks the broker
// sent; `nifty login kite` exchanges a request token with a local HTTP server speaking Kite's
// /session/token and saves the token the feed uses; a missing token stops `nifty run --feed live`
// at once with the login to run.
#include <gtest/gtest.h>

#include <csignal>
#include <optional>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "feed/live/token_store.h"
#include "feed/login/broker_login.h"
#include "feed/supervisor/tests/fake_brokers.h"
#include "model/instrument.h"
#include "model/json_codec.h"
#include "net/testing/test_http_server.h"
#include "support/candle_db.h"
#include "support/subprocess.h"
#include "support/temp_dir.h"

namespace nifty {
namespace {

using feed::testing::FakeKite;
using feed::testing::FakeMarket;
using feed::testing::FakeStock;
using nifty::testing::CommandResult;
using nifty::testing::describe;
using nifty::testing::TempDir;
using namespace std::chrono_literals;

// 2023-02-28 10:00 IST, inside a real NSE session, so the engine's normaliser keeps the ticks.
constexpr int64_t kSessionSeconds = 1'677'558'600;

CommandResult nifty(const std::vector<std::string>& args, std::map<std::string, std::string> env = {}) {
  std::vector<std::string> argv = {NIFTY_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  nifty::testing::CommandOptions options;
  options.env = std::move(env);
  options.timeout = 120s;
  return nifty::testing::run_command(argv, options);
}

model::Universe universe() {
  auto u = model::Universe::load_csv(std::string(NIFTY_SOURCE_DIR) + "/config/nifty50.csv");
  EXPECT_TRUE(u.is_ok()) << u.status().to_string();
  return std::move(u).value();
}

std::vector<FakeStock> stocks(const model::Universe& u) {
  std::vector<FakeStock> out;
  int64_t base = 150'000;
  for (const auto& i : u.instruments()) {
    if (i.kind == model::InstrumentKind::kIndex) continue;
    out.push_back({i.symbol.str(), i.nse_token, i.kite_token, base});
    base += 12'345;  // a multiple of 5 paise
  }
  return out;
}

void write_file(const std::string& path, const std::string& text) {
  FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr) << path;
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

std::string live_config(const TempDir& dir, const std::string& kite_url, const std::string& api_url = "") {
  std::string text = "[universe]\nfile = \"" + std::string(NIFTY_SOURCE_DIR) + "/config/nifty50.csv\"\n" +
                     "[feed.live]\nbrokers = [\"kite\"]\ntoken_file = \"" + dir.file("tokens.json") + "\"\n" +
                     "connect_timeout_ms = 3000\nbackoff_initial_ms = 50\nbackoff_max_ms = 200\n" +
                     "stale_only_in_session = false\n" + "[feed.kite]\nurl = \"" + kite_url + "\"\n" +
                     "api_key = \"kite-key\"\n";
  if (!api_url.empty()) text += "api_url = \"" + api_url + "\"\n";
  text += "[store.sqlite]\npath = \"" + dir.file("live.db") + "\"\n";
  std::string path = dir.file("live.toml");
  write_file(path, text);
  return path;
}

using TickKey = std::tuple<std::string, int64_t, int64_t, int64_t>;  // symbol, paise, volume, exchange seconds

// A fake Kite serving the universe's 50 stocks, a config pointing the feed at it, and (optionally)
// a saved token: "kite-token" is the one the fake accepts.
struct LiveRig {
  explicit LiveRig(std::optional<std::string> token = "kite-token", std::string api_url = "")
      : market(stocks(universe()), 5ms, kSessionSeconds), server(FakeKite::start(market, {}).value()) {
    server->set_streaming(true);
    if (token) {
      feed::live::TokenStore tokens(dir.file("tokens.json"));
      EXPECT_TRUE(tokens.save("kite", *token, core::Timestamp::now()).is_ok());
    }
    config = live_config(dir, server->url("/"), api_url);
  }
  TempDir dir;
  FakeMarket market;
  std::unique_ptr<FakeKite> server;
  std::string config;
};

TEST(LiveCli, RecordThenReplayGivesExactlyTheTicksTheBrokerSent) {
  LiveRig rig;
  auto& [dir, market, server, config] = rig;
  const std::string rec = dir.file("session.rec");

  CommandResult recorded = nifty({"record", "--feed", "kite", "--out", rec, "--duration", "2", "-c", config});
  ASSERT_TRUE(recorded.exited && recorded.exit_code == 0) << describe(recorded);
  nlohmann::json summary = nlohmann::json::parse(recorded.out, nullptr, false);
  ASSERT_TRUE(summary.is_object()) << recorded.out;
  const int64_t live_ticks = summary.value("ticks", int64_t{0});
  ASSERT_GT(summary.value("frames", int64_t{0}), 0);
  ASSERT_GT(live_ticks, 50);  // at least a snapshot of every stock
  EXPECT_EQ(server->subscribes(1), 1);

  std::set<TickKey> sent;
  for (const auto& t : server->sent()) sent.insert({t.symbol, t.price, t.volume, t.exchange_seconds});

  CommandResult replayed = nifty({"replay", rec, "--db", dir.file("replay.db"), "--print", "ticks", "-c", config});
  ASSERT_TRUE(replayed.exited && replayed.exit_code == 0) << describe(replayed);
  std::vector<std::string> lines;
  for (size_t pos = 0, nl; (nl = replayed.out.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    lines.push_back(replayed.out.substr(pos, nl - pos));
  }
  ASSERT_GE(lines.size(), 2u);
  nlohmann::json replay_summary = nlohmann::json::parse(lines.back(), nullptr, false);
  ASSERT_TRUE(replay_summary.is_object()) << lines.back();
  EXPECT_EQ(replay_summary["recording"]["vendor"], "kite");
  EXPECT_EQ(replay_summary["recording"]["frames_rejected"], 0);
  lines.pop_back();
  // The same frames through the same decoder: as many ticks as the live run handed on, each one a
  // tick the broker sent, with its price, cumulative volume and exchange time.
  EXPECT_EQ(static_cast<int64_t>(lines.size()), live_ticks);
  for (const std::string& line : lines) {
    auto tick = model::decode_tick(line);
    ASSERT_TRUE(tick.is_ok()) << line;
    TickKey key{tick->symbol.str(), tick->last_price.paise(), tick->cumulative_volume,
                tick->exchange_time.nanos() / core::kNanosPerSecond};
    EXPECT_TRUE(sent.count(key)) << line;
  }
}

TEST(LiveCli, LoginKiteSavesTheTokenTheFeedThenUses) {
  auto api = net::testing::TestHttpServer::start({false, [](const net::testing::TestHttpRequest& r) {
    bool ok = r.target == "/session/token" && r.body.find("request_token=rt-1") != std::string::npos &&
              r.body.find("checksum=" + feed::login::sha256_hex("kite-keyrt-1kite-secret")) != std::string::npos;
    if (!ok) return net::testing::TestHttpResponse{403, {}, R"({"status":"error","message":"bad checksum"})"};
    return net::testing::TestHttpResponse{200, {}, R"({"status":"success","data":{"access_token":"kite-token"}})"};
  }}).value();
  LiveRig rig(/*token=*/std::nullopt, api->url(""));
  auto& [dir, market, server, config] = rig;

  CommandResult refused = nifty({"login", "-c", config, "kite", "--request-token", "rt-1"},
                                {{"NIFTY_FEED_KITE_API_SECRET", "wrong"}});
  EXPECT_TRUE(refused.exited && refused.exit_code == 1) << describe(refused);
  EXPECT_NE(refused.err.find("bad checksum"), std::string::npos) << refused.err;

  CommandResult login = nifty({"login", "-c", config, "kite", "--request-token", "rt-1"},
                              {{"NIFTY_FEED_KITE_API_SECRET", "kite-secret"}});
  ASSERT_TRUE(login.exited && login.exit_code == 0) << describe(login);
  CommandResult status = nifty({"login", "-c", config, "status"});
  ASSERT_TRUE(status.exited && status.exit_code == 0) << describe(status);
  nlohmann::json line = nlohmann::json::parse(status.out, nullptr, false);
  ASSERT_TRUE(line.is_object()) << status.out;
  EXPECT_EQ(line["vendor"], "kite");
  EXPECT_EQ(line["valid"], true);

  // The feed connects with the saved token (the fake refuses any other with HTTP 403).
  CommandResult recorded = nifty({"record", "--feed", "kite", "--out", dir.file("r.rec"), "--duration", "1", "-c", config});
  ASSERT_TRUE(recorded.exited && recorded.exit_code == 0) << describe(recorded);
  EXPECT_TRUE(server->wait_subscribed(1, 1s));
}

TEST(LiveCli, RunOnALiveFeedStoresTheCandlesOfWhatTheBrokerSent) {
  LiveRig rig;
  auto& [dir, market, server, config] = rig;
  nifty::testing::ChildProcess child;
  nifty::testing::CommandOptions options;
  options.blocked_signals = {};
  ASSERT_TRUE(child.start({NIFTY_BINARY, "run", "--feed", "live", "--headless", "-c", config}, options)) << child.error();
  ASSERT_TRUE(server->wait_subscribed(1, 20s));
  // Let every stock tick a few times, then stop the way a user does.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  child.pump_until([&] { return server->sent().size() >= 4 * market.stocks().size(); }, deadline);
  child.send_signal(SIGTERM);
  CommandResult r = child.wait(std::chrono::steady_clock::now() + 60s);
  ASSERT_TRUE(r.exited && r.exit_code == 0) << describe(r);
  // Stopping flushes the open minute: one 1-minute candle per stock that ticked (all 50: the
  // fake sends a snapshot of every subscribed stock first), in the configured SQLite file.
  EXPECT_EQ(nifty::testing::count_candles(dir.file("live.db"), "1m"), static_cast<int64_t>(market.stocks().size()));
}

TEST(LiveCli, RunWithoutATokenStopsAtOnceNamingTheLogin) {
  LiveRig rig(/*token=*/std::nullopt);
  auto& [dir, market, server, config] = rig;
  CommandResult r = nifty({"run", "--feed", "live", "--headless", "-c", config});
  EXPECT_TRUE(r.exited && r.exit_code == 1) << describe(r);
  EXPECT_NE(r.err.find("nifty login kite"), std::string::npos) << r.err;
  EXPECT_EQ(server->connections(), 0u);  // never tried the broker without a token
}

TEST(LiveCli, ARefusedTokenIsTriedOnceAndNamesTheLogin) {
  LiveRig rig("stale-token");
  auto& [dir, market, server, config] = rig;
  CommandResult r = nifty({"run", "--feed", "live", "--headless", "-c", config});
  EXPECT_TRUE(r.exited && r.exit_code == 1) << describe(r);
  EXPECT_NE(r.err.find("nifty login kite"), std::string::npos) << r.err;
  EXPECT_EQ(server->connections(), 1u);  // one upgrade, refused with 403, and no retry storm
}

}  // namespace
}  // namespace nifty
