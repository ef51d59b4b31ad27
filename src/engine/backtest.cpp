#include "engine/backtest.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "bus/inproc/inproc_bus.h"
#include "model/json_codec.h"

namespace nifty::engine {
namespace {

int direction(model::Recommendation r) {
  switch (r) {
    case model::Recommendation::kStrongBuy:
    case model::Recommendation::kBuy: return 1;
    case model::Recommendation::kSell:
    case model::Recommendation::kStrongSell: return -1;
    case model::Recommendation::kHold: return 0;
  }
  return 0;
}

// One symbol's candles, oldest first, with the forward returns of any entry.
class Series {
 public:
  Series(std::vector<model::Candle> candles, model::Interval interval)
      : candles_(std::move(candles)), length_(model::interval_nanos(interval)) {
    day_end_.resize(candles_.size());
    // The index of the last candle of each candle's IST day.
    size_t i = candles_.size();
    while (i > 0) {
      size_t last = i - 1;
      auto day = candles_[last].start.ist_date();
      size_t j = last + 1;
      while (j > 0 && candles_[j - 1].start.ist_date() == day) day_end_[--j] = last;
      i = j;
    }
  }
  const std::vector<model::Candle>& candles() const { return candles_; }
  std::optional<size_t> find(core::Timestamp start) const {
    auto it = std::lower_bound(candles_.begin(), candles_.end(), start,
                               [](const model::Candle& c, core::Timestamp t) { return c.start < t; });
    if (it == candles_.end() || it->start != start) return std::nullopt;
    return static_cast<size_t>(it - candles_.begin());
  }
  // Forward returns of an entry at the close of candle i, by horizon.
  std::array<std::optional<double>, kHorizonCount> forward(size_t i) const {
    std::array<std::optional<double>, kHorizonCount> out;
    const size_t last = day_end_[i];
    if (last == i) return out;  // nothing later that day
    const double entry = candles_[i].close.rupees();
    const core::Timestamp entry_end = candles_[i].start + length_;
    const core::Timestamp day_end = candles_[last].start + length_;
    for (size_t h = 0; h < kHorizonMinutes.size(); ++h) {
      core::Timestamp target = entry_end + kHorizonMinutes[h] * core::kNanosPerMinute;
      if (day_end < target) continue;  // the session ends before the horizon
      // The last candle of the day ending at or before the target (gaps allowed).
      size_t j = i;
      auto it = std::upper_bound(candles_.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                                 candles_.begin() + static_cast<std::ptrdiff_t>(last) + 1, target,
                                 [&](core::Timestamp t, const model::Candle& c) { return t < c.start + length_; });
      j = static_cast<size_t>(it - candles_.begin()) - 1;
      if (j == i) continue;
      out[h] = candles_[j].close.rupees() / entry - 1.0;
    }
    out[kHorizonCount - 1] = candles_[last].close.rupees() / entry - 1.0;
    return out;
  }

