// TickDedup: drops ticks that another feed has already delivered, so that during a failover (the
// backup feed takes over) or a failback (the primary returns), when two feeds overlap, each market
// update passes once. Kite and Noren carry no sequence number, so the rule works on what every
// broker sends (broker-protocols.md section 4, "Duplicate ticks").
//
// Per symbol we keep a watermark: the last accepted tick's cumulative day volume, exchange time,
// IST date, LTP, bid and ask, and which feed delivered it. A tick from feed F is:
//   kept     when the symbol has no watermark yet;
//   kept     when it comes from the same feed as the watermark (one feed's own stream is the
//            normalizer's business: duplicate_sequence, volume_backwards);
//   kept     when its exchange date (IST) is later than the watermark's (a new day: volume restarts);
//   dropped  when its exchange date is earlier (a stale tick from the previous day);
//   kept     when its cumulative volume is above the watermark's (trades we have not seen);
//   dropped  when its cumulative volume is below (the other feed already delivered later trades);
//   with equal volume (no new trade; always so for indices, which carry volume 0):
//   kept     when its exchange time is later AND its quote (LTP, bid, ask) differs: a genuinely
//            new quote;
//   dropped  otherwise: the same update seen again, possibly stamped later by a slower feed.
// Accepting a tick moves the watermark to it, except a same-feed tick whose volume went backwards
// on the same day (the watermark keeps the higher volume, so the other feed's copies of the
// higher-volume ticks still count as seen).
//
// Limits (documented, accepted): brokers stamp time differently (Noren's "ft" is server time, up
// to ~25 s behind), so equal-volume comparisons across feeds can keep a stale quote that a lagging
// feed stamps later, when the quote really changed in between. Volume, the main key, is exact.
//
// Metric ticks_deduplicated_total{vendor}: ticks dropped, labelled with the feed that sent them.
// Not thread-safe: call from the one thread that merges the feeds. Hot path: one hash lookup per
// tick; memory grows only with new symbols (reserve() for the universe up front).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/metrics.h"
#include "model/tick.h"

namespace nifty::feed::live {

class TickDedup {
 public:
  // `vendors`: the feeds, by index (feed 0 = vendors[0], ...); they label the metric.
  explicit TickDedup(std::vector<std::string> vendors, size_t expected_symbols = 64);

  // True when `tick` from feed `feed` is new and must be passed on; false when it was already seen
  // (counted). `feed` must be < vendors().size().
  bool accept(size_t feed, const model::Tick& tick);
  // Filters `ticks` of feed `feed` in place, keeping the new ones in order at the front; returns how
  // many were kept.
  size_t filter(size_t feed, std::span<model::Tick> ticks);

  uint64_t dropped(size_t feed) const { return dropped_[feed]; }
  uint64_t kept() const { return kept_; }
  const std::vector<std::string>& vendors() const { return vendors_; }
  // Forgets every watermark (e.g. at the start of a new day's session).
  void clear() { marks_.clear(); }

 private:
  struct Watermark {
    model::Quantity volume = 0;
    core::Timestamp exchange_time;
    int64_t ist_day = 0;
    model::Price last_price, bid, ask;
    uint32_t feed = 0;
  };
  static int64_t ist_day(core::Timestamp t) {
    int64_t shifted = t.nanos() + core::kIstOffsetNanos;
    return shifted >= 0 ? shifted / core::kNanosPerDay : -((-shifted + core::kNanosPerDay - 1) / core::kNanosPerDay);
  }
  void set(Watermark& w, size_t feed, const model::Tick& t, int64_t day);
  bool drop(size_t feed);

  std::vector<std::string> vendors_;
  std::vector<core::Counter*> counters_;
  std::vector<uint64_t> dropped_;
  uint64_t kept_ = 0;
  std::unordered_map<model::Symbol, Watermark> marks_;
};

}  // namespace nifty::feed::live
