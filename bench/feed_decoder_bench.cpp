// feed_decoder_bench: Noren (Flattrade) JSON messages per second through the flattrade
// live::FrameDecoder — a realistic touchline mix: one "tk" snapshot per Nifty 50 stock, then "tf"
// partial updates with string fields (lp, v, ft always; bp1/sp1/bq1/sq1/ap on some). Reports
// items_per_second (messages). Release build: cmake -DCMAKE_BUILD_TYPE=Release -DNIFTY_BUILD_BENCH=ON.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "feed/live/frame_decoder.h"
#include "feed/supervisor/tests/fake_brokers.h"
#include "model/instrument.h"

namespace {

using namespace nifty;

const model::Universe& universe() {
  static const model::Universe u =
      model::Universe::load_csv(std::string(NIFTY_SHARED_DATA_DIR) + "/nifty50.csv").value();
  return u;
}

// Messages: 50 tk snapshots, then 20,000 tf updates cycling over the stocks.
std::vector<std::string> noren_messages(size_t updates) {
  using feed::testing::noren_json;
  using feed::testing::rupees_string;
  std::vector<std::string> out;
  std::vector<const model::Instrument*> stocks;
  for (const auto& i : universe().instruments())
    if (i.kind == model::InstrumentKind::kEquity) stocks.push_back(&i);
  const int64_t t0 = 1'705'552'200;  // 2024-01-18 10:00 IST
  for (size_t s = 0; s < stocks.size(); ++s) {
    int64_t p = 100'000 + 5 * static_cast<int64_t>(s) * 1'000;
    out.push_back(noren_json({{"t", "tk"}, {"e", "NSE"}, {"tk", std::to_string(stocks[s]->nse_token)},
                              {"ts", stocks[s]->symbol.str() + "-EQ"}, {"pp", "2"}, {"ti", "0.05"}, {"ls", "1"},
                              {"lp", rupees_string(p)}, {"pc", "0.12"}, {"v", "100000"}, {"o", rupees_string(p)},
                              {"h", rupees_string(p + 500)}, {"l", rupees_string(p - 500)}, {"c", rupees_string(p)},
                              {"ap", rupees_string(p)}, {"bp1", rupees_string(p - 5)}, {"bq1", "120"},
                              {"sp1", rupees_string(p + 5)}, {"sq1", "80"}, {"ft", std::to_string(t0)}}));
  }
  for (size_t i = 0; i < updates; ++i) {
    size_t s = i % stocks.size();
    int64_t p = 100'000 + 5 * static_cast<int64_t>(s) * 1'000 + 5 * static_cast<int64_t>(i % 17);
    std::vector<std::pair<std::string, std::string>> f = {
        {"t", "tf"}, {"e", "NSE"}, {"tk", std::to_string(stocks[s]->nse_token)}, {"lp", rupees_string(p)},
        {"v", std::to_string(100'000 + 10 * i)}, {"ft", std::to_string(t0 + static_cast<int64_t>(i / 500))}};
    if (i % 3 == 0) {
      f.emplace_back("bp1", rupees_string(p - 5));
      f.emplace_back("bq1", std::to_string(100 + i % 50));
    }
    if (i % 4 == 0) {
      f.emplace_back("sp1", rupees_string(p + 5));
      f.emplace_back("sq1", std::to_string(90 + i % 40));
    }
    if (i % 10 == 0) f.emplace_back("ap", rupees_string(p));
    out.push_back(noren_json(f));
  }
  return out;
}

void BM_NorenDecoder_Messages(benchmark::State& state) {
  const auto messages = noren_messages(20'000);
  auto decoder = feed::live::make_frame_decoder("flattrade", universe()).value();
  std::vector<model::Tick> ticks;
  std::vector<feed::live::FrameEvent> events;
  ticks.reserve(4);
  events.reserve(4);
  size_t i = 0;
  uint64_t produced = 0;
  const core::Timestamp received = core::Timestamp::from_seconds(1'705'552'201);
  for (auto _ : state) {
    const std::string& m = messages[i];
    ticks.clear();
    events.clear();
    auto r = decoder->decode(feed::live::FrameKind::kText,
                             std::span(reinterpret_cast<const uint8_t*>(m.data()), m.size()), received, ticks, events);
    produced += r ? r.value().ticks : 0;
    benchmark::DoNotOptimize(ticks.data());
    if (++i == messages.size()) i = 50;  // the snapshots once, then the updates in a loop
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["ticks_per_message"] = benchmark::Counter(static_cast<double>(produced) /
                                                           static_cast<double>(state.iterations()));
}
BENCHMARK(BM_NorenDecoder_Messages);

}  // namespace

BENCHMARK_MAIN();
