// Helpers for the PostgreSQL integration tests: the shared test server (NIFTY_TEST_POSTGRES_DIR, see
// scripts/test-servers/postgres), a private database per test, and private server instances for
// tests that stop or restart the server.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <pqxx/pqxx>
#include <random>
#include <string>

#include "store/postgres/postgres_config.h"

namespace nifty::store::pgtest {

// The shared server's URL; nullopt when NIFTY_TEST_POSTGRES_DIR is unset (the caller skips). When
// it is set but unusable, the test fails.
inline std::optional<std::string> server_url() {
  const char* dir = std::getenv("NIFTY_TEST_POSTGRES_DIR");
  if (dir == nullptr || *dir == '\0') return std::nullopt;
  std::ifstream in(std::filesystem::path(dir) / "url");
  std::string url;
  std::getline(in, url);
  EXPECT_FALSE(url.empty()) << "NIFTY_TEST_POSTGRES_DIR=" << dir << " has no url file: is the server started?";
  return url;
}

inline PostgresConfig config_of(const std::string& url) {
  auto r = PostgresConfig::from_url(url);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  PostgresConfig c = r.is_ok() ? r.value() : PostgresConfig{};
  c.sslmode = "disable";
  c.connect_timeout = std::chrono::seconds(5);
  return c;
}

// A database of its own for one test, created on the shared server and dropped at scope end.
class TestDatabase {
 public:
  explicit TestDatabase(const std::string& server_url) : admin_(config_of(server_url)) {
    static std::atomic<int> counter{0};
    std::random_device rd;
    name_ = "nifty_t" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(rd() % 100000);
    config_ = admin_;
    config_.dbname = name_;
    try {
      pqxx::connection c(postgres_conninfo(admin_));
      pqxx::nontransaction tx(c);
      tx.exec("CREATE DATABASE " + tx.quote_name(name_));
      created_ = true;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cannot create test database " << name_ << ": " << e.what();
    }
  }
  ~TestDatabase() {
    if (!created_) return;
    try {
      pqxx::connection c(postgres_conninfo(admin_));
      pqxx::nontransaction tx(c);
      tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cannot drop test database " << name_ << ": " << e.what();
    }
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  bool ok() const { return created_; }
  const PostgresConfig& config() const { return config_; }
  const std::string& name() const { return name_; }
  // A URL for command-line tools (pg_dump, psql).
  std::string url() const {
    return "postgresql://" + config_.user + ":" + config_.password + "@" + config_.host + ":" +
           std::to_string(config_.port) + "/" + name_;
  }

 private:
  PostgresConfig admin_;
  PostgresConfig config_;
  std::string name_;
  bool created_ = false;
};

// A private server (scripts/test-servers/postgres in its own temp DIR), for tests that stop,
// kill or restart it. Stopped and removed at scope end.
class PrivateServer {
 public:
  PrivateServer() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nifty-pg-XXXXXX").string();
    char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    dir_ = pattern;
  }
  ~PrivateServer() {
    run("stop");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PrivateServer(const PrivateServer&) = delete;
  PrivateServer& operator=(const PrivateServer&) = delete;

  bool run(const std::string& command) {
    std::string cmd = std::string(NIFTY_PG_TEST_SERVER) + " " + command + " '" + dir_.string() + "' >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }
  std::string url() const {
    std::ifstream in(dir_ / "url");
    std::string url;
    std::getline(in, url);
    return url;
  }

 private:
  std::filesystem::path dir_;
};

// Runs one SQL statement and returns the first column of the first row as text ("" when none).
inline std::string query_one(const PostgresConfig& config, const std::string& sql) {
  pqxx::connection c(postgres_conninfo(config));
  pqxx::nontransaction tx(c);
  pqxx::result r = tx.exec(sql);
  if (r.empty() || r[0][0].is_null()) return "";
  return r[0][0].as<std::string>();
}

}  // namespace nifty::store::pgtest