 private:
  std::vector<model::Candle> candles_;
  std::vector<size_t> day_end_;
  int64_t length_;
};

// Running sums for one horizon.
struct Accumulator {
  uint64_t n = 0;
  uint64_t hits = 0;
  uint64_t ups = 0;
  uint64_t downs = 0;
  double sum = 0;
  void add(double r, int dir) {
    ++n;
    sum += r;
    ups += r > 0;
    downs += r < 0;
    if (dir != 0 && ((dir > 0 && r > 0) || (dir < 0 && r < 0))) ++hits;
  }
  HorizonStats stats(bool directional) const {
    HorizonStats s;
    s.n = n;
    s.mean_return = n ? sum / static_cast<double>(n) : 0.0;
    if (directional) {
      s.hits = hits;
      s.hit_rate = n ? static_cast<double>(hits) / static_cast<double>(n) : 0.0;
      std::tie(s.ci_low, s.ci_high) = wilson_interval(hits, n);
    } else if (n > 0) {
      s.up_rate = static_cast<double>(ups) / static_cast<double>(n);
      s.down_rate = static_cast<double>(downs) / static_cast<double>(n);
    }
    return s;
  }
};

nlohmann::ordered_json horizon_json(const HorizonStats& s, bool directional) {
  nlohmann::ordered_json j;
  j["n"] = s.n;
  j["mean_return"] = s.mean_return;
  if (directional) {
    j["hits"] = s.hits;
    j["hit_rate"] = s.hit_rate;
    j["hit_rate_ci95"] = {s.ci_low, s.ci_high};
  } else {
    j["up_rate"] = s.up_rate;
    j["down_rate"] = s.down_rate;
  }
  return j;
}

}  // namespace

std::pair<double, double> wilson_interval(uint64_t hits, uint64_t n) {
  if (n == 0) return {0.0, 0.0};
  const double z = 1.96;
  const double p = static_cast<double>(hits) / static_cast<double>(n);
  const double nn = static_cast<double>(n);
  const double denom = 1 + z * z / nn;
  const double centre = (p + z * z / (2 * nn)) / denom;
  const double half = z * std::sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Backtest::Backtest(store::CandleStore& store, predict::Engine& engine, const core::NseCalendar& calendar)
    : store_(store), engine_(engine), calendar_(calendar) {}

core::Result<BacktestReport> Backtest::run(const BacktestConfig& config) {
  std::vector<model::Symbol> symbols = config.symbols;
  if (symbols.empty()) {
    NIFTY_ASSIGN_OR_RETURN(symbols, store_.symbols(config.interval));
  }
  std::sort(symbols.begin(), symbols.end());
  symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());
  std::unordered_map<model::Symbol, Series> series;
  std::vector<model::Candle> merged;
  for (const auto& s : symbols) {
    NIFTY_ASSIGN_OR_RETURN(auto candles, store_.range(s, config.interval, config.from, config.to));
    merged.insert(merged.end(), candles.begin(), candles.end());
    series.emplace(s, Series(std::move(candles), config.interval));
  }
  if (merged.empty()) {
    return core::error(core::ErrorCode::kNotFound,
                       "no " + std::string(model::interval_name(config.interval)) + " candles stored between " +
                           config.from.to_iso_ist() + " and " + config.to.to_iso_ist());
  }
  std::stable_sort(merged.begin(), merged.end(), [](const model::Candle& a, const model::Candle& b) {
    return a.start != b.start ? a.start < b.start : a.symbol < b.symbol;
  });

  // The engine's own stages over the stored candles.
  PipelineConfig pc = config.pipeline;
  pc.rollups.clear();
  pc.analysis = true;
  pc.scorecards.interval = config.interval;
  bus::InprocBus bus;
  std::vector<model::Signal> signals;
  uint64_t scorecards = 0;
  NIFTY_RETURN_IF_ERROR(bus.subscribe(bus::Topic::kSignals, "backtest",
                                      [&](const bus::Message& m) { signals.push_back(std::get<model::Signal>(m)); }));
  NIFTY_RETURN_IF_ERROR(bus.subscribe(bus::Topic::kAnalysisUpdates, "backtest", [&](const bus::Message&) { ++scorecards; }));
  PipelineDeps deps{calendar_, bus, engine_, nullptr, nullptr};
  Pipeline pipeline(pc, deps, "backtest");
  pipeline.run_candles(merged);
  bus.close();

  BacktestReport report;
  report.interval = config.interval;
  report.from = config.from;
  report.to = config.to;
  for (const auto& s : symbols) report.symbols.push_back(s.str());
  report.candles = merged.size();
  report.scorecards = scorecards;

  std::array<Accumulator, kHorizonCount> baseline;
  for (const auto& s : symbols) {
    const Series& ser = series.at(s);
    for (size_t i = 0; i < ser.candles().size(); ++i) {
      auto fwd = ser.forward(i);
      for (int h = 0; h < kHorizonCount; ++h) {
        if (fwd[h]) baseline[h].add(*fwd[h], 0);
      }
    }
  }
  for (int h = 0; h < kHorizonCount; ++h) report.baseline[h] = baseline[h].stats(false);

  const model::Recommendation order[] = {model::Recommendation::kStrongBuy, model::Recommendation::kBuy,
                                         model::Recommendation::kHold, model::Recommendation::kSell,
                                         model::Recommendation::kStrongSell};
  std::array<std::array<Accumulator, kHorizonCount>, 5> by_class{};
  std::array<uint64_t, 5> class_signals{};
  for (const auto& sig : signals) {
    BacktestSignal bs;
    bs.signal = sig;
    const Series& ser = series.at(sig.symbol);
    if (auto i = ser.find(sig.timestamp)) bs.forward = ser.forward(*i);
    size_t k = static_cast<size_t>(std::find(std::begin(order), std::end(order), sig.action) - std::begin(order));
    ++class_signals[k];
    for (int h = 0; h < kHorizonCount; ++h) {
      if (bs.forward[h]) by_class[k][h].add(*bs.forward[h], direction(sig.action));
    }
    report.signals.push_back(std::move(bs));
  }
  for (size_t k = 0; k < 5; ++k) {
    ClassStats cs;
    cs.action = order[k];
    cs.signals = class_signals[k];
    for (int h = 0; h < kHorizonCount; ++h) cs.horizons[h] = by_class[k][h].stats(direction(order[k]) != 0);
    report.classes.push_back(cs);
  }
  return report;
}

std::string BacktestReport::to_json(bool with_signals) const {
  nlohmann::ordered_json j;
  j["interval"] = std::string(model::interval_name(interval));
  j["from"] = from.to_iso_ist();
  j["to"] = to.to_iso_ist();
  j["symbols"] = symbols;
  j["candles"] = candles;
  j["scorecards"] = scorecards;
  j["signals"] = signals.size();
  j["horizons"] = std::vector<std::string>(kHorizonNames.begin(), kHorizonNames.end());
  nlohmann::ordered_json base;
  for (int h = 0; h < kHorizonCount; ++h) base[kHorizonNames[h]] = horizon_json(baseline[h], false);
  j["baseline"] = base;
  nlohmann::ordered_json classes_json = nlohmann::ordered_json::array();
  for (const auto& c : classes) {
    nlohmann::ordered_json cj;
    cj["action"] = std::string(model::recommendation_name(c.action));
    cj["signals"] = c.signals;
    bool directional = direction(c.action) != 0;
    for (int h = 0; h < kHorizonCount; ++h) cj[kHorizonNames[h]] = horizon_json(c.horizons[h], directional);
    classes_json.push_back(cj);
  }
  j["classes"] = classes_json;
  if (!with_signals) return j.dump(2) + "\n";
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const auto& s : signals) {
    nlohmann::ordered_json sj;
    sj["time"] = s.signal.timestamp.to_iso_ist();
    sj["symbol"] = s.signal.symbol.str();
    sj["action"] = std::string(model::recommendation_name(s.signal.action));
    sj["previous"] = std::string(model::recommendation_name(s.signal.previous));
    sj["price"] = s.signal.price.rupees();
    nlohmann::ordered_json fwd;
    for (int h = 0; h < kHorizonCount; ++h) {
      if (s.forward[h]) fwd[kHorizonNames[h]] = *s.forward[h];
      else fwd[kHorizonNames[h]] = nullptr;
    }
    sj["forward"] = fwd;
    list.push_back(sj);
  }
  j["signal_list"] = list;
  return j.dump(2) + "\n";
}

