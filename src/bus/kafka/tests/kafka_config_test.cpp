// KafkaConfig: the spec's defaults, the 0.9 profile's degradations, validation; and a broker that
// is down at start-up.
#include "bus/kafka/kafka_config.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include <librdkafka/rdkafkacpp.h>

#include "bus/kafka/kafka_bus.h"
#include "bus/kafka/kafka_client.h"
#include "bus/kafka/kafka_consumer.h"
#include "bus/kafka/tests/kafka_test_support.h"

namespace nifty::bus {
namespace {

TEST(KafkaConfig, DefaultsAreTheSpecsProducerAndConsumerSettings) {
  // system-architecture.md, "Kafka Producer Configuration" / "Consumer Configuration" /
  // "Kafka Partitioning": retries 8 from 100 ms, 5 in flight, snappy, idempotent (with acks=all,
  // ARCHITECTURE.md section 4), session 30000, heartbeat 3000, 50 partitions, RoundRobin.
  KafkaConfig c;
  EXPECT_EQ(c.batch_num_messages, 100);
  EXPECT_EQ(c.linger_ms, 10);
  EXPECT_EQ(c.compression, "snappy");
  EXPECT_TRUE(c.idempotence);
  EXPECT_EQ(c.acks, "all");
  EXPECT_EQ(c.retries, 8);
  EXPECT_EQ(c.retry_backoff_ms, 100);
  EXPECT_EQ(c.max_in_flight, 5);
  EXPECT_EQ(c.session_timeout_ms, 30000);
  EXPECT_EQ(c.heartbeat_interval_ms, 3000);
  EXPECT_EQ(c.partitions, 50);
  EXPECT_EQ(c.assignment_strategy, "roundrobin");
  EXPECT_EQ(c.message_version, "1.0");
  EXPECT_TRUE(c.validate().is_ok()) << c.validate().to_string();
  // A current Kafka: everything available, versions negotiated.
  KafkaFeatures f = c.features();
  EXPECT_TRUE(f.headers);
  EXPECT_TRUE(f.idempotence);
  EXPECT_TRUE(f.create_topics);
  EXPECT_EQ(f.broker_version, "");
  EXPECT_TRUE(c.effective_properties().empty());
}

TEST(KafkaConfig, Kafka09ProfileHasNoHeadersIdempotenceOrCreateTopics) {
  KafkaConfig c = KafkaConfig::kafka09_profile("127.0.0.1:1");
  EXPECT_EQ(c.brokers, "127.0.0.1:1");
  KafkaFeatures f = c.features();
  EXPECT_FALSE(f.headers);
  EXPECT_FALSE(f.idempotence);
  EXPECT_FALSE(f.create_topics);
  EXPECT_EQ(f.broker_version, "0.9.0.1");
  auto props = c.effective_properties();
  ASSERT_EQ(props.size(), 2u);
  EXPECT_EQ(props[0], std::make_pair(std::string("api.version.request"), std::string("false")));
  EXPECT_EQ(props[1], std::make_pair(std::string("broker.version.fallback"), std::string("0.9.0.1")));
}

TEST(KafkaConfig, ExtraPropertiesDecideTheBrokerVersion) {
  // 0.10.2 has CreateTopics (0.10.1+) but neither headers nor idempotence (0.11+).
  KafkaConfig c;
  c.properties = {{"api.version.request", "false"}, {"broker.version.fallback", "0.10.2.1"}};
  KafkaFeatures f = c.features();
  EXPECT_TRUE(f.create_topics);
  EXPECT_FALSE(f.headers);
  EXPECT_FALSE(f.idempotence);
  c.properties = {{"api.version.request", "false"}, {"broker.version.fallback", "2.8.0"}};
  f = c.features();
  EXPECT_TRUE(f.create_topics);
  EXPECT_TRUE(f.headers);
  EXPECT_TRUE(f.idempotence);
}

TEST(KafkaConfig, RejectsInconsistentSettingsNamingTheField) {
  KafkaConfig c;
  c.acks = "1";  // the spec's acks=1 with idempotence
  core::Status s = c.validate();
  EXPECT_EQ(s.code(), core::ErrorCode::kConfigError);
  EXPECT_NE(s.message().find("acks"), std::string::npos) << s.message();
  c.idempotence = false;
  EXPECT_TRUE(c.validate().is_ok());

  KafkaConfig p;
  p.partitions = 0;
  EXPECT_NE(p.validate().message().find("partitions"), std::string::npos);
  KafkaConfig z;
  z.compression = "brotli";
  EXPECT_NE(z.validate().message().find("compression"), std::string::npos);
  KafkaConfig old = KafkaConfig::kafka09_profile("127.0.0.1:1");
  old.session_timeout_ms = 45000;  // a 0.9 broker's group.max.session.timeout.ms is 30000
  EXPECT_NE(old.validate().message().find("session_timeout_ms"), std::string::npos);
}

TEST(KafkaConfig, RejectsAPropertyLibrdkafkaDoesNotKnow) {
  KafkaConfig c = KafkaConfig::kafka09_profile("127.0.0.1:1");
  c.properties.emplace_back("no.such.property", "1");
  auto bus = KafkaBus::create(c);
  ASSERT_FALSE(bus.is_ok());
  EXPECT_EQ(bus.status().code(), core::ErrorCode::kConfigError);
  EXPECT_NE(bus.status().message().find("no.such.property"), std::string::npos) << bus.status().message();
}

TEST(KafkaConfig, PropertyTablesAreCheckedByLibrdkafkaNamingTheTableAndTheProperty) {
  KafkaConfig ok;
  ok.properties = {{"socket.nagle.disable", "true"}};
  ok.producer_properties = {{"linger.ms", "1"}};
  ok.consumer_properties = {{"fetch.wait.max.ms", "5"}, {"fetch.min.bytes", "1"}};
  EXPECT_TRUE(ok.validate().is_ok()) << ok.validate().to_string();

  struct Case {
    const char* table;
    std::pair<std::string, std::string> property;
    const char* named;  // what the message must contain besides the table and the key
  } cases[] = {
      {"properties", {"no.such.property", "1"}, "No such configuration property"},
      // CONFIGURATION.md: fetch.wait.max.ms is an integer 0 .. 300000.
      {"consumer_properties", {"fetch.wait.max.ms", "soon"}, "soon"},
      {"consumer_properties", {"fetch.wait.max.ms", "300001"}, "300001"},
      // CONFIGURATION.md: compression.codec is one of none, gzip, snappy, lz4, zstd.
      {"producer_properties", {"compression.codec", "brotli"}, "brotli"},
      {"consumer_properties", {"enable.auto.commit", "true"}, "cannot be overridden"},
      {"properties", {"group.id", "someone-else"}, "cannot be overridden"},
  };
  for (const auto& c : cases) {
    KafkaConfig k;
    std::string table = c.table;
    auto& target = table == "properties" ? k.properties
                   : table == "producer_properties" ? k.producer_properties
                                                    : k.consumer_properties;
    target.push_back(c.property);
    core::Status s = k.check_properties();
    ASSERT_FALSE(s.is_ok()) << c.property.first;
    EXPECT_EQ(s.code(), core::ErrorCode::kConfigError);
    EXPECT_NE(s.message().find("[kafka." + table + "]"), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(c.property.first), std::string::npos) << s.message();
    EXPECT_NE(s.message().find(c.named), std::string::npos) << s.message();
    // validate() (called by every producer and consumer) refuses it too.
    EXPECT_FALSE(k.validate().is_ok());
  }
}

std::string conf_value(RdKafka::Conf& conf, const std::string& key) {
  std::string value;
  EXPECT_EQ(conf.get(key, value), RdKafka::Conf::CONF_OK) << key;
  return value;
}

TEST(KafkaConfig, PropertyTablesWinOverOurSettingsAndGoOnlyToTheirRole) {
  KafkaConfig c;
  c.session_timeout_ms = 30000;  // ours; consumer_properties overrides it
  c.batch_num_messages = 100;    // ours; properties, then producer_properties override it
  c.properties = {{"batch.num.messages", "200"}, {"fetch.wait.max.ms", "50"}};
  c.producer_properties = {{"batch.num.messages", "300"}};
  c.consumer_properties = {{"fetch.wait.max.ms", "7"}, {"session.timeout.ms", "12000"}};
  KafkaFeatures f = c.features();
  auto producer = kafka_detail::make_conf(c, f, kafka_detail::Role::kProducer, "");
  ASSERT_TRUE(producer.is_ok()) << producer.status().to_string();
  EXPECT_EQ(conf_value(**producer, "batch.num.messages"), "300");
  EXPECT_EQ(conf_value(**producer, "fetch.wait.max.ms"), "50");  // the shared table only
  EXPECT_EQ(conf_value(**producer, "session.timeout.ms"), "45000");  // librdkafka's default, untouched
  auto consumer = kafka_detail::make_conf(c, f, kafka_detail::Role::kConsumer, "g");
  ASSERT_TRUE(consumer.is_ok()) << consumer.status().to_string();
  EXPECT_EQ(conf_value(**consumer, "fetch.wait.max.ms"), "7");
  EXPECT_EQ(conf_value(**consumer, "session.timeout.ms"), "12000");
  EXPECT_EQ(conf_value(**consumer, "batch.num.messages"), "200");  // not producer_properties
  EXPECT_EQ(conf_value(**consumer, "group.id"), "g");
}

TEST(KafkaConfig, ABadPropertyFailsTheConsumerAtStartNamingIt) {
  KafkaConfig c = KafkaConfig::kafka09_profile("127.0.0.1:1");
  c.consumer_properties = {{"fetch.wait.max.ms", "-3"}};
  auto consumer = KafkaConsumer::create(c, "g", {Topic::kRawTicks});
  ASSERT_FALSE(consumer.is_ok());
  EXPECT_EQ(consumer.status().code(), core::ErrorCode::kConfigError);
  EXPECT_NE(consumer.status().message().find("fetch.wait.max.ms"), std::string::npos)
      << consumer.status().message();
}

// A loopback port nobody listens on: bind an ephemeral port and close it.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(KafkaBus, BrokerDownAtStartUpFailsWithinTheConfiguredBound) {
  KafkaConfig c = KafkaConfig::kafka09_profile("127.0.0.1:" + std::to_string(closed_port()));
  c.connect_timeout_ms = 1500;
  auto start = std::chrono::steady_clock::now();
  auto bus = KafkaBus::create(c);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(bus.is_ok());
  EXPECT_EQ(bus.status().code(), core::ErrorCode::kUnavailable);
  EXPECT_NE(bus.status().message().find(c.brokers), std::string::npos) << bus.status().message();
  EXPECT_LT(took, std::chrono::seconds(6));

  start = std::chrono::steady_clock::now();
  auto consumer = KafkaConsumer::create(c, "down-group", {Topic::kRawTicks});
  took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(consumer.is_ok());
  EXPECT_EQ(consumer.status().code(), core::ErrorCode::kUnavailable);
  EXPECT_LT(took, std::chrono::seconds(6));
}

}  // namespace
}  // namespace nifty::bus
