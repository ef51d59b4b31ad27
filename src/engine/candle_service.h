// CandleService: the processing stage of `nifty candles` (spec layer 2 as its own service): ticks
// consumed from the partitions of raw-ticks -> TickNormalizer -> CandleBuilder -> CandleRollup ->
// CandleServiceOutput (the app stores them with idempotent upserts and publishes market_candles),
// plus the offset bookkeeping that makes the service crash-safe. No Kafka here: the app feeds
// records with their partition and offset and commits what commit_offset() says, so every rule
// below is unit-tested without a broker.
//
// State is kept PER PARTITION (one normaliser, builder, rollup and event clock each). A symbol
// always lives in one partition (key = symbol), so the candles of a symbol depend only on the
// records of its partition, in partition order: the result does not depend on how many instances
// ran or which one owned a partition when.
//
// What is committed. commit_offset(p) is the offset a restarted (or rebalanced) instance must read
// from to rebuild everything that is not yet durable. It is the minimum, over the symbols of the
// partition, of the symbol's pin:
//  - a symbol with an open candle pins the first tick of that candle (the spec's rule: up to the
//    first tick of the oldest still-open candle) — or, when the symbol had an earlier tick on the
//    same IST day, that earlier tick (its BASELINE tick, see below);
//  - a symbol without an open candle pins its latest tick of the partition's current IST day (the
//    baseline of its next candle); symbols last seen on an earlier IST day pin nothing.
//  - with no pins, everything read so far (the offset after the last record).
// The app must make every candle already handed to the output durable (store flushed, producer
// flushed) BEFORE it commits: then any candle closed before the last commit is in the store.
//
// The normaliser's volume baseline across restarts. volume_delta = cumulative day volume minus the
// symbol's previous cumulative volume (volume_delta does not travel on raw-ticks: the consumer's
// normaliser sets it). A fresh normaliser would take the first tick it sees as the day's first and
// give the open candle the whole day's volume. Hence the baseline pin above: the restarted instance
// re-reads the symbol's last tick before its open candle, and that tick (not part of the candle)
// restores the baseline exactly. Re-read ticks of minutes already stored must rebuild nothing: on
// the first tick of a symbol after an assignment the service asks the history callback for the
// symbol's stored 1-minute candles of that IST day; minutes up to the last stored one only feed the
// normaliser (baseline, duplicates), never the builder, and the stored minutes re-seed the rollup's
// open 5m/15m/1h/1d buckets. A crash after a candle was stored but before the commit therefore
// produces neither a duplicate nor a partial candle in the store; a crash before it was stored
// rebuilds it from ticks that all lie after the commit point (it was open at the last commit, so
// it was pinned). The worst case re-read is one IST day of a partition (a symbol that stopped
// trading mid-day).
//
// What is published (market_candles is at-least-once across a crash). A candle may have reached
// the store and still not market_candles (the process died with its message in the producer's
// queue); only a commit proves delivery, since the app flushes the producer before it commits.
// So, when the stored minutes are loaded (the symbol's first tick F after the assignment), every
// stored minute with start >= minute(F) goes out again as kRepublish, oldest first, with exactly
// the stored values, each followed by the rollup buckets it completes (kRepublish too), as the
// live run published them; all of this before any candle the builder makes for the symbol (those
// are later than the last stored minute). Stored minutes before minute(F) and the buckets they
// complete go out as kRebuilt (store, do not publish): their ticks all lie before F, hence before
// the commit point, so such a candle was not open at the last commit (it would have pinned its
// first tick), i.e. it was closed, with the buckets it completed, and delivered before that
// commit. Done at load time rather than at each minute's first re-read tick, so that each stored
// minute goes out exactly once per assignment even when its re-read ticks are refused by the fresh
// normaliser. The price is duplicates: stored minutes from minute(F) on that had been delivered
// (at least F's own when F is a baseline tick) go out twice; consumers are idempotent on
// (symbol, interval, candle time). Candles built from ticks (kNew) may repeat as well (a rollup
// bucket closed on the clock and rebuilt). Nothing is lost: a candle never delivered is either
// stored (republished) or rebuilt from its ticks (published).
//
// Clock: in event-time mode a partition's clock is the latest exchange time seen in it (plus
// on_clock from the app); in wall-clock mode the app calls on_clock(now) for every partition. Open
// candles of a partition whose stream has ended (the app saw it idle at its end offset) are closed
// by close_partition(); ticks arriving later for those minutes are late (counted, not applied).
//
// Revocation drops the partitions' state without emitting anything: the next owner rebuilds it.
//
// Threading: not thread-safe; one service thread (the Kafka polling thread) owns it. The output and
// history callback are called synchronously on that thread. No allocation per tick once a
// partition has seen its symbols.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "candles/candle_builder.h"
#include "candles/candle_rollup.h"
#include "core/metrics.h"
#include "core/nse_calendar.h"
#include "core/status.h"
#include "feed/tick_normalizer.h"
#include "model/candle.h"
#include "model/tick.h"

