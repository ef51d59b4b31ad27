// SimFeed: a Feed that makes up a seeded random market for one trading day, for demos and tests
// without a broker or data files. Over the regular session (09:15-15:30 IST) of the configured date
// each stock trades at Poisson-distributed times; its price follows geometric Brownian motion with
// a U-shaped intraday volatility (higher at the open and the close) and is rounded to the 5-paise
// tick; traded quantities are U-shaped too; bid and ask sit one tick apart around the price. The
// index (NIFTY 50) is the mean of the stocks' returns applied to its base, with no volume.
// The same seed gives the same ticks, at any speed.
//
// Pacing as the replay feed: speed N makes exchange time run N times faster than wall time, with
// sink.on_clock(t) about every 100 ms of wall time while waiting; speed 0 emits as fast as the sink
// takes ticks. At the end, on_clock(session end + 5 s) closes the last candles. A stop request is
// honoured within 100 ms (unless the sink itself blocks).
//
// Threading: run() on one thread (the feed thread); the object is otherwise immutable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "core/timestamp.h"
#include "feed/feed.h"
#include "model/instrument.h"
#include "model/price.h"
#include "model/symbol.h"

namespace nifty::feed {

struct SimConfig {
  // Seed of every random choice: the same seed gives the same ticks.
  uint64_t seed = 42;
  // 0 = as fast as the sink takes ticks; N = N times real time.
  double speed = 1.0;
  // The trading day to simulate (IST). A date that is not a regular trading weekday in the NSE
  // calendar moves back to the last one before it.
  core::Date date{2026, 11, 25};
  // Mean ticks per second per instrument (Poisson arrivals).
  double ticks_per_second = 2.0;
  // Annualised volatility of every stock (252 trading days a year).
  double annual_volatility = 0.25;
  // Mean value traded per tick, in rupees; a stock's mean quantity per tick is this over its price
  // (times a per-stock liquidity factor from the seed).
  double tick_notional_rupees = 300'000.0;
  // Starting prices by symbol (the index included, as "NIFTY 50"); symbols not listed get a
  // deterministic price from the seed between ₹100 and ₹5,000, the index kIndexBase.
  std::unordered_map<model::Symbol, model::Price> start_prices;
  // Most ticks per sink.on_ticks() call.
  size_t batch = 1024;

  static constexpr model::Price kIndexBase = model::Price::from_paise(2'600'000);  // ₹26,000
};

class SimFeed final : public Feed {
 public:
  SimFeed(model::Universe universe, SimConfig config);

  std::string_view name() const override { return "sim"; }
  core::Status run(FeedSink& sink, std::stop_token stop) override;

  // The date actually simulated (config.date, or the trading weekday before it).
  core::Date session_date() const { return date_; }
  // 09:15 and 15:30 IST of session_date().
  core::Timestamp session_start() const;
  core::Timestamp session_end() const;
  // The price a symbol starts the day at (see SimConfig::start_prices).
  model::Price start_price(const model::Instrument& instrument) const;
  // The last regular trading weekday on or before `date` per the built-in NSE calendar.
  static core::Date last_trading_day(core::Date date);

 private:
  model::Universe universe_;
  SimConfig config_;
  core::Date date_;
};

}  // namespace nifty::feed
