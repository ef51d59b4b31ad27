// Tests of TokenStore and the freshness rules. Expiry instants are worked by hand from the rules
// in token_store.h (IST = UTC+05:30) and the NSE calendar facts of broker-protocols.md 5.2.
#include "feed/live/token_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/metrics.h"
#include "support/temp_dir.h"

namespace nifty::feed::live {
namespace {

using core::Date;
using core::ErrorCode;
using core::Timestamp;

Timestamp ist(int y, int m, int d, int hh, int mm) { return Timestamp::from_ist(Date{y, m, d}, hh, mm); }

TEST(TokenExpiry, KiteTokenLivesUntilTheNextSixOClockIst) {
  // Issued 2026-11-25 08:30 IST -> expires 2026-11-26 06:00 IST.
  EXPECT_EQ(*token_expiry("kite", ist(2026, 11, 25, 8, 30)), ist(2026, 11, 26, 6, 0));
  // Issued 02:00 IST -> expires the same day at 06:00.
  EXPECT_EQ(*token_expiry("kite", ist(2026, 11, 25, 2, 0)), ist(2026, 11, 25, 6, 0));
  // Issued exactly at 06:00 -> the next day's 06:00.
  EXPECT_EQ(*token_expiry("kite", ist(2026, 11, 25, 6, 0)), ist(2026, 11, 26, 6, 0));
  // 06:00 IST is 00:30 UTC.
  EXPECT_EQ(ist(2026, 11, 26, 6, 0), Timestamp::from_seconds(1795653000));
}

TEST(TokenExpiry, MstockTokenLivesUntilTheNextThreeOClockIst) {
  EXPECT_EQ(*token_expiry("mstock", ist(2026, 11, 25, 8, 30)), ist(2026, 11, 26, 3, 0));
}

TEST(TokenExpiry, FlattradeTokenLivesUntilTheNextTradingDayStarts) {
  // Wednesday 2026-11-25 -> Thursday 2026-11-26 00:00 IST.
  EXPECT_EQ(*token_expiry("flattrade", ist(2026, 11, 25, 8, 30)), ist(2026, 11, 26, 0, 0));
  // Friday 2026-11-20 -> Monday 2026-11-23 (weekend skipped).
  EXPECT_EQ(*token_expiry("flattrade", ist(2026, 11, 20, 9, 0)), ist(2026, 11, 23, 0, 0));
  // Monday 2026-11-23 -> Wednesday 2026-11-25: Tuesday 24 Nov is Guru Nanak Jayanti (5.2).
  EXPECT_EQ(*token_expiry("flattrade", ist(2026, 11, 23, 9, 0)), ist(2026, 11, 25, 0, 0));
}

TEST(TokenExpiry, UnknownBrokerIsAnError) {
  EXPECT_EQ(token_expiry("zerodha", ist(2026, 11, 25, 8, 30)).status().code(), ErrorCode::kInvalidArgument);
}

TEST(TokenStore, SavesWithOwnerOnlyPermissionsAndLoadsBack) {
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.file("state/nifty/tokens.json");
  TokenStore store(path);
  Timestamp issued = ist(2026, 11, 25, 8, 30);
  ASSERT_TRUE(store.save("kite", "tok-kite-1", issued).is_ok());
  ASSERT_TRUE(store.save("flattrade", "tok-ft-1", issued).is_ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir.file("state/nifty").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  auto kite = TokenStore(path).load("kite", ist(2026, 11, 25, 12, 0));
  ASSERT_TRUE(kite.is_ok()) << kite.status().to_string();
  EXPECT_EQ(kite->token, "tok-kite-1");
  EXPECT_EQ(kite->issued_at, issued);
  EXPECT_EQ(kite->expires_at, ist(2026, 11, 26, 6, 0));
  // Three and a half hours old.
  double age = core::MetricsRegistry::global().gauge("token_age_seconds", "", {{"vendor", "kite"}}).value();
  EXPECT_EQ(age, 3.5 * 3600);

  // A new login replaces the token; the other broker's stays.
  ASSERT_TRUE(store.save("kite", "tok-kite-2", ist(2026, 11, 26, 8, 0)).is_ok());
  EXPECT_EQ(store.load("kite", ist(2026, 11, 26, 9, 0))->token, "tok-kite-2");
  EXPECT_EQ(store.load("flattrade", ist(2026, 11, 25, 9, 0))->token, "tok-ft-1");
  auto all = store.list();
  ASSERT_TRUE(all.is_ok());
  EXPECT_EQ(all->size(), 2u);
  // No temporary file left behind.
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.file("state/nifty"))) ++files;
  EXPECT_EQ(files, 1u);
}

TEST(TokenStore, ExpiredAndMissingTokensSayWhatToRun) {
  testing::TempDir dir;
  TokenStore store(dir.file("tokens.json"));
  auto missing = store.load("kite", ist(2026, 11, 25, 9, 0));
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(missing.status().message().find("run nifty login kite"), std::string::npos);

  ASSERT_TRUE(store.save("kite", "tok", ist(2026, 11, 25, 8, 30)).is_ok());
  auto expired = store.load("kite", ist(2026, 11, 26, 6, 0));
  ASSERT_FALSE(expired.is_ok());
  EXPECT_EQ(expired.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(expired.status().message(), "kite access token expired at 2026-11-26 06:00 IST: run nifty login kite");
  EXPECT_TRUE(store.load("kite", ist(2026, 11, 26, 5, 59)).is_ok());

  ASSERT_TRUE(store.remove("kite").is_ok());
  EXPECT_FALSE(store.load("kite", ist(2026, 11, 25, 9, 0)).is_ok());
}

TEST(TokenStore, CorruptFileIsAParseErrorAndIsLeftAlone) {
  testing::TempDir dir;
  std::string path = dir.file("tokens.json");
  { std::ofstream(path) << "{not json"; }
  TokenStore store(path);
  EXPECT_EQ(store.load("kite", ist(2026, 11, 25, 9, 0)).status().code(), ErrorCode::kParseError);
  EXPECT_EQ(store.save("kite", "tok", ist(2026, 11, 25, 9, 0)).code(), ErrorCode::kParseError);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{not json");
  EXPECT_EQ(store.save("nobody", "tok", ist(2026, 11, 25, 9, 0)).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(TokenStore(dir.file("t2.json")).save("kite", "", ist(2026, 11, 25, 9, 0)).code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace nifty::feed::live
