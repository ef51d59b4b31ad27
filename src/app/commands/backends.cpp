#include "app/commands/backends.h"

#include <utility>
#include <vector>

#include "app/commands/commands.h"
#include "core/log.h"
#include "feed/flattrade/noren_session.h"
#include "feed/kite/kite_session.h"
#include "feed/mstock/mstock_session.h"
#include "feed/supervisor/live_feed.h"
#include "feed/supervisor/net_ws_connector.h"
#include "store/memory/memory_candle_store.h"
#include "store/memory/memory_hot_cache.h"
#include "store/memory/memory_signal_store.h"
#include "store/postgres/postgres_candle_store.h"
#include "store/postgres/postgres_signal_store.h"
#include "store/redis/redis_hot_cache.h"
#include "store/spool/spooling_candle_store.h"
#include "store/spool/spooling_signal_store.h"
#include "store/sqlite/sqlite_candle_store.h"
#include "store/sqlite/sqlite_signal_store.h"

namespace nifty::app {
namespace {

// PostgreSQL behind the spool: owns both and forwards to the spool.
class SpooledCandleStore final : public store::CandleStore {
 public:
  SpooledCandleStore(std::unique_ptr<store::CandleStore> inner, std::unique_ptr<store::SpoolingCandleStore> outer)
      : inner_(std::move(inner)), outer_(std::move(outer)) {}
  ~SpooledCandleStore() override { outer_.reset(); }  // the spool stops before its backend goes
  core::Status upsert(std::span<const model::Candle> c) override { return outer_->upsert(c); }
  core::Result<std::vector<model::Candle>> last_n(const model::Symbol& s, model::Interval i, size_t n) override {
    return outer_->last_n(s, i, n);
  }
  core::Result<std::vector<model::Candle>> range(const model::Symbol& s, model::Interval i, core::Timestamp from,
                                                 core::Timestamp to) override {
    return outer_->range(s, i, from, to);
  }
  core::Result<std::vector<model::Symbol>> symbols(model::Interval i) override { return outer_->symbols(i); }
  core::Result<int64_t> count(model::Interval i) override { return outer_->count(i); }
  std::string_view backend() const override { return outer_->backend(); }

 private:
  std::unique_ptr<store::CandleStore> inner_;
  std::unique_ptr<store::SpoolingCandleStore> outer_;
};

class SpooledSignalStore final : public store::SignalStore {
 public:
  SpooledSignalStore(std::unique_ptr<store::SignalStore> inner, std::unique_ptr<store::SpoolingSignalStore> outer)
      : inner_(std::move(inner)), outer_(std::move(outer)) {}
  ~SpooledSignalStore() override { outer_.reset(); }
  core::Status append(const model::Signal& s) override { return outer_->append(s); }
  core::Status append_all(std::span<const model::Signal> s) override { return outer_->append_all(s); }
  core::Result<std::vector<model::Signal>> range(core::Timestamp from, core::Timestamp to,
                                                 std::optional<model::Symbol> symbol) override {
    return outer_->range(from, to, symbol);
  }
  std::string_view backend() const override { return outer_->backend(); }

