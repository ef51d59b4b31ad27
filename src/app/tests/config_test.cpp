#include "app/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace nifty::app {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("nifty_config_test_" + name + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

TEST(Config, DefaultsWithoutAFile) {
  auto c = load_config("");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->feed_kind, "replay");
  EXPECT_EQ(c->replay.speed, 60.0);
  EXPECT_EQ(c->pipeline.candles.grace_nanos, 2 * core::kNanosPerSecond);
  EXPECT_EQ(c->store_backend, "sqlite");
}

TEST(Config, TheExampleFileIsValidAndMatchesTheDefaults) {
  auto from_file = load_config(std::string(NIFTY_SOURCE_DIR) + "/config/nifty.example.toml");
  ASSERT_TRUE(from_file.is_ok()) << from_file.status().to_string();
  auto defaults = load_config("");
  ASSERT_TRUE(defaults.is_ok());
  // The example documents the defaults: showing both gives the same text.
  EXPECT_EQ(show_config(*from_file), show_config(*defaults));
}

TEST(Config, ValuesAreReadIntoTheModulesStructs) {
  auto path = write_temp("values", R"(
[feed]
kind = "sim"
[feed.sim]
seed = 7
speed = "max"
[candles]
grace_ms = 500
rollups = ["5m", "1d"]
[store.sqlite]
path = "/tmp/x.db"
)");
  auto c = load_config(path);
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->feed_kind, "sim");
  EXPECT_EQ(c->sim.seed, 7u);
  EXPECT_EQ(c->sim.speed, 0.0);
  EXPECT_EQ(c->pipeline.candles.grace_nanos, 500 * core::kNanosPerMilli);
  EXPECT_EQ(c->pipeline.rollups, (std::vector<model::Interval>{model::Interval::k5m, model::Interval::k1d}));
  EXPECT_EQ(c->sqlite.path, "/tmp/x.db");
}

TEST(Config, ErrorsNameTheKey) {
  struct Case {
    const char* text;
    const char* key;
  } cases[] = {
      {"[store]\nbakend = \"sqlite\"\n", "store.bakend"},
      {"[store]\nbackend = \"oracle\"\n", "store.backend"},
      {"[feed.replay]\nspeed = 5\n", "feed.replay.speed"},
      {"[feed.replay]\nspeed = \"fast\"\n", "feed.replay.speed"},
      {"[candles]\ngrace_ms = -1\n", "candles.grace_ms"},
      {"[candles]\nrollups = [\"1m\"]\n", "candles.rollups"},
      {"[candles]\nrollups = [\"5m\", \"5m\"]\n", "candles.rollups"},
      {"[analysis]\nenabled = \"yes\"\n", "analysis.enabled"},
      {"[kafka]\nproperties = \"linger.ms=1\"\n", "kafka.properties"},
      {"[kafka.consumer_properties]\n\"fetch.wait.max.ms\" = 1.5\n", "kafka.consumer_properties"},
      {"[kafka]\nlag_interval_ms = -1\n", "kafka.lag_interval_ms"},
      {"[kafka.consumer_properties]\nfetch.wait.max.ms = \"5\"\n", "quote property names"},
  };
  int i = 0;
  for (const auto& c : cases) {
    auto result = load_config(write_temp("bad" + std::to_string(i++), c.text));
    ASSERT_FALSE(result.is_ok()) << c.text;
    EXPECT_EQ(result.status().code(), core::ErrorCode::kConfigError);
    EXPECT_NE(result.status().message().find(c.key), std::string::npos) << result.status().message();
  }
}

TEST(Config, SyntaxErrorsNameTheLine) {
  auto result = load_config(write_temp("syntax", "[store]\nbackend = \n"));
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find(":2:"), std::string::npos) << result.status().message();
}

