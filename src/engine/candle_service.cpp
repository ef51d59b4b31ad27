#include "engine/candle_service.h"

#include <algorithm>
#include <limits>

#include "core/log.h"
#include "core/metrics.h"

namespace nifty::engine {
namespace {

core::Logger& log() { return core::Logger::get("engine"); }

constexpr int64_t kNone = -1;
constexpr int64_t kIstOffsetNanos = (5 * 60 + 30) * core::kNanosPerMinute;

// IST calendar day (days since the epoch) of an instant.
int64_t ist_day(int64_t nanos) {
  int64_t shifted = nanos + kIstOffsetNanos;
  int64_t day = shifted / core::kNanosPerDay;
  return shifted % core::kNanosPerDay < 0 ? day - 1 : day;
}

// Tick-to-candle-update latency: wall-clock now minus the tick's receive_time (stamped by the feed
// of `nifty ingest` when it received the tick; it travels on raw-ticks as receive_timestamp in
// whole milliseconds, truncated, so a reading is the true latency plus 0-1 ms), observed when the
// tick has been applied to its symbol's open 1-minute candle. Both stamps come from the system
// clock: across hosts the reading includes their clock offset (keep them NTP-synchronised). Ticks
// without a receive stamp (receive_time == exchange_time) are not observed.
core::Histogram& tick_latency() {
  static core::Histogram& h = core::MetricsRegistry::global().histogram(
      "candles_service_tick_latency_seconds",
      "Tick receive time (ingest) to the update of its 1-minute candle by the candle service",
      {0.0005, 0.001, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05,
       0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0});
  return h;
}

int64_t minute_of(int64_t nanos) {
  int64_t m = nanos / core::kNanosPerMinute;
  if (nanos % core::kNanosPerMinute < 0) --m;
  return m * core::kNanosPerMinute;
}

}  // namespace

// Offsets and history of one symbol within its partition.
struct SymbolBook {
  int64_t day = std::numeric_limits<int64_t>::min();  // IST day of the latest baseline tick
  int64_t baseline_offset = kNone;   // latest tick that set the normaliser's baseline
  int64_t open_minute = std::numeric_limits<int64_t>::min();  // start of the open candle
  int64_t open_first_offset = kNone;  // first tick of the open candle; kNone when none is open
  int64_t before_open_offset = kNone; // baseline tick preceding the open candle (same IST day)
  int64_t done_until = std::numeric_limits<int64_t>::min();  // minutes <= this were stored already
  bool seeded = false;
};

class CandleService::BuilderOut final : public candles::CandleSink {
 public:
  BuilderOut(CandleService& service, Partition& part) : service_(service), part_(part) {}
  void on_candle(const model::Candle& c) override;

 private:
  CandleService& service_;
  Partition& part_;
};

class RollupOut final : public candles::CandleSink {
 public:
  RollupOut(CandleServiceOutput& out, uint64_t& counter, CandleOrigin origin)
      : out_(out), counter_(counter), origin_(origin) {}
  void on_candle(const model::Candle& c) override {
    ++counter_;
    out_.on_candle(c, origin_);
  }

 private:
  CandleServiceOutput& out_;
  uint64_t& counter_;
  CandleOrigin origin_;
};

struct CandleService::Partition {
  Partition(CandleService& service, const CandleServiceConfig& config, const core::NseCalendar& calendar)
      : normalizer(calendar, config.feed_name),
        builder(config.candles),
        rollup(calendar, config.rollups, config.candles.grace_nanos),
        builder_out(service, *this),
        rollup_out(service.out_, service.stats_.rollups, CandleOrigin::kNew),
        rebuilt_out(service.out_, service.stats_.rebuilt, CandleOrigin::kRebuilt),
        republish_out(service.out_, service.stats_.republished, CandleOrigin::kRepublish) {}

