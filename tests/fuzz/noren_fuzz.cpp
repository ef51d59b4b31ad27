// libFuzzer target: flattrade::NorenState::on_message (Noren JSON text frames with partial-update
// merging). The input is a sequence of messages separated by '\n' (kSeparator), all fed to one
// NorenState so that tk/dk snapshots and the tf/df updates merged into them meet across messages.
// Checks per message:
// - an error is a kParseError counted under exactly one reason; an accepted message counts nothing;
// - a rejected message leaves every token's merged state as it was (except kNoFeedTime, which keeps
//   the fields and refuses only the tick);
// - a tick carries the universe's symbol for its NSE token, equals the merged state of that token,
//   has its prices within NUMERIC(10, 2) and not negative, and its exchange time from "ft".
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "feed/flattrade/noren_parse.h"
#include "fuzz_support.h"

namespace {

using namespace nifty;
using feed::flattrade::NorenQuote;
using feed::flattrade::NorenRejectReason;

constexpr char kSeparator = '\n';

bool same_price(model::Price a, model::Price b) { return a == b; }

bool same_quote(const NorenQuote& a, const NorenQuote& b) {
  return same_price(a.last_price, b.last_price) && a.volume == b.volume && a.last_quantity == b.last_quantity &&
         same_price(a.bid, b.bid) && same_price(a.ask, b.ask) && a.bid_quantity == b.bid_quantity &&
         a.ask_quantity == b.ask_quantity && same_price(a.open, b.open) && same_price(a.high, b.high) &&
         same_price(a.low, b.low) && same_price(a.close, b.close) && same_price(a.average_price, b.average_price) &&
         a.feed_time_seconds == b.feed_time_seconds && a.has_last_price == b.has_last_price &&
         a.touchline_seen == b.touchline_seen && a.depth_seen == b.depth_seen;
}

// The merged state of every token of the universe (nullopt-like: present flag).
struct Snapshot {
  std::vector<bool> present;
  std::vector<NorenQuote> quotes;
};

Snapshot snapshot(const feed::flattrade::NorenState& state) {
  const auto& instruments = fuzz::universe().instruments();
  Snapshot s;
  s.present.resize(instruments.size());
  s.quotes.resize(instruments.size());
  for (size_t i = 0; i < instruments.size(); ++i) {
    const NorenQuote* q = state.quote(instruments[i].nse_token);
    s.present[i] = q != nullptr;
    if (q) s.quotes[i] = *q;
  }
  return s;
}

bool same_snapshot(const Snapshot& a, const Snapshot& b) {
  for (size_t i = 0; i < a.present.size(); ++i) {
    if (a.present[i] != b.present[i]) return false;
    if (a.present[i] && !same_quote(a.quotes[i], b.quotes[i])) return false;
  }
  return true;
}

[[maybe_unused]] bool quote_prices_fit(const NorenQuote& q) {
  for (model::Price p : {q.last_price, q.bid, q.ask, q.open, q.high, q.low, q.close, q.average_price}) {
    if (!fuzz::price_fits(p, /*allow_negative=*/false)) return false;
  }
  return true;
}

void on_one(feed::flattrade::NorenState& state, std::string_view message) {
  using feed::flattrade::kNorenRejectReasonCount;
  const Snapshot before = snapshot(state);
  const auto rejects_before = state.rejects();

  auto result = state.on_message(message, fuzz::kReceiveTime);

  const auto& rejects = state.rejects();
  if (!result.is_ok()) {
    NIFTY_FUZZ_EXPECT(result.status().code() == core::ErrorCode::kParseError);
    NIFTY_FUZZ_EXPECT(!result.status().message().empty());
    NIFTY_FUZZ_EXPECT(rejects.total() == rejects_before.total() + 1);
    size_t reason = kNorenRejectReasonCount;
    for (size_t r = 0; r < kNorenRejectReasonCount; ++r) {
      auto rr = static_cast<NorenRejectReason>(r);
      if (rejects.count(rr) != rejects_before.count(rr)) reason = r;
    }
    NIFTY_FUZZ_EXPECT(reason < kNorenRejectReasonCount);
    if (static_cast<NorenRejectReason>(reason) != NorenRejectReason::kNoFeedTime) {
      NIFTY_FUZZ_EXPECT(same_snapshot(before, snapshot(state)));
    }
    return;
  }
  NIFTY_FUZZ_EXPECT(rejects.total() == rejects_before.total());
  const feed::flattrade::NorenEvent& ev = *result;
  if (!ev.has_tick) return;
  const model::Tick& t = ev.tick;
  fuzz::check_tick_common(t);
  const model::Instrument* ins = fuzz::universe().find_by_nse_token(t.token);
  NIFTY_FUZZ_EXPECT(ins != nullptr && ins->symbol == t.symbol);
  NIFTY_FUZZ_EXPECT(t.exchange == model::Exchange::kNse);
  const NorenQuote* q = state.quote(t.token);
  NIFTY_FUZZ_EXPECT(q != nullptr && q->has_last_price && q->feed_time_seconds > 0);
  NIFTY_FUZZ_EXPECT(t.last_price == q->last_price && t.bid == q->bid && t.ask == q->ask);
  NIFTY_FUZZ_EXPECT(t.cumulative_volume == q->volume && t.last_quantity == q->last_quantity);
  NIFTY_FUZZ_EXPECT(t.exchange_time == core::Timestamp::from_seconds(q->feed_time_seconds));
  NIFTY_FUZZ_EXPECT(quote_prices_fit(*q));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  feed::flattrade::NorenSymbols symbols(fuzz::universe());
  feed::flattrade::NorenState state(symbols);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    size_t end = input.find(kSeparator);
    std::string_view message = input.substr(0, end);
    on_one(state, message);
    if (end == std::string_view::npos) break;
    input.remove_prefix(end + 1);
  }
  return 0;
}