TEST(Config, EnvironmentOverridesTheFile) {
  auto path = write_temp("env", "[store.sqlite]\npath = \"/from/file.db\"\n");
  setenv("NIFTY_STORE_SQLITE_PATH", "/from/env.db", 1);
  setenv("NIFTY_FEED_REPLAY_INPUTS", "a.csv,b.csv", 1);
  auto c = load_config(path);
  unsetenv("NIFTY_STORE_SQLITE_PATH");
  unsetenv("NIFTY_FEED_REPLAY_INPUTS");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->sqlite.path, "/from/env.db");
  EXPECT_EQ(c->replay.inputs, (std::vector<std::string>{"a.csv", "b.csv"}));
}

TEST(Config, SecretsComeOnlyFromTheEnvironmentAndAreNeverShown) {
  // In a file: refused, naming the variable to use instead.
  auto in_file = load_config(write_temp("secret", "[store.postgres]\npassword = \"hunter2\"\n"));
  ASSERT_FALSE(in_file.is_ok());
  EXPECT_NE(in_file.status().message().find("NIFTY_STORE_POSTGRES_PASSWORD"), std::string::npos)
      << in_file.status().message();
  EXPECT_EQ(in_file.status().message().find("hunter2"), std::string::npos);
  // From the environment: used, and `config show` says only that it is set.
  setenv("NIFTY_STORE_POSTGRES_PASSWORD", "hunter2", 1);
  setenv("NIFTY_FEED_KITE_API_SECRET", "kite-secret", 1);
  auto c = load_config("");
  unsetenv("NIFTY_STORE_POSTGRES_PASSWORD");
  unsetenv("NIFTY_FEED_KITE_API_SECRET");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->postgres.password, "hunter2");
  EXPECT_EQ(c->kite_api_secret, "kite-secret");
  std::string shown = show_config(*c);
  EXPECT_EQ(shown.find("hunter2"), std::string::npos);
  EXPECT_EQ(shown.find("kite-secret"), std::string::npos);
  EXPECT_NE(shown.find("# password: from NIFTY_STORE_POSTGRES_PASSWORD (set)"), std::string::npos);
  // What `config show` prints is itself a valid config file.
  auto again = load_config(write_temp("shown", shown));
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
}

TEST(Config, LiveFeedAndServerBackendKeys) {
  auto c = load_config(write_temp("live",
                                  "[feed]\nkind = \"live\"\n[feed.live]\nbrokers = [\"kite\", \"flattrade\"]\n"
                                  "stale_after_ms = 7000\nfailover_after_ms = 250\n[store]\nbackend = \"postgres\"\n"
                                  "[store.postgres]\nport = 55432\n[cache]\nbackend = \"redis\"\n"
                                  "[cache.redis]\nport = 56379\n"));
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->live_brokers, (std::vector<std::string>{"kite", "flattrade"}));
  EXPECT_EQ(c->live.link.stale_after, std::chrono::milliseconds(7000));
  EXPECT_EQ(c->live.failover_after, std::chrono::milliseconds(250));
  EXPECT_EQ(c->postgres.port, 55432);
  EXPECT_EQ(c->redis.port, 56379);
  EXPECT_EQ(c->redis.password_env, "NIFTY_CACHE_REDIS_PASSWORD");
  auto bad = load_config(write_temp("badform", "[feed.flattrade]\nconnect_form = \"v3\"\n"));
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("feed.flattrade.connect_form"), std::string::npos);
}

