#include "core/status.h"

#include <gtest/gtest.h>

#include <memory>

namespace nifty::core {
namespace {

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.is_ok());
  EXPECT_TRUE(static_cast<bool>(s));
  EXPECT_EQ(s.code(), ErrorCode::kOk);
  EXPECT_EQ(s.to_string(), "ok");
  EXPECT_TRUE(Status::ok().is_ok());
}

TEST(Status, ErrorCarriesCodeAndMessage) {
  Status s = error(ErrorCode::kParseError, "bad price in line 3");
  EXPECT_FALSE(s.is_ok());
  EXPECT_FALSE(static_cast<bool>(s));
  EXPECT_EQ(s.code(), ErrorCode::kParseError);
  EXPECT_EQ(s.message(), "bad price in line 3");
  EXPECT_EQ(s.to_string(), "parse_error: bad price in line 3");
}

TEST(Status, OnlyTransientFailuresAreRetryable) {
  EXPECT_TRUE(error(ErrorCode::kUnavailable, "x").is_retryable());
  EXPECT_TRUE(error(ErrorCode::kTimeout, "x").is_retryable());
  EXPECT_TRUE(error(ErrorCode::kResourceExhausted, "x").is_retryable());
  EXPECT_FALSE(error(ErrorCode::kParseError, "x").is_retryable());
  EXPECT_FALSE(error(ErrorCode::kInvalidArgument, "x").is_retryable());
  EXPECT_FALSE(error(ErrorCode::kCancelled, "x").is_retryable());
  EXPECT_FALSE(Status::ok().is_retryable());
}

TEST(Status, EveryCodeHasASnakeCaseName) {
  EXPECT_EQ(error_code_name(ErrorCode::kOk), "ok");
  EXPECT_EQ(error_code_name(ErrorCode::kInvalidArgument), "invalid_argument");
  EXPECT_EQ(error_code_name(ErrorCode::kIoError), "io_error");
  EXPECT_EQ(error_code_name(ErrorCode::kResourceExhausted), "resource_exhausted");
  EXPECT_EQ(error_code_name(ErrorCode::kConfigError), "config_error");
  EXPECT_EQ(error_code_name(ErrorCode::kInternal), "internal");
}

TEST(Result, HoldsAValue) {
  Result<int> r = 42;
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(*r, 42);
  EXPECT_TRUE(r.status().is_ok());
}

TEST(Result, HoldsAnError) {
  Result<int> r = error(ErrorCode::kNotFound, "no such symbol XYZ");
  EXPECT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(r.status().message(), "no such symbol XYZ");
}

TEST(Result, MovesOutMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

Result<int> half(int x) {
  if (x % 2 != 0) return error(ErrorCode::kInvalidArgument, "odd");
  return x / 2;
}

Result<int> quarter(int x) {
  NIFTY_ASSIGN_OR_RETURN(int h, half(x));
  NIFTY_ASSIGN_OR_RETURN(int q, half(h));
  return q;
}

Status check_even(int x) {
  NIFTY_RETURN_IF_ERROR(half(x).status());
  return Status::ok();
}

TEST(Result, MacrosPropagateErrors) {
  auto ok = quarter(12);
  ASSERT_TRUE(ok.is_ok());
  EXPECT_EQ(*ok, 3);
  auto bad = quarter(6);  // 6 -> 3 -> odd
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().message(), "odd");
  EXPECT_TRUE(check_even(4).is_ok());
  EXPECT_EQ(check_even(5).code(), ErrorCode::kInvalidArgument);
}

TEST(ResultDeathTest, ValueOfAnErrorAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Result<int> r = error(ErrorCode::kInternal, "boom");
  EXPECT_DEATH((void)r.value(), "NIFTY_CHECK failed");
}

TEST(ResultDeathTest, ResultFromOkStatusAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH({ Result<int> r = Status::ok(); (void)r; }, "NIFTY_CHECK failed");
}

}  // namespace
}  // namespace nifty::core
