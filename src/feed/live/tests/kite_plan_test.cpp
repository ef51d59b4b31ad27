// Tests of plan_kite_connections. Limits from broker-protocols.md 1.1 (3 connections x 3000
// instruments per API key); expected splits worked by hand in the comments.
#include "feed/live/kite_plan.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace nifty::feed::live {
namespace {

std::vector<uint32_t> tokens(size_t n) {
  std::vector<uint32_t> v(n);
  std::iota(v.begin(), v.end(), 1u);
  return v;
}

TEST(KitePlan, FiftyOneInstrumentsNeedOneConnection) {
  auto plan = plan_kite_connections(tokens(51));
  ASSERT_TRUE(plan.is_ok());
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_EQ((*plan)[0], tokens(51));
}

TEST(KitePlan, SplitsEvenlyAcrossTheFewestConnections) {
  // 6001 tokens: ceil(6001 / 3000) = 3 connections; 6001 = 2001 + 2000 + 2000.
  auto plan = plan_kite_connections(tokens(6001));
  ASSERT_TRUE(plan.is_ok());
  ASSERT_EQ(plan->size(), 3u);
  EXPECT_EQ((*plan)[0].size(), 2001u);
  EXPECT_EQ((*plan)[1].size(), 2000u);
  EXPECT_EQ((*plan)[2].size(), 2000u);
  EXPECT_EQ((*plan)[0].front(), 1u);
  EXPECT_EQ((*plan)[1].front(), 2002u);
  EXPECT_EQ((*plan)[2].back(), 6001u);
}

TEST(KitePlan, ExactlyTheLimitFits) {
  auto plan = plan_kite_connections(tokens(9000));
  ASSERT_TRUE(plan.is_ok());
  ASSERT_EQ(plan->size(), 3u);
  for (const auto& c : *plan) EXPECT_EQ(c.size(), 3000u);
}

TEST(KitePlan, OneOverTheLimitIsAnErrorNamingTheNumbers) {
  auto plan = plan_kite_connections(tokens(9001));
  ASSERT_FALSE(plan.is_ok());
  EXPECT_EQ(plan.status().code(), core::ErrorCode::kResourceExhausted);
  const std::string& m = plan.status().message();
  EXPECT_NE(m.find("9001"), std::string::npos);
  EXPECT_NE(m.find("9000"), std::string::npos);
  EXPECT_NE(m.find("3000"), std::string::npos);
}

TEST(KitePlan, DuplicatesAreSubscribedOnceAndTokenZeroIsRefused) {
  std::vector<uint32_t> in = {408065, 2953217, 408065, 256265};
  auto plan = plan_kite_connections(in);
  ASSERT_TRUE(plan.is_ok());
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_EQ((*plan)[0], (std::vector<uint32_t>{408065, 2953217, 256265}));
  std::vector<uint32_t> zero = {1, 0};
  EXPECT_EQ(plan_kite_connections(zero).status().code(), core::ErrorCode::kInvalidArgument);
  EXPECT_TRUE(plan_kite_connections(std::vector<uint32_t>{})->empty());
}

TEST(KitePlan, CustomLimits) {
  // 7 tokens, 2 per connection, at most 4 connections: 4 connections of 2, 2, 2, 1.
  auto plan = plan_kite_connections(tokens(7), KiteLimits{4, 2});
  ASSERT_TRUE(plan.is_ok());
  ASSERT_EQ(plan->size(), 4u);
  EXPECT_EQ((*plan)[3], (std::vector<uint32_t>{7}));
  EXPECT_FALSE(plan_kite_connections(tokens(9), KiteLimits{4, 2}).is_ok());
}

}  // namespace
}  // namespace nifty::feed::live
