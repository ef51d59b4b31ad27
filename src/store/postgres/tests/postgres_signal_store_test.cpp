// PostgresSignalStore beyond the shared contract: batches written through COPY (duplicate ids in one
// batch, text with COPY's special characters, doubles that need all 17 digits).
#include <gtest/gtest.h>

#include <vector>

#include "model/json_codec.h"
#include "pg_test_support.h"
#include "store/postgres/migrations.h"
#include "store/postgres/postgres_signal_store.h"

namespace nifty::store {
namespace {

using model::Recommendation;

constexpr int64_t kStartSeconds = 1706154300;  // 2024-01-25T03:45:00Z, 09:15 IST

model::Signal make_signal(std::string id, int minute, std::string reason) {
  model::Signal s;
  s.id = std::move(id);
  s.symbol = model::Symbol("WIPRO");
  s.timestamp = core::Timestamp::from_seconds(kStartSeconds + 60 * minute);
  s.action = Recommendation::kBuy;
  s.previous = Recommendation::kHold;
  s.price = model::Price::from_paise(45005);
  s.confidence = 0.1 + 0.2;  // 0.30000000000000004: exact only with 17 significant digits
  s.reason = std::move(reason);
  s.provenance.candle_time = s.timestamp;
  s.provenance.rsi = 55.5;
  s.provenance.engine = "heuristic \"quoted\" \\ back";
  return s;
}

TEST(PostgresSignalStore, ABatchKeepsTheLastOfEqualIdsAndRoundTripsEveryCharacter) {
  auto url = pgtest::server_url();
  if (!url) GTEST_SKIP() << "NIFTY_TEST_POSTGRES_DIR is not set";
  pgtest::TestDatabase db(*url);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(migrate(db.config()).is_ok());
  auto opened = PostgresSignalStore::open(db.config());
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  auto& store = *opened.value();

  std::vector<model::Signal> batch = {make_signal("b", 2, "first"), make_signal("a", 1, "tab\there\\back\nline\rend"),
                                      make_signal("b", 3, "second")};
  ASSERT_TRUE(store.append_all(batch).is_ok());
  EXPECT_EQ(pgtest::query_one(db.config(), "SELECT count(*)::text FROM signals"), "2");
  auto back = store.range(core::Timestamp::from_seconds(kStartSeconds), core::Timestamp::from_seconds(kStartSeconds + 3600));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  ASSERT_EQ(back->size(), 2u);
  // Oldest first: "a" at minute 1, then the second "b" (minute 3).
  EXPECT_EQ(model::encode_signal((*back)[0]), model::encode_signal(batch[1]));
  EXPECT_EQ(model::encode_signal((*back)[1]), model::encode_signal(batch[2]));
  EXPECT_EQ((*back)[0].confidence, 0.1 + 0.2);
  EXPECT_EQ(pgtest::query_one(db.config(), "SELECT length(reason)::text FROM signals WHERE id = 'a'"), "22");  // 3 + tab + 4 + backslash + 4 + newline + 4 + CR + 3
}

}  // namespace
}  // namespace nifty::store
