#include "store/spool/spooler.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/log.h"

namespace nifty::store {

namespace {

core::Logger& logger() { return core::Logger::get("store"); }

// Failures that no retry can mend: the record itself is bad.
bool is_malformed(const core::Status& s) {
  return s.code() == core::ErrorCode::kInvalidArgument || s.code() == core::ErrorCode::kParseError ||
         s.code() == core::ErrorCode::kOutOfRange;
}

}  // namespace

bool is_spoolable(const core::Status& status) {
  return status.is_retryable() || status.code() == core::ErrorCode::kIoError;
}

core::Result<std::unique_ptr<Spooler>> Spooler::open(const SpoolConfig& config, std::string_view backend,
                                                     std::string_view kind, Apply apply) {
  if (config.dir.empty()) return core::error(core::ErrorCode::kConfigError, "spool: no directory configured");
  if (config.backoff_initial.count() <= 0 || config.backoff_max < config.backoff_initial) {
    return core::error(core::ErrorCode::kConfigError,
                       "spool: backoff needs 0 < backoff_initial <= backoff_max (got " +
                           std::to_string(config.backoff_initial.count()) + " ms, " +
                           std::to_string(config.backoff_max.count()) + " ms)");
  }
  std::string dir = (std::filesystem::path(config.dir) / std::string(kind)).string();
  SpoolFileOptions options;
  options.max_bytes = config.max_bytes;
  options.segment_bytes = config.segment_bytes;
  options.fsync = config.fsync;
  NIFTY_ASSIGN_OR_RETURN(std::unique_ptr<SpoolFile> file, SpoolFile::open(dir, options));
  core::MetricsRegistry::global()
      .counter("store_spool_corrupt_total", "Torn or corrupt spool records cut off when a spool was opened",
               {{"spool", std::string(kind)}})
      .inc(static_cast<double>(file->corrupt_cut()));
  return std::unique_ptr<Spooler>(
      new Spooler(config, std::string(backend), std::string(kind), std::move(apply), std::move(file)));
}

Spooler::Spooler(const SpoolConfig& config, std::string backend, std::string kind, Apply apply,
                 std::unique_ptr<SpoolFile> file)
    : config_(config),
      backend_(std::move(backend)),
      kind_(std::move(kind)),
      dir_(file->dir()),
      apply_(std::move(apply)),
      up_metric_(core::MetricsRegistry::global().gauge(
          "store_backend_up", "1 when the last write to the store backend succeeded, else 0",
          {{"backend", backend_}, {"spool", kind_}})),
      bytes_metric_(core::MetricsRegistry::global().gauge(
          "store_spool_bytes", "Bytes waiting in the outage spool", {{"backend", backend_}, {"spool", kind_}})),
      records_metric_(core::MetricsRegistry::global().gauge(
          "store_spool_records", "Batches waiting in the outage spool", {{"backend", backend_}, {"spool", kind_}})),
      spooled_metric_(core::MetricsRegistry::global().counter(
          "store_spooled_total", "Batches written to the outage spool", {{"backend", backend_}, {"spool", kind_}})),
      drained_metric_(core::MetricsRegistry::global().counter(
          "store_drained_total", "Spooled batches written to the backend", {{"backend", backend_}, {"spool", kind_}})),
      rejected_metric_(core::MetricsRegistry::global().counter(
          "store_spool_rejected_total", "Spooled batches the backend rejected as malformed, set aside on disk",
          {{"backend", backend_}, {"spool", kind_}})),
      file_(std::move(file)),
      rng_(std::random_device{}()) {
  std::lock_guard lock(mu_);
  // What an earlier run left is drained at once; until that succeeds the backend is not known up.
  backend_up_ = file_->empty();
  update_gauges_locked();
  thread_ = std::thread([this] { run(); });
}

Spooler::~Spooler() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_cv_.notify_all();
  thread_.join();
}

bool Spooler::has_backlog() const {
  std::lock_guard lock(mu_);
  return !file_->empty();
}

core::Status Spooler::append(std::span<const uint8_t> record, bool after_failure) {
  std::lock_guard lock(mu_);
  core::Status s = file_->append(record, core::Timestamp::now());
  if (!s.is_ok()) {
    logger().error("store batch could not be spooled", {{"spool", dir_}, {"error", s.to_string()}});
    return s;
  }
  if (after_failure) next_attempt_ = std::chrono::steady_clock::now() + next_backoff_locked();
  ++spooled_total_;
  spooled_metric_.inc();
  update_gauges_locked();
  wake_cv_.notify_all();
  return core::Status::ok();
}

void Spooler::note_backend(bool up) {
  bool was = backend_up_.exchange(up);
  up_metric_.set(up ? 1.0 : 0.0);
  if (up && !was) logger().info("store backend is up again", {{"backend", backend_}, {"spool", kind_}});
}

