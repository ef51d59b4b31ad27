// PostgresConfig: URL parsing and the libpq connection string (no server needed).
#include <gtest/gtest.h>

#include "store/postgres/postgres_config.h"

namespace nifty::store {
namespace {

TEST(PostgresConfig, ReadsEveryPartOfAUrl) {
  auto r = PostgresConfig::from_url("postgresql://nifty:nifty-test@127.0.0.1:42997/nifty?sslmode=disable");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->user, "nifty");
  EXPECT_EQ(r->password, "nifty-test");
  EXPECT_EQ(r->host, "127.0.0.1");
  EXPECT_EQ(r->port, 42997);
  EXPECT_EQ(r->dbname, "nifty");
  EXPECT_EQ(r->sslmode, "disable");
}

TEST(PostgresConfig, DecodesPercentEscapesAndKeepsDefaults) {
  // "p@ss:w/rd" escaped: @ = %40, : = %3A, / = %2F.
  auto r = PostgresConfig::from_url("postgres://u%20x:p%40ss%3Aw%2Frd@db.example.com");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->user, "u x");
  EXPECT_EQ(r->password, "p@ss:w/rd");
  EXPECT_EQ(r->host, "db.example.com");
  EXPECT_EQ(r->port, 5432);
  EXPECT_EQ(r->dbname, "nifty");
}

TEST(PostgresConfig, RejectsMalformedUrlsWithConfigError) {
  for (const char* bad : {"mysql://x@y/z", "postgresql://h:notaport/db", "postgresql://h:70000/db",
                          "postgresql://h/db?bogus=1", "postgresql://u:%zz@h/db"}) {
    auto r = PostgresConfig::from_url(bad);
    EXPECT_FALSE(r.is_ok()) << bad;
    EXPECT_EQ(r.status().code(), core::ErrorCode::kConfigError) << bad;
  }
}

TEST(PostgresConfig, ConninfoQuotesEveryValue) {
  PostgresConfig c;
  c.password = "it's a \\secret";
  c.dbname = "my db";
  c.connect_timeout = std::chrono::seconds(0);  // would mean "forever" to libpq
  std::string s = postgres_conninfo(c);
  EXPECT_NE(s.find("password='it\\'s a \\\\secret'"), std::string::npos) << s;
  EXPECT_NE(s.find("dbname='my db'"), std::string::npos) << s;
  EXPECT_NE(s.find("connect_timeout='1'"), std::string::npos) << s;
  EXPECT_EQ(postgres_target(c).find("secret"), std::string::npos);
}

}  // namespace
}  // namespace nifty::store
