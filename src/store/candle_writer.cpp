#include "store/candle_writer.h"

#include <algorithm>
#include <string>

#include "core/log.h"

namespace nifty::store {

namespace {

core::Logger& logger() { return core::Logger::get("store"); }

core::MetricLabels backend_label(const CandleStore& store) { return {{"backend", std::string(store.backend())}}; }

const std::vector<double>& batch_buckets() {
  static const std::vector<double> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                               0.1,    0.25,  0.5,    1.0,   2.5,  5.0};
  return kBuckets;
}

}  // namespace

CandleWriter::CandleWriter(CandleStore& store, CandleWriterConfig config)
    : store_(store),
      config_([&] {
        config.batch_size = std::max<size_t>(config.batch_size, 1);
        config.max_attempts = std::max(config.max_attempts, 1);
        return config;
      }()),
      queue_(config_.queue_capacity),
      written_metric_(core::MetricsRegistry::global().counter(
          "store_candles_written_total", "Candles committed to the candle store", backend_label(store))),
      batches_metric_(core::MetricsRegistry::global().counter(
          "store_write_batches_total", "Candle store transactions committed", backend_label(store))),
      errors_metric_(core::MetricsRegistry::global().counter(
          "store_write_errors_total", "Candle store writes given up (after retries) or rejected",
          backend_label(store))),
      batch_seconds_(core::MetricsRegistry::global().histogram(
          "store_write_batch_seconds", "Time to upsert one batch of candles", batch_buckets(),
          backend_label(store))) {
  thread_ = std::thread([this] { run(); });
}

CandleWriter::~CandleWriter() {
  core::Status s = close();
  if (!s.is_ok()) logger().error("candle writer closed with an error", {{"error", s.to_string()}});
}

void CandleWriter::write(const model::Candle& candle) {
  {
    std::lock_guard lock(write_mu_);
    if (queue_.push(candle)) {
      ++submitted_;
      return;
    }
  }
  std::string msg = "candle " + candle.symbol.str() + " " + std::string(model::interval_name(candle.interval)) +
                    " at " + candle.start.to_iso_utc() + " written after the candle writer was closed";
  logger().error("candle dropped: writer closed", {{"symbol", candle.symbol.view()}});
  std::lock_guard lock(done_mu_);
  ++stats_.candles_failed;
  ++stats_.errors;
  errors_metric_.inc();
  if (first_error_.is_ok()) first_error_ = core::error(core::ErrorCode::kCancelled, std::move(msg));
}

core::Status CandleWriter::flush() {
  uint64_t target = 0;
  {
    std::lock_guard lock(write_mu_);
    target = submitted_;
  }
  std::unique_lock lock(done_mu_);
  done_cv_.wait(lock, [&] { return completed_ >= target; });
  core::Status s = std::move(first_error_);
  first_error_ = core::Status::ok();
  return s;
}

core::Status CandleWriter::close() {
  std::lock_guard lock(close_mu_);
  core::Status s = flush();
  if (!closed_) {
    queue_.close();
    if (thread_.joinable()) thread_.join();
    closed_ = true;
  }
  return s;
}

CandleWriterStats CandleWriter::stats() const {
  std::lock_guard lock(done_mu_);
  CandleWriterStats s = stats_;
  s.queue_full_waits = queue_.full_waits();
  return s;
}

void CandleWriter::run() {
  std::vector<model::Candle> batch;
  batch.reserve(std::min<size_t>(config_.batch_size, 65536));
  while (true) {
    batch.clear();
    size_t n = queue_.pop_some(batch, config_.batch_size, std::chrono::seconds(1));
    if (n == 0) {
      if (queue_.finished()) break;
      continue;
    }
    process(batch);
    {
      std::lock_guard lock(done_mu_);
      completed_ += n;
    }
    done_cv_.notify_all();
  }
}

void CandleWriter::process(std::vector<model::Candle>& batch) {
  // Invalid candles would fail the whole transaction every time; set them aside, keep the rest.
  size_t kept = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    core::Status valid = validate_candle(batch[i]);
    if (!valid.is_ok()) {
      logger().error("candle rejected", {{"error", valid.to_string()}});
      std::lock_guard lock(done_mu_);
      ++stats_.candles_failed;
      record_error(std::move(valid));
      continue;
    }
    if (kept != i) batch[kept] = batch[i];
    ++kept;
  }
  if (kept == 0) return;
  std::span<const model::Candle> good(batch.data(), kept);

  core::Status s = upsert_with_retries(good);
  std::lock_guard lock(done_mu_);
  if (s.is_ok()) {
    stats_.candles_written += kept;
    ++stats_.batches;
    written_metric_.inc(static_cast<double>(kept));
    batches_metric_.inc();
  } else {
    stats_.candles_failed += kept;
    record_error(std::move(s));
  }
}

core::Status CandleWriter::upsert_with_retries(std::span<const model::Candle> batch) {
  auto backoff = config_.retry_backoff;
  core::Status s;
  for (int attempt = 1;; ++attempt) {
    auto t0 = std::chrono::steady_clock::now();
    s = store_.upsert(batch);
    batch_seconds_.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (s.is_ok()) return s;
    if (attempt >= config_.max_attempts || s.code() == core::ErrorCode::kInvalidArgument) break;
    logger().warn("candle upsert failed; retrying",
                  {{"backend", store_.backend()}, {"candles", batch.size()}, {"attempt", attempt},
                   {"max_attempts", config_.max_attempts}, {"backoff_ms", backoff.count()},
                   {"error", s.to_string()}});
    {
      std::lock_guard lock(done_mu_);
      ++stats_.retries;
    }
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
  logger().error("candle upsert given up; candles not stored",
                 {{"backend", store_.backend()}, {"candles", batch.size()}, {"first", batch.front().symbol.view()},
                  {"error", s.to_string()}});
  return core::error(s.code(), "writing " + std::to_string(batch.size()) + " candles failed: " + s.message());
}

// Requires done_mu_.
void CandleWriter::record_error(core::Status status) {
  ++stats_.errors;
  errors_metric_.inc();
  if (first_error_.is_ok()) first_error_ = std::move(status);
}

}  // namespace nifty::store