void Spooler::note_failure(const core::Status& status) {
  if (backend_up_.load()) {
    logger().warn("store backend write failed; spooling to disk",
                  {{"backend", backend_}, {"spool", dir_}, {"error", status.to_string()}});
  }
  note_backend(false);
}

std::chrono::steady_clock::duration Spooler::next_backoff_locked() {
  using std::chrono::steady_clock;
  const steady_clock::duration initial = config_.backoff_initial;
  const steady_clock::duration max = config_.backoff_max;
  backoff_ = backoff_.count() == 0 ? initial : std::min(backoff_ * 2, max);
  std::uniform_int_distribution<int64_t> jitter(backoff_.count() / 2, backoff_.count());
  return steady_clock::duration(jitter(rng_));
}

void Spooler::update_gauges_locked() {
  bytes_metric_.set(static_cast<double>(file_->bytes()));
  records_metric_.set(static_cast<double>(file_->records()));
  up_metric_.set(backend_up_.load() ? 1.0 : 0.0);
}

void Spooler::quarantine(std::span<const uint8_t> record, const core::Status& why) {
  std::string path = (std::filesystem::path(dir_) / ("rejected-" + std::to_string(core::Timestamp::now().nanos()) +
                                                     ".rec")).string();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool saved = fd >= 0 && ::write(fd, record.data(), record.size()) == static_cast<ssize_t>(record.size()) &&
               (!config_.fsync || ::fsync(fd) == 0);
  if (fd >= 0) ::close(fd);
  rejected_metric_.inc();
  logger().error("store backend rejected a spooled batch as malformed; set aside",
                 {{"backend", backend_}, {"path", path}, {"saved", saved}, {"error", why.to_string()}});
}

void Spooler::run() {
  SpoolRecord record;
  std::unique_lock lock(mu_);
  while (true) {
    wake_cv_.wait(lock, [&] { return stop_ || !file_->empty(); });
    if (stop_) return;
    if (std::chrono::steady_clock::now() < next_attempt_) {
      wake_cv_.wait_until(lock, next_attempt_, [&] { return stop_; });
      continue;
    }
    core::Result<bool> peeked = file_->peek(record);
    if (!peeked.is_ok()) {
      logger().error("cannot read the spool", {{"spool", dir_}, {"error", peeked.status().to_string()}});
      next_attempt_ = std::chrono::steady_clock::now() + next_backoff_locked();
      continue;
    }
    lock.unlock();
    core::Status applied = apply_(record.payload);  // the backend call: no lock held
    lock.lock();
    if (applied.is_ok() || is_malformed(applied)) {
      if (applied.is_ok()) {
        backoff_ = {};
        note_backend(true);
      } else {
        quarantine(record.payload, applied);
      }
      core::Status popped = file_->pop();
      if (!popped.is_ok()) {
        // The record stays at the front and is applied again: harmless, writes are idempotent.
        logger().error("cannot pop a drained spool record", {{"spool", dir_}, {"error", popped.to_string()}});
        next_attempt_ = std::chrono::steady_clock::now() + next_backoff_locked();
        continue;
      }
      if (applied.is_ok()) {
        ++drained_total_;
        drained_metric_.inc();
      }
      update_gauges_locked();
      if (file_->empty()) {
        logger().info("spool drained", {{"backend", backend_}, {"spool", dir_}, {"drained_total", drained_total_}});
        drained_cv_.notify_all();
      }
    } else {
      if (backend_up_.load()) {
        logger().warn("store backend still failing; spool kept",
                      {{"backend", backend_}, {"spool", dir_}, {"error", applied.to_string()}});
      }
      note_backend(false);
      next_attempt_ = std::chrono::steady_clock::now() + next_backoff_locked();
    }
  }
}

core::Status Spooler::drain_wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (drained_cv_.wait_for(lock, timeout, [&] { return file_->empty(); })) return core::Status::ok();
  return core::error(core::ErrorCode::kTimeout, "spool " + dir_ + " still holds " +
                                                    std::to_string(file_->records()) + " batches after " +
                                                    std::to_string(timeout.count()) + " ms");
}

SpoolHealth Spooler::health() const {
  std::lock_guard lock(mu_);
  SpoolHealth h;
  h.backend_up = backend_up_.load();
  h.spooled_bytes = file_->bytes();
  h.spooled_records = file_->records();
  if (auto oldest = file_->oldest()) {
    h.oldest_age = std::chrono::nanoseconds(std::max<int64_t>(0, core::Timestamp::now().nanos() - oldest->nanos()));
  }
  h.spooled_total = spooled_total_;
  h.drained_total = drained_total_;
  return h;
}

}  // namespace nifty::store
