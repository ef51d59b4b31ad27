// Test helpers for the Redis adapter: the shared test server (NIFTY_TEST_REDIS_DIR, started by the
// ctest fixture), private server instances started with scripts/test-servers/redis, a raw hiredis
// client independent of the adapter, and deadline polling.
// Threading: use from one test thread.
#pragma once

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "store/redis/redis_config.h"

namespace nifty::store::testing {

inline std::string redis_script() {
  if (const char* s = std::getenv("NIFTY_REDIS_SCRIPT")) return s;
  return std::string(NIFTY_SOURCE_DIR) + "/scripts/test-servers/redis";
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

// Polls `pred` until it holds or `timeout` passes (yielding between tries, never sleeping for a
// fixed time to synchronise).
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll interval, not a synchronisation
  }
  return pred();
}

// A private server in its own temporary DIR (for tests that stop, kill or restart it).
class OwnRedis {
 public:
  explicit OwnRedis(std::string password = "") : password_(std::move(password)) {
    char tmpl[] = "/tmp/nifty-redis-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  ~OwnRedis() {
    (void)run("stop");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  bool start() { return run("start"); }
  bool kill() { return run("kill"); }
  bool stop() { return run("stop"); }
  RedisConfig config() const {
    auto c = RedisConfig::from_url(read_file(dir_ + "/url"));
    return c.is_ok() ? *c : RedisConfig{};
  }
  int port() const { return std::atoi(read_file(dir_ + "/port").c_str()); }

 private:
  bool run(const char* cmd) {
    std::string env = password_.empty() ? "" : "NIFTY_TEST_REDIS_PASSWORD='" + password_ + "' ";
    std::string line = env + "'" + redis_script() + "' " + cmd + " '" + dir_ + "' >/dev/null 2>>'" + dir_ + ".err'";
    return std::system(line.c_str()) == 0;
  }
  std::string dir_;
  std::string password_;
};

// A raw client for checking what the adapter wrote, independent of the adapter.
class RawRedis {
 public:
  RawRedis(const RedisConfig& c, const std::string& password = "") {
    timeval tv{2, 0};
    ctx_ = redisConnectWithTimeout(c.host.c_str(), c.port, tv);
    if (ctx_ != nullptr && ctx_->err == 0) {
      redisSetTimeout(ctx_, tv);
      if (!password.empty()) freeReplyObject(redisCommand(ctx_, "AUTH %s", password.c_str()));
      freeReplyObject(redisCommand(ctx_, "SELECT %d", c.db));
    }
  }
  ~RawRedis() {
    if (ctx_) redisFree(ctx_);
  }
  bool ok() const { return ctx_ != nullptr && ctx_->err == 0; }
  redisContext* ctx() { return ctx_; }
  // The reply of a command, as a string (status, string, or the integer printed); "(nil)" for nil,
  // "ERR:..." for errors.
  template <typename... A>
  std::string str(const char* fmt, A... args) {
    auto* r = static_cast<redisReply*>(redisCommand(ctx_, fmt, args...));
    if (r == nullptr) return "(io-error)";
    std::string out;
    switch (r->type) {
      case REDIS_REPLY_NIL: out = "(nil)"; break;
      case REDIS_REPLY_INTEGER: out = std::to_string(r->integer); break;
      case REDIS_REPLY_ERROR: out = "ERR:" + std::string(r->str, r->len); break;
      case REDIS_REPLY_ARRAY: out = "(array " + std::to_string(r->elements) + ")"; break;
      default: out = std::string(r->str, r->len);
    }
    freeReplyObject(r);
    return out;
  }
  template <typename... A>
  redisReply* reply(const char* fmt, A... args) {
    return static_cast<redisReply*>(redisCommand(ctx_, fmt, args...));
  }
  long long integer(const char* fmt, const char* arg) { return std::atoll(str(fmt, arg).c_str()); }

 private:
  redisContext* ctx_ = nullptr;
};

// A loopback port nothing listens on (bound then released).
inline int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

}  // namespace nifty::store::testing

// Sets `cfg` to the shared test server (database `db_index`, flushed), or skips the test when
// NIFTY_TEST_REDIS_DIR is unset. Fails (does not skip) when it is set but the server is not there.
#define NIFTY_SHARED_REDIS(cfg, db_index)                                                                 \
  ::nifty::store::RedisConfig cfg;                                                                      \
  do {                                                                                                  \
    const char* dir_ = std::getenv("NIFTY_TEST_REDIS_DIR");                                             \
    if (dir_ == nullptr) GTEST_SKIP() << "NIFTY_TEST_REDIS_DIR is unset (run through ctest)";           \
    auto parsed_ = ::nifty::store::RedisConfig::from_url(::nifty::store::testing::read_file(std::string(dir_) + "/url")); \
    ASSERT_TRUE(parsed_.is_ok()) << parsed_.status().to_string() << " (no url in " << dir_ << ")";     \
    cfg = *parsed_;                                                                                     \
    cfg.db = (db_index);                                                                                \
    ::nifty::store::testing::RawRedis raw_(cfg);                                                        \
    ASSERT_TRUE(raw_.ok()) << "redis test server in " << dir_ << " unreachable";                        \
    ASSERT_EQ(raw_.str("FLUSHDB"), "OK");                                                               \
  } while (false)
