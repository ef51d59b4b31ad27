// The concrete adapters behind each port, chosen by configuration: the store (sqlite | memory |
// postgres, the last behind an on-disk spool), the hot cache (memory | redis) and the live feed
// (one BrokerSession per configured broker, tokens from the token store, NetWsConnector). app/ is
// the only module that names them.
//
// Threading: called from the main thread while a command starts.
#pragma once

#include <memory>
#include <string>

#include "app/config.h"
#include "core/nse_calendar.h"
#include "feed/feed.h"
#include "feed/live/token_store.h"
#include "feed/supervisor/broker_session.h"
#include "model/instrument.h"
#include "store/candle_store.h"
#include "store/hot_cache.h"
#include "store/signal_store.h"

namespace nifty::app {

// kWrite: the process writes (run, replay, import): PostgreSQL writes go through the spool.
// kRead: queries only (analyze, backtest, indicators): no spool, so they can run beside `nifty run`.
enum class StoreUse { kWrite, kRead };

core::Result<std::unique_ptr<store::CandleStore>> open_store(const NiftyConfig& config, StoreUse use = StoreUse::kRead);
core::Result<std::unique_ptr<store::SignalStore>> open_signal_store(const NiftyConfig& config,
                                                                    StoreUse use = StoreUse::kRead);
core::Result<std::unique_ptr<store::HotCache>> open_hot_cache(const NiftyConfig& config);

// The token store of config.token_file (or the default path).
feed::live::TokenStore open_token_store(const NiftyConfig& config);

// The session of one broker ("kite", "flattrade", "mstock") for the universe, reading its token
// from `tokens` (which must outlive it) before each connection.
core::Result<std::unique_ptr<feed::BrokerSession>> make_broker_session(const NiftyConfig& config,
                                                                       std::string_view broker,
                                                                       const model::Universe& universe,
                                                                       const feed::live::TokenStore& tokens);

// The live feed over config.live_brokers (failover in that order).
core::Result<std::unique_ptr<feed::Feed>> open_live_feed(const NiftyConfig& config, const core::NseCalendar& calendar,
                                                         const model::Universe& universe);

// Exit code for a failed start: 2 for configuration errors, 1 for everything else (a server that
// cannot be reached, refused credentials, a database that cannot be used).
int exit_code_for(const core::Status& status);

}  // namespace nifty::app
