#include "store/redis/redis_connection.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace nifty::store {

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

bool starts_with(const redisReply* r, std::string_view prefix) {
  return r->str != nullptr && std::string_view(r->str, r->len).substr(0, prefix.size()) == prefix;
}

}  // namespace

core::Result<std::unique_ptr<RedisConnection>> RedisConnection::connect(const RedisConfig& config) {
  std::string endpoint = config.host + ":" + std::to_string(config.port);
  if (config.port <= 0 || config.port > 65535) {
    return core::error(core::ErrorCode::kConfigError, "redis: port " + std::to_string(config.port) + " out of range");
  }
  redisContext* ctx = redisConnectWithTimeout(config.host.c_str(), config.port, to_timeval(config.connect_timeout));
  if (ctx == nullptr) return core::error(core::ErrorCode::kResourceExhausted, "redis " + endpoint + ": out of memory");
  std::unique_ptr<RedisConnection> conn(new RedisConnection(ctx, endpoint));
  if (ctx->err != 0) {
    bool timed_out = ctx->err == REDIS_ERR_IO && (errno == ETIMEDOUT || errno == EINPROGRESS);
    std::string why = ctx->errstr[0] != '\0' ? ctx->errstr : "connection failed";
    return core::error(core::ErrorCode::kUnavailable,
                       "redis " + endpoint + ": cannot connect: " + why + (timed_out ? " (connect timeout)" : ""));
  }
  if (redisSetTimeout(ctx, to_timeval(config.command_timeout)) != REDIS_OK) {
    return conn->io_error("setting the command timeout");
  }
  const char* password = config.password_env.empty() ? nullptr : std::getenv(config.password_env.c_str());
  if (password != nullptr && password[0] != '\0') {
    auto r = conn->command({"AUTH", password});
    if (!r.is_ok()) return r.status();
    if ((*r)->type == REDIS_REPLY_ERROR) {
      return core::error(core::ErrorCode::kUnauthenticated,
                         "redis " + endpoint + ": password from $" + config.password_env + " rejected: " +
                             std::string((*r)->str, (*r)->len));
    }
  }
  auto ping = conn->command({"PING"});
  if (!ping.is_ok()) return ping.status();
  if ((*ping)->type == REDIS_REPLY_ERROR) {
    if (starts_with(ping->get(), "NOAUTH")) {
      return core::error(core::ErrorCode::kUnauthenticated, "redis " + endpoint +
                                                                ": the server requires a password (NOAUTH); set $" +
                                                                config.password_env);
    }
    return core::error(core::ErrorCode::kUnavailable,
                       "redis " + endpoint + ": PING failed: " + std::string((*ping)->str, (*ping)->len));
  }
  if (config.db != 0) {
    std::string db = std::to_string(config.db);
    auto r = conn->command({"SELECT", db});
    if (!r.is_ok()) return r.status();
    if ((*r)->type == REDIS_REPLY_ERROR) {
      return core::error(core::ErrorCode::kConfigError,
                         "redis " + endpoint + ": SELECT " + db + " failed: " + std::string((*r)->str, (*r)->len));
    }
  }
  return conn;
}

RedisConnection::~RedisConnection() { redisFree(ctx_); }

void RedisConnection::append(std::initializer_list<std::string_view> args) {
  constexpr size_t kMaxArgs = 32;
  const char* argv[kMaxArgs];
  size_t lens[kMaxArgs];
  size_t n = 0;
  for (std::string_view a : args) {
    if (n == kMaxArgs) break;
    argv[n] = a.data();
    lens[n] = a.size();
    ++n;
  }
  redisAppendCommandArgv(ctx_, static_cast<int>(n), argv, lens);
}

void RedisConnection::append_argv(const std::vector<const char*>& argv, const std::vector<size_t>& lens) {
  redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), const_cast<const char**>(argv.data()), lens.data());
}

core::Result<RedisReplyPtr> RedisConnection::next_reply() {
  void* reply = nullptr;
  if (redisGetReply(ctx_, &reply) != REDIS_OK || reply == nullptr) return io_error("waiting for a reply");
  return RedisReplyPtr(static_cast<redisReply*>(reply));
}

core::Result<RedisReplyPtr> RedisConnection::command(std::initializer_list<std::string_view> args) {
  append(args);
  return next_reply();
}

core::Status RedisConnection::io_error(std::string_view during) const {
  std::string why = ctx_->errstr[0] != '\0' ? ctx_->errstr : "connection failed";
  bool timeout = ctx_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == ETIMEDOUT);
  return core::error(timeout ? core::ErrorCode::kTimeout : core::ErrorCode::kUnavailable,
                     "redis " + endpoint_ + ": " + std::string(during) + ": " + why);
}

}  // namespace nifty::store
