// Load and query harness for PostgresCandleStore (bench/postgres/run.sh runs it against a private
// server and compares with psql \copy and pgbench).
//   postgres_store_bench URL ROWS BATCH CSV_OUT
// 1. reads ROWS real candles from the shared 5-minute data (nse-5min-2023-24, real NSE prices),
//    stored as 1-minute candles (same starts), and writes them as CSV for psql \copy;
// 2. TRUNCATE candles_1m, loads them through PostgresCandleStore::upsert in batches of BATCH;
//    then loads them twice more, unchanged (every key stored: the merge path, nothing rewritten) and
//    with every close changed (the merge path updating every row);
// 3. TRUNCATE again, prints the rows and seconds lines that run.sh completes with the \copy timing;
// 4. after run.sh's \copy, it is called again with ROWS = 0 to time last_n(symbol, 1m, 300).
// Output lines: "ours_load rows=N seconds=S rows_per_s=R", "ours_reload_equal ...",
// "ours_reload_changed ..." and "ours_last300 p50_ms=.. p99_ms=..".
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <vector>

#include "store/postgres/migrations.h"
#include "store/postgres/postgres_candle_store.h"

using namespace nifty;

namespace {

std::vector<model::Candle> load_real(size_t rows) {
  std::vector<model::Candle> out;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(NIFTY_SHARED_DATA_DIR) + "/nse-5min-2023-24")) {
    if (e.path().extension() == ".csv") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f);
    std::string line;
    std::getline(in, line);  // header
    std::string symbol = f.stem().string();
    core::Timestamp last{};
    while (out.size() < rows && std::getline(in, line)) {
      std::stringstream ss(line);
      std::string c[6];
      for (auto& x : c) std::getline(ss, x, ',');
      auto t = core::Timestamp::parse(c[0]);
      if (!t.is_ok() || t.value() <= last) continue;  // the files repeat a few days
      last = t.value();
      model::Candle k;
      k.symbol = model::Symbol(symbol);
      k.interval = model::Interval::k1m;
      k.start = t.value();
      k.open = model::Price::from_rupees(std::stod(c[1]));
      k.high = model::Price::from_rupees(std::stod(c[2]));
      k.low = model::Price::from_rupees(std::stod(c[3]));
      k.close = model::Price::from_rupees(std::stod(c[4]));
      k.volume = std::stoll(c[5]);
      k.trades = 1;
      k.vwap = k.close;
      out.push_back(k);
    }
    if (out.size() >= rows) break;
  }
  return out;
}

void write_csv(const std::vector<model::Candle>& candles, const std::string& path) {
  std::ofstream out(path);
  for (const auto& c : candles) {
    out << c.start.to_iso_utc() << ',' << c.symbol.view() << ',' << c.open.to_string() << ',' << c.high.to_string()
        << ',' << c.low.to_string() << ',' << c.close.to_string() << ',' << c.volume << ',' << c.trades << ','
        << c.vwap.to_string() << '\n';
  }
}

void truncate(const store::PostgresConfig& config) {
  pqxx::connection conn(store::postgres_conninfo(config));
  pqxx::nontransaction tx(conn);
  tx.exec("TRUNCATE candles_1m");
  tx.exec("VACUUM ANALYZE candles_1m");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: postgres_store_bench URL ROWS BATCH CSV_OUT\n";
    return 2;
  }
  auto config_r = store::PostgresConfig::from_url(argv[1]);
  if (!config_r.is_ok()) {
    std::cerr << config_r.status().to_string() << "\n";
    return 2;
  }
  store::PostgresConfig config = config_r.value();
  config.sslmode = "disable";
  const size_t rows = std::stoul(argv[2]);
  const size_t batch = std::stoul(argv[3]);
  try {
    auto m = store::migrate(config);
    if (!m.is_ok()) {
      std::cerr << m.status().to_string() << "\n";
      return 1;
    }
    auto opened = store::PostgresCandleStore::open(config);
    if (!opened.is_ok()) {
      std::cerr << opened.status().to_string() << "\n";
      return 1;
    }
    auto& st = *opened.value();
    if (rows > 0) {
      auto candles = load_real(rows);
      write_csv(candles, argv[4]);
      truncate(config);
      auto load = [&](const std::vector<model::Candle>& rows_in) -> double {
        auto t0 = std::chrono::steady_clock::now();
        for (size_t i = 0; i < rows_in.size(); i += batch) {
          size_t n = std::min(batch, rows_in.size() - i);
          core::Status s = st.upsert(std::span(rows_in).subspan(i, n));
          if (!s.is_ok()) {
            std::cerr << s.to_string() << "\n";
            std::exit(1);
          }
        }
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      };
      double secs = load(candles);
      auto count = st.count(model::Interval::k1m);
      std::printf("ours_load rows=%zu stored=%lld seconds=%.3f rows_per_s=%.0f\n", candles.size(),
                  static_cast<long long>(count.is_ok() ? count.value() : -1), secs,
                  static_cast<double>(candles.size()) / secs);
      // The same rows again: every key stored, so the merge path; equal rows are not rewritten.
      secs = load(candles);
      std::printf("ours_reload_equal rows=%zu seconds=%.3f rows_per_s=%.0f\n", candles.size(), secs,
                  static_cast<double>(candles.size()) / secs);
      // Every row changed (close + 5 paise): the merge path updating every row.
      for (auto& c : candles) c.close = c.close + model::Price::from_paise(5);
      secs = load(candles);
      std::printf("ours_reload_changed rows=%zu seconds=%.3f rows_per_s=%.0f\n", candles.size(), secs,
                  static_cast<double>(candles.size()) / secs);
      truncate(config);
      return 0;
    }
    // Query latency of last_n(…, 300) over the loaded table (ADANIENT, as pgbench's q.sql).
    std::vector<double> ms;
    const model::Symbol symbol("ADANIENT");
    for (int i = 0; i < 2000; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      auto r = st.last_n(symbol, model::Interval::k1m, 300);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (!r.is_ok() || r->size() != 300) {
        std::cerr << "last_n failed or short: " << r.status().to_string() << "\n";
        return 1;
      }
    }
    std::sort(ms.begin(), ms.end());
    std::printf("ours_last300 n=%zu p50_ms=%.3f p99_ms=%.3f\n", ms.size(), ms[ms.size() / 2], ms[ms.size() * 99 / 100]);
  } catch (const std::exception& e) {
    std::cerr << "unexpected: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
