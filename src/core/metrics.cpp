#include "core/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <variant>

#include "core/check.h"

namespace nifty::core {
namespace {

enum Kind : int { kCounter = 0, kGauge = 1, kHistogram = 2 };

std::string_view kind_name(int kind) {
  switch (kind) {
    case kCounter: return "counter";
    case kGauge: return "gauge";
    default: return "histogram";
  }
}

bool valid_metric_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool valid_label_name(std::string_view s) {
  if (s.empty() || s.rfind("__", 0) == 0) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Prometheus sample values: integers without a fraction, other values in the shortest form that
// reads back exactly, and +Inf/-Inf/NaN spelled the Prometheus way.
void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[64];
  if (v == std::trunc(v) && std::fabs(v) < 9.007199254740992e15) {
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
    out.append(buf, r.ptr);
    return;
  }
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

void append_help(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

// name{a="x",b="y"} or name{a="x",le="0.5"}; no braces when there are no labels.
void append_series_name(std::string& out, std::string_view name, std::string_view suffix, const MetricLabels& labels,
                        const std::string* le) {
  out += name;
  out += suffix;
  if (labels.empty() && le == nullptr) return;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    append_label_value(out, v);
    out += '"';
  }
  if (le != nullptr) {
    if (!first) out += ',';
    out += "le=\"";
    out += *le;
    out += '"';
  }
  out += '}';
}

MetricLabels sorted(const MetricLabels& labels) {
  MetricLabels s = labels;
  std::sort(s.begin(), s.end());
  return s;
}

}  // namespace

struct MetricsRegistry::Family {
  std::string name;
  std::string help;
  int kind = kCounter;
  struct Series {
    MetricLabels labels;  // as first given (rendered in this order)
    MetricLabels key;     // sorted, for lookup
    std::variant<std::unique_ptr<Counter>, std::unique_ptr<Gauge>, std::unique_ptr<Histogram>> metric;
  };
  std::vector<Series> series;  // creation order

  Series* find(const MetricLabels& key) {
    for (auto& s : series) {
      if (s.key == key) return &s;
    }
    return nullptr;
  }
};

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  // A +Inf bound given explicitly is the implicit last bucket.
  if (!bounds_.empty() && std::isinf(bounds_.back()) && bounds_.back() > 0) bounds_.pop_back();
  for (size_t i = 0; i < bounds_.size(); ++i) {
    NIFTY_CHECK(!std::isnan(bounds_[i]), "histogram bound is NaN");
    NIFTY_CHECK(i == 0 || bounds_[i - 1] < bounds_[i], "histogram bounds must be strictly increasing");
  }
  buckets_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double v) {
  // Bucket i counts observations with bounds_[i-1] < v <= bounds_[i]; NaN goes to +Inf only.
  size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  if (std::isnan(v)) i = bounds_.size();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::cumulative_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    out[i] = acc;
  }
  return out;
}

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry& MetricsRegistry::global() {
  static MetricsRegistry* registry = new MetricsRegistry;  // outlives every static user
  return *registry;
}

MetricsRegistry::Family& MetricsRegistry::family(std::string_view name, std::string_view help, int kind) {
  NIFTY_CHECK(valid_metric_name(name), "invalid metric name");
  for (auto& f : families_) {
    if (f->name == name) {
      NIFTY_CHECK(f->kind == kind, "metric name registered with two kinds");
      return *f;
    }
  }
  auto f = std::make_unique<Family>();
  f->name = std::string(name);
  f->help = std::string(help);
  f->kind = kind;
  families_.push_back(std::move(f));
  return *families_.back();
}

Counter& MetricsRegistry::counter(std::string_view name, std::string_view help, const MetricLabels& labels) {
  std::lock_guard lock(mu_);
  Family& f = family(name, help, kCounter);
  MetricLabels key = sorted(labels);
  if (auto* s = f.find(key)) return *std::get<std::unique_ptr<Counter>>(s->metric);
  for (const auto& l : labels) NIFTY_CHECK(valid_label_name(l.first), "invalid label name");
  f.series.push_back({labels, std::move(key), std::make_unique<Counter>()});
  return *std::get<std::unique_ptr<Counter>>(f.series.back().metric);
}

Gauge& MetricsRegistry::gauge(std::string_view name, std::string_view help, const MetricLabels& labels) {
  std::lock_guard lock(mu_);
  Family& f = family(name, help, kGauge);
  MetricLabels key = sorted(labels);
  if (auto* s = f.find(key)) return *std::get<std::unique_ptr<Gauge>>(s->metric);
  for (const auto& l : labels) NIFTY_CHECK(valid_label_name(l.first), "invalid label name");
  f.series.push_back({labels, std::move(key), std::make_unique<Gauge>()});
  return *std::get<std::unique_ptr<Gauge>>(f.series.back().metric);
}

Histogram& MetricsRegistry::histogram(std::string_view name, std::string_view help, std::vector<double> upper_bounds,
                                      const MetricLabels& labels) {
  std::lock_guard lock(mu_);
  Family& f = family(name, help, kHistogram);
  MetricLabels key = sorted(labels);
  if (auto* s = f.find(key)) return *std::get<std::unique_ptr<Histogram>>(s->metric);
  for (const auto& l : labels) {
    NIFTY_CHECK(valid_label_name(l.first) && l.first != "le", "invalid histogram label name");
  }
  f.series.push_back({labels, std::move(key), std::make_unique<Histogram>(std::move(upper_bounds))});
  return *std::get<std::unique_ptr<Histogram>>(f.series.back().metric);
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mu_);
  std::vector<const Family*> order;
  order.reserve(families_.size());
  for (const auto& f : families_) order.push_back(f.get());
  std::sort(order.begin(), order.end(), [](const Family* a, const Family* b) { return a->name < b->name; });

  std::string out;
  for (const Family* f : order) {
    out += "# HELP ";
    out += f->name;
    out += ' ';
    append_help(out, f->help);
    out += "\n# TYPE ";
    out += f->name;
    out += ' ';
    out += kind_name(f->kind);
    out += '\n';
    for (const auto& s : f->series) {
      if (f->kind == kCounter || f->kind == kGauge) {
        double v = f->kind == kCounter ? std::get<std::unique_ptr<Counter>>(s.metric)->value()
                                       : std::get<std::unique_ptr<Gauge>>(s.metric)->value();
        append_series_name(out, f->name, "", s.labels, nullptr);
        out += ' ';
        append_number(out, v);
        out += '\n';
        continue;
      }
      const Histogram& h = *std::get<std::unique_ptr<Histogram>>(s.metric);
      // _count is the +Inf bucket of the same snapshot, so the two always agree.
      const auto counts = h.cumulative_counts();
      const auto& bounds = h.upper_bounds();
      for (size_t i = 0; i <= bounds.size(); ++i) {
        std::string le;
        if (i < bounds.size()) {
          append_number(le, bounds[i]);
        } else {
          le = "+Inf";
        }
        append_series_name(out, f->name, "_bucket", s.labels, &le);
        out += ' ';
        append_number(out, static_cast<double>(counts[i]));
        out += '\n';
      }
      append_series_name(out, f->name, "_sum", s.labels, nullptr);
      out += ' ';
      append_number(out, h.sum());
      out += '\n';
      append_series_name(out, f->name, "_count", s.labels, nullptr);
      out += ' ';
      append_number(out, static_cast<double>(counts.back()));
      out += '\n';
    }
  }
  return out;
}

}  // namespace nifty::core
