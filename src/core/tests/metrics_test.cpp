#include "core/metrics.h"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

namespace nifty::core {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// The sample lines of the exposition (no comments), as "series value".
std::vector<std::string> samples(const std::string& text) {
  std::vector<std::string> out;
  for (auto& l : lines_of(text)) {
    if (!l.empty() && l[0] != '#') out.push_back(l);
  }
  return out;
}

TEST(MetricsRegistry, RendersCounterWithHelpAndType) {
  MetricsRegistry r;
  Counter& c = r.counter("websocket_packets_total", "Packets received", {{"vendor", "kite"}});
  c.inc();
  c.inc(2);
  EXPECT_EQ(c.value(), 3.0);
  EXPECT_EQ(lines_of(r.render()), (std::vector<std::string>{
                                      "# HELP websocket_packets_total Packets received",
                                      "# TYPE websocket_packets_total counter",
                                      "websocket_packets_total{vendor=\"kite\"} 3",
                                  }));
}

TEST(MetricsRegistry, SameNameAndLabelsGiveTheSameObject) {
  MetricsRegistry r;
  Counter& a = r.counter("x_total", "x", {{"a", "1"}, {"b", "2"}});
  Counter& b = r.counter("x_total", "x", {{"a", "1"}, {"b", "2"}});
  Counter& swapped = r.counter("x_total", "x", {{"b", "2"}, {"a", "1"}});
  Counter& other = r.counter("x_total", "x", {{"a", "1"}, {"b", "3"}});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a, &swapped);
  EXPECT_NE(&a, &other);
  Gauge& g1 = r.gauge("g", "g");
  Gauge& g2 = r.gauge("g", "g");
  EXPECT_EQ(&g1, &g2);
}

TEST(MetricsRegistry, FamiliesSortedByNameSeriesInCreationOrder) {
  MetricsRegistry r;
  r.gauge("zeta", "last").set(1);
  r.counter("alpha_total", "first", {{"k", "b"}}).inc(5);
  r.counter("alpha_total", "first", {{"k", "a"}}).inc(7);
  r.gauge("mid", "middle").set(-2.5);
  EXPECT_EQ(lines_of(r.render()), (std::vector<std::string>{
                                      "# HELP alpha_total first",
                                      "# TYPE alpha_total counter",
                                      "alpha_total{k=\"b\"} 5",
                                      "alpha_total{k=\"a\"} 7",
                                      "# HELP mid middle",
                                      "# TYPE mid gauge",
                                      "mid -2.5",
                                      "# HELP zeta last",
                                      "# TYPE zeta gauge",
                                      "zeta 1",
                                  }));
}

TEST(MetricsRegistry, EscapesLabelValuesAndHelp) {
  MetricsRegistry r;
  r.counter("esc_total", "line1\nback\\slash", {{"path", "a\\b\"c\"\nd"}}).inc();
  auto l = lines_of(r.render());
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0], "# HELP esc_total line1\\nback\\\\slash");
  EXPECT_EQ(l[2], "esc_total{path=\"a\\\\b\\\"c\\\"\\nd\"} 1");
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeWithInf) {
  MetricsRegistry r;
  Histogram& h = r.histogram("analysis_duration_seconds", "Analysis time", {0.01, 0.1, 1}, {{"stage", "rsi"}});
  // Hand-worked: 0.005 and 0.01 fall in le=0.01 (bounds are inclusive), 0.05 in le=0.1,
  // 0.5 in le=1, 5 only in +Inf. Cumulative: 2, 3, 4, 5. Sum 5.565.
  for (double v : {0.005, 0.01, 0.05, 0.5, 5.0}) h.observe(v);
  EXPECT_EQ(h.count(), 5u);
  EXPECT_EQ(h.cumulative_counts(), (std::vector<uint64_t>{2, 3, 4, 5}));
  auto s = samples(r.render());
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s[0], "analysis_duration_seconds_bucket{stage=\"rsi\",le=\"0.01\"} 2");
  EXPECT_EQ(s[1], "analysis_duration_seconds_bucket{stage=\"rsi\",le=\"0.1\"} 3");
  EXPECT_EQ(s[2], "analysis_duration_seconds_bucket{stage=\"rsi\",le=\"1\"} 4");
  EXPECT_EQ(s[3], "analysis_duration_seconds_bucket{stage=\"rsi\",le=\"+Inf\"} 5");
  EXPECT_EQ(s[4].rfind("analysis_duration_seconds_sum{stage=\"rsi\"} ", 0), 0u);
  EXPECT_NEAR(std::stod(s[4].substr(s[4].find("} ") + 2)), 5.565, 1e-12);
  EXPECT_EQ(s[5], "analysis_duration_seconds_count{stage=\"rsi\"} 5");
  auto all = lines_of(r.render());
  EXPECT_EQ(all[1], "# TYPE analysis_duration_seconds histogram");
}

TEST(MetricsRegistry, HistogramWithoutLabels) {
  MetricsRegistry r;
  r.histogram("h", "h", {1}).observe(0.5);
  auto s = samples(r.render());
  EXPECT_EQ(s, (std::vector<std::string>{"h_bucket{le=\"1\"} 1", "h_bucket{le=\"+Inf\"} 1", "h_sum 0.5", "h_count 1"}));
}

TEST(MetricsRegistry, CountersAreSafeUnderConcurrentUpdates) {
  MetricsRegistry r;
  Counter& c = r.counter("c_total", "c");
  Histogram& h = r.histogram("d", "d", {1});
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        h.observe(1);
        r.counter("c_total", "c").inc(0);  // lookups under contention too
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(c.value(), 40000.0);
  EXPECT_EQ(h.count(), 40000u);
  EXPECT_EQ(h.sum(), 40000.0);
}

TEST(MetricsRegistry, GlobalIsOneObject) { EXPECT_EQ(&MetricsRegistry::global(), &MetricsRegistry::global()); }

TEST(MetricsRegistryDeathTest, SameNameWithAnotherKindAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        MetricsRegistry r;
        r.counter("dup", "d");
        r.gauge("dup", "d");
      },
      "two kinds");
}

}  // namespace
}  // namespace nifty::core