TEST(Config, KafkaPropertyTablesAreReadShownAndReadBack) {
  auto path = write_temp("kafka_props", R"(
[kafka]
brokers = "10.0.0.1:9092"
[kafka.properties]
"socket.nagle.disable" = true
"topic.metadata.refresh.interval.ms" = 1000
[kafka.producer_properties]
"linger.ms" = "1"
[kafka.consumer_properties]
"fetch.wait.max.ms" = "5"
"fetch.min.bytes" = "1"
)");
  auto c = load_config(path);
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  using Props = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(c->kafka.brokers, "10.0.0.1:9092");
  EXPECT_EQ(c->kafka.properties,
            (Props{{"socket.nagle.disable", "true"}, {"topic.metadata.refresh.interval.ms", "1000"}}));
  EXPECT_EQ(c->kafka.producer_properties, (Props{{"linger.ms", "1"}}));
  // A TOML table has no order: the properties come in name order.
  EXPECT_EQ(c->kafka.consumer_properties, (Props{{"fetch.min.bytes", "1"}, {"fetch.wait.max.ms", "5"}}));
  std::string shown = show_config(*c);
  EXPECT_NE(shown.find("consumer_properties = { \"fetch.min.bytes\" = \"1\", \"fetch.wait.max.ms\" = \"5\" }"),
            std::string::npos)
      << shown;
  auto again = load_config(write_temp("kafka_props_shown", shown));
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(again->kafka.properties, c->kafka.properties);
  EXPECT_EQ(again->kafka.producer_properties, c->kafka.producer_properties);
  EXPECT_EQ(again->kafka.consumer_properties, c->kafka.consumer_properties);
  // Defaults: no extra properties, shown as empty tables.
  auto defaults = load_config("");
  ASSERT_TRUE(defaults.is_ok());
  EXPECT_TRUE(defaults->kafka.properties.empty());
  EXPECT_NE(show_config(*defaults).find("\nproperties = {}\n"), std::string::npos);
}

TEST(Config, KafkaPropertiesLibrdkafkaRefusesStopTheStartNamingTheProperty) {
  struct Case {
    const char* text;
    const char* property;
  } cases[] = {
      {"[kafka.properties]\n\"no.such.property\" = \"1\"\n", "no.such.property"},
      // librdkafka's CONFIGURATION.md: fetch.wait.max.ms is an integer 0 .. 300000.
      {"[kafka.consumer_properties]\n\"fetch.wait.max.ms\" = \"soon\"\n", "fetch.wait.max.ms"},
      {"[kafka.producer_properties]\n\"linger.ms\" = -1\n", "linger.ms"},
      {"[kafka.consumer_properties]\n\"enable.auto.commit\" = true\n", "enable.auto.commit"},
  };
  int i = 0;
  for (const auto& c : cases) {
    auto result = load_config(write_temp("bad_kafka" + std::to_string(i++), c.text));
    ASSERT_FALSE(result.is_ok()) << c.text;
    EXPECT_EQ(result.status().code(), core::ErrorCode::kConfigError);
    EXPECT_NE(result.status().message().find(c.property), std::string::npos) << result.status().message();
  }
}

TEST(Config, KafkaPropertiesFromTheEnvironment) {
  // debug takes a comma-separated list: a piece without '=' continues the previous value.
  setenv("NIFTY_KAFKA_CONSUMER_PROPERTIES", "fetch.wait.max.ms=5,debug=cgrp,topic", 1);
  auto c = load_config("");
  unsetenv("NIFTY_KAFKA_CONSUMER_PROPERTIES");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->kafka.consumer_properties,
            (std::vector<std::pair<std::string, std::string>>{{"fetch.wait.max.ms", "5"}, {"debug", "cgrp,topic"}}));
  setenv("NIFTY_KAFKA_PROPERTIES", "no.such.property=1", 1);
  auto bad = load_config("");
  unsetenv("NIFTY_KAFKA_PROPERTIES");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("no.such.property"), std::string::npos) << bad.status().message();
}

TEST(Config, BadEnvironmentValueNamesTheVariable) {
  setenv("NIFTY_CANDLES_GRACE_MS", "soon", 1);
  auto c = load_config("");
  unsetenv("NIFTY_CANDLES_GRACE_MS");
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.status().message().find("NIFTY_CANDLES_GRACE_MS"), std::string::npos);
}

TEST(Config, ParseSpeed) {
  EXPECT_EQ(*parse_speed("max"), 0.0);
  EXPECT_EQ(*parse_speed("1x"), 1.0);
  EXPECT_EQ(*parse_speed("60x"), 60.0);
  EXPECT_EQ(*parse_speed("2.5"), 2.5);
  EXPECT_FALSE(parse_speed("0x").is_ok());
  EXPECT_FALSE(parse_speed("-3x").is_ok());
  EXPECT_FALSE(parse_speed("fast").is_ok());
  EXPECT_FALSE(parse_speed("").is_ok());
}

}  // namespace
}  // namespace nifty::app
