// KafkaConfig: the spec's defaults, the 0.9 profile's degradations, validation; and a broker that
// is down at start-up.
#include "bus/kafka/kafka_config.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "bus/kafka/kafka_bus.h"
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
