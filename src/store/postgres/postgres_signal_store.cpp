#include "store/postgres/postgres_signal_store.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/log.h"
#include "model/json_codec.h"
#include "store/postgres/copy_format.h"
#include "store/postgres/postgres_pool.h"
#include "store/postgres/postgres_schema.h"

namespace nifty::store {

namespace {

constexpr const char* kColumns =
    "id, extract(epoch FROM time)::bigint, symbol, action, previous, (price * 100)::bigint, confidence::text,"
    " reason, provenance::text";

const std::vector<std::string> kStageColumns = {"id",    "time",       "symbol", "action",    "previous",
                                                "price", "confidence", "reason", "provenance"};

void setup_connection(pqxx::connection& conn) {
  {
    pqxx::nontransaction tx(conn);
    // Generic plans: the range statements are plain index scans whatever their parameters.
    tx.exec("SET plan_cache_mode = force_generic_plan");
    tx.exec("CREATE TEMP TABLE IF NOT EXISTS nifty_signal_stage (id TEXT NOT NULL, time TIMESTAMPTZ NOT NULL,"
            " symbol TEXT NOT NULL, action TEXT NOT NULL, previous TEXT NOT NULL, price NUMERIC(10, 2) NOT NULL,"
            " confidence DOUBLE PRECISION NOT NULL, reason TEXT NOT NULL, provenance JSONB NOT NULL)"
            " ON COMMIT DELETE ROWS");
  }
  conn.prepare("signal_merge",
               "INSERT INTO signals (id, time, symbol, action, previous, price, confidence, reason, provenance)"
               " SELECT id, time, symbol, action, previous, price, confidence, reason, provenance"
               " FROM nifty_signal_stage"
               " ON CONFLICT (id) DO UPDATE SET time = EXCLUDED.time, symbol = EXCLUDED.symbol,"
               " action = EXCLUDED.action, previous = EXCLUDED.previous, price = EXCLUDED.price,"
               " confidence = EXCLUDED.confidence, reason = EXCLUDED.reason, provenance = EXCLUDED.provenance");
  conn.prepare("signal_range", std::string("SELECT ") + kColumns +
                                   " FROM signals WHERE time >= to_timestamp($1) AND time < to_timestamp($2)"
                                   " ORDER BY time, symbol COLLATE \"C\", id COLLATE \"C\"");
  conn.prepare("signal_range_symbol", std::string("SELECT ") + kColumns +
                                          " FROM signals WHERE symbol = $3 AND time >= to_timestamp($1)"
                                          " AND time < to_timestamp($2) ORDER BY time, id COLLATE \"C\"");
}

int64_t ceil_seconds(int64_t nanos) {
  int64_t q = nanos / core::kNanosPerSecond;
  if (nanos % core::kNanosPerSecond != 0 && nanos > 0) ++q;
  return q;
}

// Exact text of a double: 17 significant digits read back to the same value.
std::string exact_double(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

PostgresSignalStore::PostgresSignalStore() = default;
PostgresSignalStore::~PostgresSignalStore() = default;

core::Result<std::unique_ptr<PostgresSignalStore>> PostgresSignalStore::open(const PostgresConfig& config) {
  std::unique_ptr<PostgresSignalStore> store(new PostgresSignalStore());
  store->pool_ = std::make_unique<PostgresPool>(config, setup_connection);
  core::Status s = store->pool_->run("open the signal store", [&](pqxx::connection& conn) {
    return postgres_schema::check_schema_version(conn, store->pool_->target());
  });
  if (!s.is_ok()) return s;
  core::Logger::get("store").info("opened signal store",
                                  {{"backend", "postgres"}, {"target", store->pool_->target()}});
  return store;
}

core::Status PostgresSignalStore::append(const model::Signal& s) { return append_all(std::span(&s, 1)); }

core::Status PostgresSignalStore::append_all(std::span<const model::Signal> signals) {
  for (const auto& s : signals) NIFTY_RETURN_IF_ERROR(validate_signal(s));
  if (signals.empty()) return core::Status::ok();
  // The last of equal ids wins (ON CONFLICT cannot update one row twice in a statement).
  std::vector<const model::Signal*> order;
  order.reserve(signals.size());
  for (const auto& s : signals) order.push_back(&s);
  std::stable_sort(order.begin(), order.end(), [](const model::Signal* a, const model::Signal* b) { return a->id < b->id; });
  copy_format::ChunkedLines lines;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i + 1 < order.size() && order[i]->id == order[i + 1]->id) continue;  // a later one follows
    const model::Signal& s = *order[i];
    std::string& line = lines.next_line();
    copy_format::append_copy_text(line, s.id);
    line.push_back('\t');
    copy_format::append_utc_time(line, s.timestamp.seconds());
    line.push_back('\t');
    copy_format::append_copy_text(line, s.symbol.view());
    line.push_back('\t');
    copy_format::append_copy_text(line, model::recommendation_name(s.action));
    line.push_back('\t');
    copy_format::append_copy_text(line, model::recommendation_name(s.previous));
    line.push_back('\t');
    copy_format::append_price(line, s.price);
    line.push_back('\t');
    line += exact_double(s.confidence);
    line.push_back('\t');
    copy_format::append_copy_text(line, s.reason);
    line.push_back('\t');
    copy_format::append_copy_text(line, model::encode_signal_provenance(s.provenance));
  }
  return pool_->run("append " + std::to_string(signals.size()) + " signals", [&](pqxx::connection& conn) {
    // COPY into the staging table and one merge: two round trips per batch, not one per signal.
    pqxx::work tx(conn);
    copy_format::copy_lines(tx, "nifty_signal_stage", kStageColumns, lines.chunks());
    tx.exec_prepared("signal_merge");
    tx.commit();
    return core::Status::ok();
  });
}

core::Result<std::vector<model::Signal>> PostgresSignalStore::range(core::Timestamp from, core::Timestamp to,
                                                                    std::optional<model::Symbol> symbol) {
  std::vector<model::Signal> out;
  if (from >= to) return out;
  core::Status status = pool_->run("read a range of signals", [&](pqxx::connection& conn) -> core::Status {
    out.clear();
    pqxx::nontransaction tx(conn);  // one statement, one round trip: no BEGIN/COMMIT
    pqxx::result rows =
        symbol ? tx.exec_prepared("signal_range_symbol", ceil_seconds(from.nanos()), ceil_seconds(to.nanos()),
                                  symbol->str())
               : tx.exec_prepared("signal_range", ceil_seconds(from.nanos()), ceil_seconds(to.nanos()));
    for (const auto& row : rows) {
      std::string id = row[0].as<std::string>();
      auto bad_row = [&](const std::string& why) {
        return core::error(core::ErrorCode::kIoError, "signals row '" + id + "': " + why + " (" + pool_->target() + ")");
      };
      model::Signal s;
      s.id = id;
      s.timestamp = core::Timestamp::from_seconds(row[1].as<int64_t>());
      std::string name = row[2].as<std::string>();
      if (!model::Symbol::valid(name)) return bad_row("invalid symbol '" + name + "'");
      s.symbol = model::Symbol(name);
      auto action = model::parse_recommendation(row[3].as<std::string>());
      auto previous = model::parse_recommendation(row[4].as<std::string>());
      if (!action || !previous) return bad_row("unknown action or previous recommendation");
      s.action = *action;
      s.previous = *previous;
      s.price = model::Price::from_paise(row[5].as<int64_t>());
      s.confidence = std::strtod(row[6].c_str(), nullptr);
      s.reason = row[7].as<std::string>();
      auto provenance = model::decode_signal_provenance(row[8].c_str());
      if (!provenance.is_ok()) return bad_row(provenance.status().message());
      s.provenance = std::move(provenance).value();
      s.composite_score = s.provenance.composite_score;
      s.ai_prediction = s.provenance.ai_prediction;
      out.push_back(std::move(s));
    }
    return core::Status::ok();
  });
  if (!status.is_ok()) return status;
  return out;
}

}  // namespace nifty::store
