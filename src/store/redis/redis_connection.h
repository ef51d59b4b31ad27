// RedisConnection: one blocking hiredis connection with bounded connect and command times, AUTH
// and SELECT done, and the failure causes turned into Status (kUnavailable, kTimeout,
// kUnauthenticated). Internal to store/redis.
//
// Threading: not thread-safe; one owner at a time.
#pragma once

#include <hiredis/hiredis.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/redis/redis_config.h"

namespace nifty::store {

struct RedisReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

class RedisConnection {
 public:
  static core::Result<std::unique_ptr<RedisConnection>> connect(const RedisConfig& config);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Queues one command for the next round trip (no I/O).
  void append(std::initializer_list<std::string_view> args);
  void append_argv(const std::vector<const char*>& argv, const std::vector<size_t>& lens);
  // Sends what is queued (first call) and reads the next reply; an error Status when the
  // connection failed (lost, timed out): the connection is then unusable.
  core::Result<RedisReplyPtr> next_reply();
  // One command, one round trip.
  core::Result<RedisReplyPtr> command(std::initializer_list<std::string_view> args);

  std::string endpoint() const { return endpoint_; }

 private:
  RedisConnection(redisContext* ctx, std::string endpoint) : ctx_(ctx), endpoint_(std::move(endpoint)) {}
  core::Status io_error(std::string_view during) const;
  redisContext* ctx_;
  std::string endpoint_;
};

}  // namespace nifty::store