namespace nifty::engine {

struct CandleServiceConfig {
  candles::CandleBuilderConfig candles;
  // Rollups computed from closed 1-minute candles.
  std::vector<model::Interval> rollups = {model::Interval::k5m, model::Interval::k15m, model::Interval::k1h,
                                          model::Interval::k1d};
  // Feed name of the normalisers' metrics (ticks_rejected_total{feed}).
  std::string feed_name = "kafka";
};

enum class CandleOrigin : uint8_t {
  kNew,      // built from ticks now: store and publish
  kRebuilt,  // a rollup re-emitted while re-seeding from stored candles, known to be delivered: store
             // (idempotent), do not publish
  kRepublish,  // a stored 1-minute candle, or a rollup bucket it completes, whose publish is not known
               // to have been delivered (see the header comment): store (idempotent: the bucket may not
               // have reached the store) and publish again
};

// Where candles go (the app: CandleWriter + market_candles producer).
class CandleServiceOutput {
 public:
  virtual ~CandleServiceOutput() = default;
  virtual void on_candle(const model::Candle& candle, CandleOrigin origin) = 0;
};

// The symbol's stored 1-minute candles with start in [from, to), oldest first.
using CandleHistory =
    std::function<core::Result<std::vector<model::Candle>>(const model::Symbol&, core::Timestamp from, core::Timestamp to)>;

struct CandleServiceStats {
  uint64_t ticks = 0;             // records handed to on_tick
  uint64_t ticks_accepted = 0;    // passed the normaliser and went to the builder
  uint64_t ticks_rejected = 0;    // refused by the normaliser
  uint64_t ticks_replayed = 0;    // re-read ticks of minutes already stored (baseline only)
  uint64_t ticks_stale = 0;       // offsets at or below one already handled in the partition (ignored)
  uint64_t candles = 0;           // 1-minute candles emitted
  uint64_t rollups = 0;           // rolled-up candles emitted (kNew)
  uint64_t rebuilt = 0;           // rollups re-emitted while re-seeding (kRebuilt)
  uint64_t republished = 0;       // stored 1-minute candles and their rollups published again (kRepublish)
  uint64_t history_errors = 0;    // history callback failures (the symbol is then rebuilt from ticks only)
  uint64_t late_ticks = 0;        // by the builders of partitions still owned
};

class CandleService {
 public:
  // `calendar` must outlive the service; `history` may be empty (nothing stored yet, tests).
  CandleService(CandleServiceConfig config, const core::NseCalendar& calendar, CandleServiceOutput& out,
                CandleHistory history = {});
  ~CandleService();
  CandleService(const CandleService&) = delete;
  CandleService& operator=(const CandleService&) = delete;

  // Partitions given to this instance: fresh state (reading resumes at the committed offset).
  void on_assigned(const std::vector<int32_t>& partitions);
  // Partitions taken away: their open candles and baselines are dropped, nothing is emitted.
  void on_revoked(const std::vector<int32_t>& partitions);

  // One raw-ticks record of `partition` at `offset`. A partition not assigned yet is assigned
  // implicitly. A record whose offset is not above the last one handled in the partition since its
  // assignment is stale (fetched before a rebalance) and ignored (stats().ticks_stale): the app
  // must hand records over in the order polled, and handle a rebalance's callbacks before records
  // polled after it.
  void on_tick(int32_t partition, int64_t offset, model::Tick tick);
  // Advances every partition's clock to `now` (wall-clock mode, or an external event clock):
  // closes candles whose minute end + grace <= now, and rollup buckets likewise.
  void on_clock(core::Timestamp now);
  // Closes every open candle and bucket of `partition` (its stream ended).
  void close_partition(int32_t partition);
  // Closes everything of every partition (shutdown of a replay).
  void close_all();

  // The offset to commit for `partition` (see the header comment); -1 when nothing was read from it.
  int64_t commit_offset(int32_t partition) const;
  // Offset after the last record handed to on_tick for `partition`; -1 when none.
  int64_t next_offset(int32_t partition) const;
  // Whether `partition` has open candles or rollup buckets.
  bool has_open(int32_t partition) const;
  std::vector<int32_t> partitions() const;

  CandleServiceStats stats() const;

 private:
  struct Partition;
  class BuilderOut;
  Partition& partition(int32_t p);
  void seed_symbol(Partition& part, const model::Symbol& symbol, core::Timestamp at);

  CandleServiceConfig config_;
  const core::NseCalendar& calendar_;
  CandleServiceOutput& out_;
  CandleHistory history_;
  std::map<int32_t, std::unique_ptr<Partition>> partitions_;
  CandleServiceStats stats_;
  uint64_t late_of_dropped_ = 0;  // late ticks of partitions already revoked
};

}  // namespace nifty::engine
