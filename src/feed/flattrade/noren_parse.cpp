#include "feed/flattrade/noren_parse.h"

#include <charconv>
#include <optional>

#include <nlohmann/json.hpp>

namespace nifty::feed::flattrade {

namespace {

using model::Price;
using model::Quantity;

// The fields we read, one bit each.
enum Field : uint32_t {
  kLp = 1u << 0,
  kV = 1u << 1,
  kLtq = 1u << 2,
  kBp1 = 1u << 3,
  kSp1 = 1u << 4,
  kBq1 = 1u << 5,
  kSq1 = 1u << 6,
  kOpen = 1u << 7,
  kHigh = 1u << 8,
  kLow = 1u << 9,
  kClose = 1u << 10,
  kAp = 1u << 11,
  kFt = 1u << 12,
};

// The fields of one message, parsed and validated before any is applied.
struct Delta {
  uint32_t present = 0;
  Price lp, bp1, sp1, open, high, low, close, ap;
  Quantity v = 0, ltq = 0, bq1 = 0, sq1 = 0;
  int64_t ft = 0;
};

std::optional<Quantity> parse_quantity(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v > model::kMaxQuantity) return std::nullopt;
  return v;
}

// Epoch seconds; anything from 2100 on is not a feed time (and would overflow a Timestamp near 2262).
constexpr int64_t kMaxFeedSeconds = 4'102'444'800;  // 2100-01-01 00:00:00 UTC

std::optional<int64_t> parse_seconds(std::string_view s) {
  if (s.empty() || s.size() > 11) return std::nullopt;
  auto q = parse_quantity(s);
  if (!q || *q > kMaxFeedSeconds) return std::nullopt;
  return *q;
}

struct FieldSpec {
  std::string_view name;
  Field bit;
};
constexpr FieldSpec kFields[] = {
    {"lp", kLp},     {"v", kV},       {"ltq", kLtq},    {"bp1", kBp1},    {"sp1", kSp1},
    {"bq1", kBq1},   {"sq1", kSq1},   {"o", kOpen},     {"h", kHigh},     {"l", kLow},
    {"c", kClose},   {"ap", kAp},     {"ft", kFt},
};

// Stores `value` of field `bit` into `d`; false when it does not parse.
bool set_field(Delta& d, Field bit, std::string_view value) {
  auto price = [&](Price& out) {
    auto p = Price::parse(value);
    if (!p || p->paise() > model::kMaxPricePaise) return false;
    out = *p;
    return true;
  };
  auto qty = [&](Quantity& out) {
    auto q = parse_quantity(value);
    if (!q) return false;
    out = *q;
    return true;
  };
  switch (bit) {
    case kLp: return price(d.lp);
    case kV: return qty(d.v);
    case kLtq: return qty(d.ltq);
    case kBp1: return price(d.bp1);
    case kSp1: return price(d.sp1);
    case kBq1: return qty(d.bq1);
    case kSq1: return qty(d.sq1);
    case kOpen: return price(d.open);
    case kHigh: return price(d.high);
    case kLow: return price(d.low);
    case kClose: return price(d.close);
    case kAp: return price(d.ap);
    case kFt: {
      auto s = parse_seconds(value);
      if (!s) return false;
      d.ft = *s;
      return true;
    }
  }
  return false;
}

// A day statistic sent as "0" in an update keeps the cached non-zero value (broker-protocols.md 3.6).
void merge_stat(Price& cached, Price incoming, bool partial) {
  if (partial && incoming.paise() == 0 && cached.paise() != 0) return;
  cached = incoming;
}

void apply(NorenQuote& q, const Delta& d, bool partial) {
  if (d.present & kLp) {
    q.last_price = d.lp;
    q.has_last_price = true;
  }
  if (d.present & kV) q.volume = d.v;
  if (d.present & kLtq) q.last_quantity = d.ltq;
  if (d.present & kBp1) q.bid = d.bp1;
  if (d.present & kSp1) q.ask = d.sp1;
  if (d.present & kBq1) q.bid_quantity = d.bq1;
  if (d.present & kSq1) q.ask_quantity = d.sq1;
  if (d.present & kOpen) merge_stat(q.open, d.open, partial);
  if (d.present & kHigh) merge_stat(q.high, d.high, partial);
  if (d.present & kLow) merge_stat(q.low, d.low, partial);
  if (d.present & kClose) merge_stat(q.close, d.close, partial);
  if (d.present & kAp) merge_stat(q.average_price, d.ap, partial);
  if (d.present & kFt) q.feed_time_seconds = d.ft;
}

std::string_view string_or_empty(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

}  // namespace

core::Status NorenState::count(core::Status status, NorenRejectReason reason) {
  rejects_.add(reason);
  return status;
}

const NorenQuote* NorenState::quote(uint32_t nse_token) const {
  auto it = quotes_.find(nse_token);
  return it == quotes_.end() ? nullptr : &it->second;
}

core::Result<NorenEvent> NorenState::on_message(std::string_view text, core::Timestamp receive_time) {
  using R = NorenRejectReason;
  // A text frame is one flat JSON object; refuse anything else before handing it to the parser.
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || text[first] != '{') {
    return count(reject(R::kBadJson, "frame is not a JSON object"), R::kBadJson);
  }
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return count(reject(R::kBadJson, "frame is not valid JSON"), R::kBadJson);
  }
  auto t_it = j.find("t");
  if (t_it == j.end() || !t_it->is_string()) {
    return count(reject(R::kBadJson, "no string \"t\" in message"), R::kBadJson);
  }
  NorenEvent ev;
  ev.type = message_type_of(t_it->get_ref<const std::string&>());
  bool full = false;
  bool touchline = false;
  switch (ev.type) {
    case NorenMessageType::kConnectAck: {
      std::string_view s = string_or_empty(j, "s");
      ev.connect_ok = s.size() == 2 && (s[0] == 'O' || s[0] == 'o') && (s[1] == 'K' || s[1] == 'k');
      if (!ev.connect_ok) {
        std::string_view emsg = string_or_empty(j, "emsg");
        ev.detail = emsg.empty() ? "s=" + std::string(s) : std::string(emsg);
      }
      return ev;
    }
    case NorenMessageType::kTouchlineFull: full = true; touchline = true; break;
    case NorenMessageType::kTouchlinePartial: touchline = true; break;
    case NorenMessageType::kDepthFull: full = true; break;
    case NorenMessageType::kDepthPartial: break;
    default: return ev;  // heartbeat, order updates, other acks: nothing to merge
  }

  std::string_view kind = t_it->get_ref<const std::string&>();
  std::string_view exch = string_or_empty(j, "e");
  std::string_view tk = string_or_empty(j, "tk");
  if (exch.empty() || tk.empty()) {
    return count(reject(R::kMissingField, std::string(kind) + " without string \"e\" and \"tk\""), R::kMissingField);
  }
  // Built only on a rejection.
  auto where = [&] { return std::string(kind) + " " + std::string(exch) + "|" + std::string(tk); };
  if (exch != "NSE") return count(reject(R::kUnsupportedExchange, where()), R::kUnsupportedExchange);
  auto token = parse_token(tk);
  if (!token) return count(reject(R::kBadField, where() + ": token is not a number"), R::kBadField);
  const model::Instrument* ins = symbols_->find(exch, *token);
  if (ins == nullptr) return count(reject(R::kUnknownInstrument, where() + " is not in the universe"), R::kUnknownInstrument);

  Delta d;
  for (const FieldSpec& f : kFields) {
    auto it = j.find(f.name);
    if (it == j.end()) continue;
    if (!it->is_string()) {
      return count(reject(R::kBadField, where() + ": field " + std::string(f.name) + " is not a string"), R::kBadField);
    }
    const std::string& value = it->get_ref<const std::string&>();
    if (!set_field(d, f.bit, value)) {
      return count(reject(R::kBadField, where() + ": bad " + std::string(f.name) + " '" + value + "'"), R::kBadField);
    }
    d.present |= f.bit;
  }

  auto found = quotes_.find(*token);
  if (!full) {
    bool seen = found != quotes_.end() && (touchline ? found->second.touchline_seen : found->second.depth_seen);
    if (!seen) {
      return count(reject(R::kPartialBeforeFull, where() + " before any " + (touchline ? "tk" : "dk")),
                   R::kPartialBeforeFull);
    }
  }
  NorenQuote& q = found != quotes_.end() ? found->second : quotes_[*token];
  if (full) {
    // A snapshot replaces what the snapshot kind carries; a tk keeps the depth-only ltq.
    bool touchline_seen = q.touchline_seen;
    bool depth_seen = q.depth_seen;
    Quantity ltq = q.last_quantity;
    q = NorenQuote{};
    q.touchline_seen = touchline_seen || touchline;
    q.depth_seen = depth_seen || !touchline;
    if (touchline) q.last_quantity = ltq;
  }
  apply(q, d, /*partial=*/!full);

  if (!q.has_last_price) return ev;  // no trade price yet (e.g. before the open): nothing to tick
  if (q.feed_time_seconds == 0) {
    return count(reject(R::kNoFeedTime, where() + ": no feed time \"ft\" yet"), R::kNoFeedTime);
  }
  model::Tick& tick = ev.tick;
  tick.token = ins->nse_token;
  tick.symbol = ins->symbol;
  tick.exchange = model::Exchange::kNse;
  tick.last_price = q.last_price;
  tick.cumulative_volume = q.volume;
  tick.last_quantity = q.last_quantity;
  tick.bid = q.bid;
  tick.ask = q.ask;
  tick.exchange_time = core::Timestamp::from_seconds(q.feed_time_seconds);
  tick.receive_time = receive_time;
  ev.has_tick = true;
  return ev;
}

}  // namespace nifty::feed::flattrade