std::string BacktestReport::to_table() const {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "backtest %s candles, %s .. %s: %zu symbols, %llu candles, %zu signals\n\n",
                std::string(model::interval_name(interval)).c_str(), from.to_iso_ist().c_str(), to.to_iso_ist().c_str(),
                symbols.size(), static_cast<unsigned long long>(candles), signals.size());
  out += line;
  std::snprintf(line, sizeof line, "%-12s %7s", "action", "signals");
  out += line;
  for (const char* h : kHorizonNames) {
    std::snprintf(line, sizeof line, " | %-30s", (std::string("fwd ") + h + ": mean  hit% [95% CI]").c_str());
    out += line;
  }
  out += "\n";
  auto row = [&](const std::string& name, uint64_t n, const std::array<HorizonStats, kHorizonCount>& hs, bool dir) {
    std::snprintf(line, sizeof line, "%-12s %7llu", name.c_str(), static_cast<unsigned long long>(n));
    out += line;
    for (const auto& s : hs) {
      if (s.n == 0) {
        std::snprintf(line, sizeof line, " | %-30s", "-");
      } else if (dir) {
        std::snprintf(line, sizeof line, " | %+7.3f%% %5.1f%% [%4.1f,%4.1f] n=%-5llu", s.mean_return * 100,
                      s.hit_rate * 100, s.ci_low * 100, s.ci_high * 100, static_cast<unsigned long long>(s.n));
      } else if (s.up_rate > 0 || s.down_rate > 0) {
        std::snprintf(line, sizeof line, " | %+7.3f%% up%4.1f%% dn%4.1f%% n=%-6llu", s.mean_return * 100,
                      s.up_rate * 100, s.down_rate * 100, static_cast<unsigned long long>(s.n));
      } else {
        std::snprintf(line, sizeof line, " | %+7.3f%% %21s", s.mean_return * 100,
                      ("n=" + std::to_string(s.n)).c_str());
      }
      out += line;
    }
    out += "\n";
  };
  for (const auto& c : classes) row(std::string(model::recommendation_name(c.action)), c.signals, c.horizons, direction(c.action) != 0);
  row("baseline", candles, baseline, false);
  return out;
}

}  // namespace nifty::engine
