#include "feed/live/tick_dedup.h"

#include "core/check.h"

namespace nifty::feed::live {

TickDedup::TickDedup(std::vector<std::string> vendors, size_t expected_symbols)
    : vendors_(std::move(vendors)), dropped_(vendors_.size(), 0) {
  for (const auto& v : vendors_) {
    counters_.push_back(&core::MetricsRegistry::global().counter(
        "ticks_deduplicated_total", "Ticks dropped because another feed had already delivered them",
        {{"vendor", v}}));
  }
  marks_.reserve(expected_symbols);
}

void TickDedup::set(Watermark& w, size_t feed, const model::Tick& t, int64_t day) {
  w.volume = t.cumulative_volume;
  w.exchange_time = t.exchange_time;
  w.ist_day = day;
  w.last_price = t.last_price;
  w.bid = t.bid;
  w.ask = t.ask;
  w.feed = static_cast<uint32_t>(feed);
}

bool TickDedup::drop(size_t feed) {
  ++dropped_[feed];
  counters_[feed]->inc();
  return false;
}

bool TickDedup::accept(size_t feed, const model::Tick& t) {
  NIFTY_CHECK(feed < vendors_.size(), "TickDedup: feed index out of range");
  int64_t day = ist_day(t.exchange_time);
  auto [it, fresh] = marks_.try_emplace(t.symbol);
  Watermark& w = it->second;
  if (fresh) {
    set(w, feed, t, day);
    ++kept_;
    return true;
  }
  if (w.feed == feed) {
    if (day > w.ist_day || t.cumulative_volume >= w.volume) set(w, feed, t, day);
    ++kept_;
    return true;
  }
  bool keep;
  if (day != w.ist_day) {
    keep = day > w.ist_day;
  } else if (t.cumulative_volume != w.volume) {
    keep = t.cumulative_volume > w.volume;
  } else {
    bool quote_changed = t.last_price != w.last_price || t.bid != w.bid || t.ask != w.ask;
    keep = t.exchange_time > w.exchange_time && quote_changed;
  }
  if (!keep) return drop(feed);
  set(w, feed, t, day);
  ++kept_;
  return true;
}

size_t TickDedup::filter(size_t feed, std::span<model::Tick> ticks) {
  size_t n = 0;
  for (size_t i = 0; i < ticks.size(); ++i) {
    if (accept(feed, ticks[i])) {
      if (n != i) ticks[n] = ticks[i];
      ++n;
    }
  }
  return n;
}

}  // namespace nifty::feed::live