  feed::TickNormalizer normalizer;
  candles::CandleBuilder builder;
  candles::CandleRollup rollup;
  BuilderOut builder_out;
  RollupOut rollup_out;
  RollupOut rebuilt_out;
  RollupOut republish_out;
  std::unordered_map<model::Symbol, SymbolBook> books;
  int64_t clock = 0;               // ns, event time
  int64_t next_clock_check = 0;    // on_clock runs at most once per second of event time
  int64_t next_offset = kNone;

  void advance(int64_t now) {
    if (now <= clock) return;
    clock = now;
    if (now < next_clock_check) return;
    next_clock_check = (now / core::kNanosPerSecond + 1) * core::kNanosPerSecond;
    builder.on_clock(core::Timestamp(now), builder_out);
    rollup.on_clock(core::Timestamp(now), rollup_out);
  }
};

void CandleService::BuilderOut::on_candle(const model::Candle& c) {
  ++service_.stats_.candles;
  auto it = part_.books.find(c.symbol);
  if (it != part_.books.end() && it->second.open_minute == c.start.nanos()) {
    it->second.open_minute = std::numeric_limits<int64_t>::min();
    it->second.open_first_offset = kNone;
    it->second.before_open_offset = kNone;
  }
  service_.out_.on_candle(c, CandleOrigin::kNew);
  part_.rollup.on_candle(c, part_.rollup_out);
}

CandleService::CandleService(CandleServiceConfig config, const core::NseCalendar& calendar, CandleServiceOutput& out,
                             CandleHistory history)
    : config_(std::move(config)), calendar_(calendar), out_(out), history_(std::move(history)) {}

CandleService::~CandleService() = default;

CandleService::Partition& CandleService::partition(int32_t p) {
  auto& slot = partitions_[p];
  if (!slot) slot = std::make_unique<Partition>(*this, config_, calendar_);
  return *slot;
}

void CandleService::on_assigned(const std::vector<int32_t>& partitions) {
  for (int32_t p : partitions) {
    on_revoked({p});  // a re-assignment starts from the committed offset: fresh state
    (void)partition(p);
  }
}

void CandleService::on_revoked(const std::vector<int32_t>& partitions) {
  for (int32_t p : partitions) {
    auto it = partitions_.find(p);
    if (it == partitions_.end()) continue;
    late_of_dropped_ += it->second->builder.stats().late_ticks;
    partitions_.erase(it);
  }
}

void CandleService::seed_symbol(Partition& part, const model::Symbol& symbol, core::Timestamp at) {
  SymbolBook& book = part.books[symbol];
  book.seeded = true;
  if (!history_) return;
  int64_t day_start = ist_day(at.nanos()) * core::kNanosPerDay - kIstOffsetNanos;
  auto stored = history_(symbol, core::Timestamp(day_start), core::Timestamp(day_start + core::kNanosPerDay));
  if (!stored) {
    ++stats_.history_errors;
    log().warn("cannot read stored candles; rebuilding from ticks only",
               {{"symbol", std::string(symbol.view())}, {"error", stored.status().to_string()}});
    return;
  }
  if (stored->empty()) return;
  book.done_until = stored->back().start.nanos();
  // The stored minutes rebuild the open rollup buckets; what they complete again is identical.
  // Minutes from the one of the symbol's first re-read tick on may not have been delivered: they go
  // out again, each before the buckets it completes, as the live run published them (header).
  const int64_t republish_from = minute_of(at.nanos());
  for (const model::Candle& c : *stored) {
    if (c.start.nanos() < republish_from) {
      part.rollup.on_candle(c, part.rebuilt_out);
      continue;
    }
    ++stats_.republished;
    out_.on_candle(c, CandleOrigin::kRepublish);
    part.rollup.on_candle(c, part.republish_out);
  }
}

void CandleService::on_tick(int32_t partition_id, int64_t offset, model::Tick tick) {
  Partition& part = partition(partition_id);
  ++stats_.ticks;
  if (offset < part.next_offset) {
    ++stats_.ticks_stale;  // read before: applying it twice would double its volume
    return;
  }
  part.next_offset = offset + 1;
  const int64_t t = tick.exchange_time.nanos();
  auto it = part.books.find(tick.symbol);
  if (it == part.books.end() || !it->second.seeded) {
    seed_symbol(part, tick.symbol, tick.exchange_time);
    it = part.books.find(tick.symbol);
  }
  SymbolBook& book = it->second;
  auto rejected = part.normalizer.normalize(tick);
  if (rejected) {
    ++stats_.ticks_rejected;
    // An out-of-session print still becomes the baseline (the pre-open auction volume).
    if (*rejected == feed::RejectReason::kOutsideSession && t > 0) {
      book.baseline_offset = offset;
      book.day = ist_day(t);
    }
    return;
  }
  const int64_t day = ist_day(t);
  const int64_t previous_baseline = book.day == day ? book.baseline_offset : kNone;
  book.baseline_offset = offset;
  book.day = day;
  part.advance(t);
  if (minute_of(t) <= book.done_until) {
    ++stats_.ticks_replayed;  // its candle is stored: the tick only restores the baseline
    return;
  }
  ++stats_.ticks_accepted;
  part.builder.on_tick(tick, part.builder_out);
  if (tick.receive_time.nanos() != tick.exchange_time.nanos()) {
    tick_latency().observe(static_cast<double>(core::Timestamp::now().nanos() - tick.receive_time.nanos()) * 1e-9);
  }
  const model::Candle* current = part.builder.current(tick.symbol);
  if (current != nullptr && current->start.nanos() != book.open_minute) {
    book.open_minute = current->start.nanos();
    book.open_first_offset = offset;
    book.before_open_offset = previous_baseline;
  }
}

void CandleService::on_clock(core::Timestamp now) {
  for (auto& [id, part] : partitions_) part->advance(now.nanos());
}

void CandleService::close_partition(int32_t p) {
  auto it = partitions_.find(p);
  if (it == partitions_.end()) return;
  Partition& part = *it->second;
  part.builder.flush(part.builder_out);
  part.rollup.flush(part.rollup_out);
}

void CandleService::close_all() {
  for (auto& [id, part] : partitions_) close_partition(id);
}

int64_t CandleService::commit_offset(int32_t p) const {
  auto it = partitions_.find(p);
  if (it == partitions_.end()) return kNone;
  const Partition& part = *it->second;
  if (part.next_offset == kNone) return kNone;
  const int64_t today = ist_day(part.clock);
  int64_t commit = part.next_offset;
  for (const auto& [symbol, book] : part.books) {
    int64_t pin = kNone;
    if (book.open_first_offset != kNone) {
      pin = book.before_open_offset != kNone ? book.before_open_offset : book.open_first_offset;
    } else if (book.baseline_offset != kNone && book.day == today) {
      pin = book.baseline_offset;
    }
    if (pin != kNone) commit = std::min(commit, pin);
  }
  return commit;
}

int64_t CandleService::next_offset(int32_t p) const {
  auto it = partitions_.find(p);
  return it == partitions_.end() ? kNone : it->second->next_offset;
}

bool CandleService::has_open(int32_t p) const {
  auto it = partitions_.find(p);
  if (it == partitions_.end()) return false;
  for (const auto& [symbol, book] : it->second->books) {
    if (book.open_first_offset != kNone) return true;
    for (model::Interval i : config_.rollups) {
      if (it->second->rollup.current(symbol, i) != nullptr) return true;
    }
  }
  return false;
}

std::vector<int32_t> CandleService::partitions() const {
  std::vector<int32_t> out;
  for (const auto& [id, part] : partitions_) out.push_back(id);
  return out;
}

CandleServiceStats CandleService::stats() const {
  CandleServiceStats s = stats_;
  s.late_ticks = late_of_dropped_;
  for (const auto& [id, part] : partitions_) s.late_ticks += part->builder.stats().late_ticks;
  return s;
}

}  // namespace nifty::engine