 private:
  std::unique_ptr<store::SignalStore> inner_;
  std::unique_ptr<store::SpoolingSignalStore> outer_;
};

// Opening a PostgreSQL store says where it tried, never with the password.
core::Status with_target(const core::Status& s, const store::PostgresConfig& pg) {
  return core::error(s.code(), "postgres " + store::postgres_target(pg) + ": " + s.message());
}

}  // namespace

core::Result<std::unique_ptr<store::CandleStore>> open_store(const NiftyConfig& config, StoreUse use) {
  if (config.store_backend == "memory") {
    return std::unique_ptr<store::CandleStore>(std::make_unique<store::MemoryCandleStore>());
  }
  if (config.store_backend == "postgres") {
    auto pg = store::PostgresCandleStore::open(config.postgres);
    if (!pg) return with_target(pg.status(), config.postgres);
    if (use == StoreUse::kRead) return std::unique_ptr<store::CandleStore>(std::move(pg).value());
    std::unique_ptr<store::CandleStore> inner = std::move(pg).value();
    auto spool = store::SpoolingCandleStore::create(*inner, config.spool);
    if (!spool) return spool.status();
    return std::unique_ptr<store::CandleStore>(
        std::make_unique<SpooledCandleStore>(std::move(inner), std::move(spool).value()));
  }
  auto sqlite = store::SqliteCandleStore::open(config.sqlite);
  if (!sqlite) return sqlite.status();
  return std::unique_ptr<store::CandleStore>(std::move(sqlite).value());
}

core::Result<std::unique_ptr<store::SignalStore>> open_signal_store(const NiftyConfig& config, StoreUse use) {
  if (config.store_backend == "memory") {
    return std::unique_ptr<store::SignalStore>(std::make_unique<store::MemorySignalStore>());
  }
  if (config.store_backend == "postgres") {
    auto pg = store::PostgresSignalStore::open(config.postgres);
    if (!pg) return with_target(pg.status(), config.postgres);
    if (use == StoreUse::kRead) return std::unique_ptr<store::SignalStore>(std::move(pg).value());
    std::unique_ptr<store::SignalStore> inner = std::move(pg).value();
    auto spool = store::SpoolingSignalStore::create(*inner, config.spool);
    if (!spool) return spool.status();
    return std::unique_ptr<store::SignalStore>(
        std::make_unique<SpooledSignalStore>(std::move(inner), std::move(spool).value()));
  }
  auto sqlite = store::SqliteSignalStore::open(config.sqlite);
  if (!sqlite) return sqlite.status();
  return std::unique_ptr<store::SignalStore>(std::move(sqlite).value());
}

core::Result<std::unique_ptr<store::HotCache>> open_hot_cache(const NiftyConfig& config) {
  if (config.cache_backend == "redis") {
    auto redis = store::RedisHotCache::open(config.redis);
    if (!redis) {
      // Name the target once: the adapter's own messages may already start with it.
      const std::string target = "redis " + config.redis.host + ":" + std::to_string(config.redis.port);
      const std::string& message = redis.status().message();
      return core::error(redis.status().code(), message.rfind(target, 0) == 0 ? message : target + ": " + message);
    }
    return std::unique_ptr<store::HotCache>(std::move(redis).value());
  }
  return std::unique_ptr<store::HotCache>(std::make_unique<store::MemoryHotCache>());
}

feed::live::TokenStore open_token_store(const NiftyConfig& config) {
  return feed::live::TokenStore(config.token_file.empty() ? feed::live::default_token_path() : config.token_file);
}

core::Result<std::unique_ptr<feed::BrokerSession>> make_broker_session(const NiftyConfig& config,
                                                                       std::string_view broker,
                                                                       const model::Universe& universe,
                                                                       const feed::live::TokenStore& tokens) {
  std::string vendor(broker);
  feed::TokenProvider token = [&tokens, vendor]() -> core::Result<std::string> {
    auto t = tokens.load(vendor, core::Timestamp::now());
    if (!t) return t.status();
    return t.value().token;
  };
  if (broker == "kite") {
    auto s = feed::kite::KiteSession::create(config.kite, token, universe);
    if (!s) return s.status();
    return std::unique_ptr<feed::BrokerSession>(std::move(s).value());
  }
  if (broker == "flattrade") {
    feed::flattrade::NorenSessionConfig c = config.flattrade;
    c.form = config.flattrade_connect_form == "older" ? feed::flattrade::NorenConnectForm::kSessionToken
                                                      : feed::flattrade::NorenConnectForm::kAccessToken;
    auto s = feed::flattrade::NorenSession::create(std::move(c), token, universe);
    if (!s) return s.status();
    return std::unique_ptr<feed::BrokerSession>(std::move(s).value());
  }
  if (broker == "mstock") {
    auto s = feed::mstock::MstockSession::create(config.mstock, token, universe);
    if (!s) return s.status();
    return std::unique_ptr<feed::BrokerSession>(std::move(s).value());
  }
  return core::error(core::ErrorCode::kConfigError,
                     "unknown broker '" + vendor + "' in feed.live.brokers; want kite, flattrade or mstock");
}

namespace {

// Owns what a LiveFeed needs beside itself.
class LiveFeedBundle final : public feed::Feed {
 public:
  LiveFeedBundle(feed::live::TokenStore tokens, const NiftyConfig& config)
      : tokens_(std::move(tokens)), connector_(config.connector) {}
  std::string_view name() const override { return feed_->name(); }
  core::Status run(feed::FeedSink& sink, std::stop_token stop) override { return feed_->run(sink, stop); }

  feed::live::TokenStore tokens_;
  core::WallClock clock_;
  feed::NetWsConnector connector_;
  std::vector<std::unique_ptr<feed::BrokerSession>> sessions_;
  std::unique_ptr<feed::LiveFeed> feed_;
};

}  // namespace

core::Result<std::unique_ptr<feed::Feed>> open_live_feed(const NiftyConfig& config, const core::NseCalendar& calendar,
                                                         const model::Universe& universe) {
  if (config.live_brokers.empty()) {
    return core::error(core::ErrorCode::kConfigError, "feed.live.brokers is empty: name at least one broker");
  }
  auto bundle = std::make_unique<LiveFeedBundle>(open_token_store(config), config);
  std::vector<feed::BrokerSession*> order;
  for (const std::string& broker : config.live_brokers) {
    auto session = make_broker_session(config, broker, universe, bundle->tokens_);
    if (!session) return session.status();
    order.push_back(session.value().get());
    bundle->sessions_.push_back(std::move(session).value());
  }
  // Tell at start-up how fresh each token is (the feed re-reads them before every connection).
  for (const std::string& broker : config.live_brokers) {
    auto token = bundle->tokens_.load(broker, core::Timestamp::now());
    if (!token) {
      core::Logger::get("feed").warn("no valid token", {{"vendor", broker}, {"error", token.status().message()}});
    } else {
      core::Logger::get("feed").info("token valid", {{"vendor", broker},
                                                     {"expires", token.value().expires_at.to_iso_ist()}});
    }
  }
  bundle->feed_ = std::make_unique<feed::LiveFeed>(order, bundle->connector_, universe.instruments(), config.live,
                                                   bundle->clock_, calendar);
  return std::unique_ptr<feed::Feed>(std::move(bundle));
}

int exit_code_for(const core::Status& status) {
  return status.code() == core::ErrorCode::kConfigError ? kExitUsage : kExitFailure;
}

}  // namespace nifty::app
