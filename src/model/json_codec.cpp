#include "model/json_codec.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/log.h"

namespace nifty::model {

using core::ErrorCode;
using core::Result;
using core::Status;
using nlohmann::json;

namespace {

// Largest price we accept on the wire, in paise (₹10^13): far beyond any stock, far from overflow.
constexpr int64_t kMaxPaise = 1'000'000'000'000'000LL;
// Largest |ms| whose nanoseconds fit in int64.
constexpr int64_t kMaxMillis = 9'000'000'000'000LL;

template <typename I>
void append_int(std::string& out, I v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}


void append_string(std::string& out, std::string_view s) {
  out += '"';
  core::append_json_escaped(out, s);
  out += '"';
}

// ---- decoding ----

std::string_view type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    default: return "value";
  }
}

// Reads fields of one JSON object, remembering the first error (later reads become no-ops).
class Reader {
 public:
  Reader(const json& obj, std::string what) : obj_(obj), what_(std::move(what)) {}

  bool ok() const { return status_.is_ok(); }
  Status status() const { return status_; }
  bool has(std::string_view key) const { return obj_.contains(key) && !obj_.at(std::string(key)).is_null(); }

  const json* field(std::string_view key, bool required) {
    if (!ok()) return nullptr;
    auto it = obj_.find(key);
    if (it == obj_.end()) {
      if (required) fail("missing field '" + std::string(key) + "'");
      return nullptr;
    }
    return &*it;
  }

  std::string_view string(std::string_view key, bool required = true) {
    const json* v = field(key, required);
    if (v == nullptr) return {};
    if (!v->is_string()) {
      mistyped(key, "a string", *v);
      return {};
    }
    return v->get_ref<const std::string&>();
  }

  int64_t integer(std::string_view key, bool required = true, int64_t min = 0) {
    const json* v = field(key, required);
    if (v == nullptr) return 0;
    if (v->is_number_unsigned()) {
      uint64_t u = v->get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) {
        fail("field '" + std::string(key) + "' is out of range: " + v->dump());
        return 0;
      }
      return check_min(key, static_cast<int64_t>(u), min);
    }
    if (v->is_number_integer()) return check_min(key, v->get<int64_t>(), min);
    mistyped(key, "an integer", *v);
    return 0;
  }

  uint64_t unsigned_integer(std::string_view key, bool required = true) {
    const json* v = field(key, required);
    if (v == nullptr) return 0;
    if (v->is_number_unsigned()) return v->get<uint64_t>();
    if (v->is_number_integer() && v->get<int64_t>() >= 0) return static_cast<uint64_t>(v->get<int64_t>());
    mistyped(key, "a non-negative integer", *v);
    return 0;
  }

  core::Timestamp millis(std::string_view key, bool required = true) {
    int64_t ms = integer(key, required, -kMaxMillis);
    if (ok() && ms > kMaxMillis) fail("field '" + std::string(key) + "' is out of range");
    return ok() ? core::Timestamp::from_millis(ms) : core::Timestamp();
  }

  core::Timestamp iso_time(std::string_view key) {
    std::string_view s = string(key);
    if (!ok()) return {};
    auto t = core::Timestamp::parse(s);
    if (!t) {
      fail("field '" + std::string(key) + "': " + t.status().message());
      return {};
    }
    return *t;
  }

  // A price in rupees with at most two decimals, finite and not negative.
  Price price(std::string_view key, bool required = true) {
    const json* v = field(key, required);
    if (v == nullptr) return {};
    if (v->is_number_unsigned() || v->is_number_integer()) {
      int64_t r = v->is_number_unsigned() ? static_cast<int64_t>(std::min<uint64_t>(v->get<uint64_t>(), INT64_MAX))
                                          : v->get<int64_t>();
      if (r < 0 || r > kMaxPaise / 100) return bad_price(key, *v);
      return Price::from_paise(r * 100);
    }
    if (!v->is_number_float()) {
      mistyped(key, "a number", *v);
      return {};
    }
    double d = v->get<double>();
    if (!std::isfinite(d) || d < 0 || d * 100.0 > static_cast<double>(kMaxPaise)) return bad_price(key, *v);
    double scaled = d * 100.0;
    double rounded = std::nearbyint(scaled);
    if (std::fabs(scaled - rounded) > std::max(1e-6, std::fabs(scaled) * 1e-12)) {
      fail("field '" + std::string(key) + "' has more than 2 decimals: " + v->dump());
      return {};
    }
    return Price::from_paise(static_cast<int64_t>(rounded));
  }

  // A double or null (NaN); absent optional fields read as NaN too.
  double number_or_null(std::string_view key, bool required = false) {
    const json* v = field(key, required);
    if (v == nullptr || v->is_null()) return kNaN;
    if (!v->is_number()) {
      mistyped(key, "a number or null", *v);
      return kNaN;
    }
    return v->get<double>();
  }

  // A nested object, or nullptr when absent.
  const json* object(std::string_view key) {
    const json* v = field(key, false);
    if (v == nullptr || v->is_null()) return nullptr;
    if (!v->is_object()) {
      mistyped(key, "an object", *v);
      return nullptr;
    }
    return v;
  }

  Symbol symbol(std::string_view key) {
    std::string_view s = string(key);
    if (!ok()) return {};
    if (!Symbol::valid(s)) {
      fail("field '" + std::string(key) + "' is not a valid symbol (1 to " + std::to_string(Symbol::kMaxLength) +
           " characters)");
      return {};
    }
    return Symbol(s);
  }

  Recommendation recommendation(std::string_view key, bool required) {
    const json* v = field(key, required);
    if (v == nullptr) return Recommendation::kHold;
    if (!v->is_string()) {
      mistyped(key, "a string", *v);
      return Recommendation::kHold;
    }
    auto r = parse_recommendation(v->get_ref<const std::string&>());
    if (!r) {
      fail("field '" + std::string(key) + "' is not a recommendation (STRONG_SELL..STRONG_BUY): " + v->dump());
      return Recommendation::kHold;
    }
    return *r;
  }

  void fail(const std::string& why) {
    if (ok()) status_ = core::error(ErrorCode::kParseError, what_ + ": " + why);
  }

 private:
  int64_t check_min(std::string_view key, int64_t v, int64_t min) {
    if (v < min) {
      fail("field '" + std::string(key) + "' must be >= " + std::to_string(min) + ", got " + std::to_string(v));
      return 0;
    }
    return v;
  }
  void mistyped(std::string_view key, std::string_view want, const json& got) {
    fail("field '" + std::string(key) + "' must be " + std::string(want) + ", got " + std::string(type_name(got)));
  }
  Price bad_price(std::string_view key, const json& v) {
    fail("field '" + std::string(key) + "' must be a finite, non-negative price, got " + v.dump());
    return {};
  }

  const json& obj_;
  std::string what_;
  Status status_;
};

Result<json> parse_object(std::string_view text, std::string_view what) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    return core::error(ErrorCode::kParseError,
                       std::string(what) + ": malformed JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const json::exception& e) {  // e.g. a number too large for a double ("1e400")
    return core::error(ErrorCode::kParseError, std::string(what) + ": malformed JSON: " + e.what());
  }
  if (!j.is_object()) {
    return core::error(ErrorCode::kParseError, std::string(what) + ": want a JSON object, got " +
                                                   std::string(type_name(j)));
  }
  return j;
}

json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
json price_json(Price p) { return json(p.rupees()); }

}  // namespace

void append_price(std::string& out, Price p) {
  int64_t paise = p.paise();
  uint64_t mag = paise < 0 ? static_cast<uint64_t>(-(paise + 1)) + 1 : static_cast<uint64_t>(paise);
  if (paise < 0) out += '-';
  append_int(out, mag / 100);
  const auto frac = static_cast<unsigned>(mag % 100);
  out += '.';
  out += static_cast<char>('0' + frac / 10);
  if (frac % 10 != 0) out += static_cast<char>('0' + frac % 10);
}

void append_double(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
  out += s;
  if (s.find_first_of(".e") == std::string_view::npos) out += ".0";
}

// ---- raw-ticks ----

void encode_tick(const Tick& t, std::string& out) {
  out += "{\"token\":\"";
  append_int(out, t.token);
  out += "\",\"symbol\":";
  append_string(out, t.symbol.view());
  out += ",\"ltp\":";
  append_price(out, t.last_price);
  out += ",\"volume\":";
  append_int(out, t.cumulative_volume);
  out += ",\"bid\":";
  append_price(out, t.bid);
  out += ",\"ask\":";
  append_price(out, t.ask);
  out += ",\"timestamp\":";
  const int64_t exchange_ms = t.exchange_time.millis();
  append_int(out, exchange_ms);
  out += ",\"sequence\":";
  append_int(out, t.sequence);
  out += ",\"exchange\":\"";
  out += exchange_name(t.exchange);
  out += '"';
  if (t.last_quantity != 0) {
    out += ",\"last_quantity\":";
    append_int(out, t.last_quantity);
  }
  const int64_t receive_ms = t.receive_time.millis();
  if (receive_ms != exchange_ms) {
    out += ",\"receive_timestamp\":";
    append_int(out, receive_ms);
  }
  out += '}';
}

std::string encode_tick(const Tick& t) {
  std::string out;
  out.reserve(256);
  encode_tick(t, out);
  return out;
}

Result<Tick> decode_tick(std::string_view text) {
  constexpr std::string_view kWhat = "raw-ticks";
  NIFTY_ASSIGN_OR_RETURN(json j, parse_object(text, kWhat));
  Reader r(j, std::string(kWhat));
  Tick t;
  // The token is a string in the spec; a bare number is accepted too.
  if (const json* tok = r.field("token", true)) {
    uint64_t value = 0;
    bool good = false;
    if (tok->is_string()) {
      const auto& s = tok->get_ref<const std::string&>();
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
      good = !s.empty() && ec == std::errc() && p == s.data() + s.size();
    } else if (tok->is_number_unsigned() || (tok->is_number_integer() && tok->get<int64_t>() >= 0)) {
      value = tok->get<uint64_t>();
      good = true;
    }
    if (!good || value > UINT32_MAX) r.fail("field 'token' must be a string of digits (a 32-bit token), got " + tok->dump());
    t.token = static_cast<uint32_t>(value);
  }
  t.symbol = r.symbol("symbol");
  t.last_price = r.price("ltp");
  t.cumulative_volume = r.integer("volume");
  t.bid = r.price("bid", false);
  t.ask = r.price("ask", false);
  t.exchange_time = r.millis("timestamp");
  t.sequence = r.unsigned_integer("sequence", false);
  std::string_view exchange = r.string("exchange", false);
  if (r.ok()) {
    if (exchange.empty() || exchange == "NSE") {
      t.exchange = Exchange::kNse;
    } else if (exchange == "BSE") {
      t.exchange = Exchange::kBse;
    } else {
      r.fail("field 'exchange' must be \"NSE\" or \"BSE\", got \"" + std::string(exchange) + "\"");
    }
  }
  t.last_quantity = r.integer("last_quantity", false);
  t.receive_time = r.has("receive_timestamp") ? r.millis("receive_timestamp") : t.exchange_time;
  if (!r.ok()) return r.status();
  return t;
}

// ---- market_candles ----

std::string encode_candle(const Candle& c) {
  std::string out;
  out.reserve(256);
  out += "{\"time\":\"";
  out += c.start.to_iso_utc();
  out += "\",\"symbol\":";
  append_string(out, c.symbol.view());
  out += ",\"open\":";
  append_price(out, c.open);
  out += ",\"high\":";
  append_price(out, c.high);
  out += ",\"low\":";
  append_price(out, c.low);
  out += ",\"close\":";
  append_price(out, c.close);
  out += ",\"volume\":";
  append_int(out, c.volume);
  out += ",\"trades\":";
  append_int(out, c.trades);
  out += ",\"vwap\":";
  append_price(out, c.vwap);
  if (c.interval != Interval::k1m) {
    out += ",\"interval\":\"";
    out += interval_name(c.interval);
    out += '"';
  }
  out += '}';
  return out;
}

Result<Candle> decode_candle(std::string_view text) {
  constexpr std::string_view kWhat = "market_candles";
  NIFTY_ASSIGN_OR_RETURN(json j, parse_object(text, kWhat));
  Reader r(j, std::string(kWhat));
  Candle c;
  c.start = r.iso_time("time");
  c.symbol = r.symbol("symbol");
  c.open = r.price("open");
  c.high = r.price("high");
  c.low = r.price("low");
  c.close = r.price("close");
  c.volume = r.integer("volume");
  int64_t trades = r.integer("trades", false);
  if (r.ok() && trades > INT32_MAX) r.fail("field 'trades' is out of range");
  c.trades = static_cast<int32_t>(trades);
  c.vwap = r.has("vwap") ? r.price("vwap") : c.close;
  std::string_view interval = r.string("interval", false);
  if (r.ok() && !interval.empty()) {
    auto i = parse_interval(interval);
    if (!i) {
      r.fail("field 'interval' must be one of 1m, 5m, 15m, 1h, 1d, got \"" + std::string(interval) + "\"");
    } else {
      c.interval = *i;
    }
  }
  if (!r.ok()) return r.status();
  return c;
}

// ---- analysis_updates ----

namespace {

void append_macd(std::string& out, const MacdValue& m) {
  out += "{\"value\":";
  append_double(out, m.value);
  out += ",\"signal\":";
  append_double(out, m.signal);
  out += ",\"histogram\":";
  append_double(out, m.histogram);
  out += '}';
}

void append_bollinger(std::string& out, const BollingerValue& b) {
  out += "{\"upper\":";
  append_double(out, b.upper);
  out += ",\"middle\":";
  append_double(out, b.middle);
  out += ",\"lower\":";
  append_double(out, b.lower);
  out += '}';
}

Status read_macd(Reader& r, std::string_view what, MacdValue& m) {
  if (const json* o = r.object("macd")) {
    Reader mr(*o, std::string(what) + ".macd");
    m.value = mr.number_or_null("value");
    m.signal = mr.number_or_null("signal");
    m.histogram = mr.number_or_null("histogram");
    return mr.status();
  }
  return r.status();
}

Status read_emas(Reader& r, std::string_view what, double& e50, double& e100, double& e200) {
  if (const json* o = r.object("emas")) {
    Reader er(*o, std::string(what) + ".emas");
    e50 = er.number_or_null("50");
    e100 = er.number_or_null("100");
    e200 = er.number_or_null("200");
    return er.status();
  }
  return r.status();
}

Status read_bollinger(Reader& r, std::string_view what, BollingerValue& b) {
  if (const json* o = r.object("bollinger")) {
    Reader br(*o, std::string(what) + ".bollinger");
    b.upper = br.number_or_null("upper");
    b.middle = br.number_or_null("middle");
    b.lower = br.number_or_null("lower");
    return br.status();
  }
  return r.status();
}

double or_zero(double v) { return std::isnan(v) ? 0.0 : v; }

}  // namespace

std::string encode_scorecard(const Scorecard& s) {
  std::string out;
  out.reserve(704);
  // The spec's fields, in the spec's order.
  out += "{\"symbol\":";
  append_string(out, s.symbol.view());
  out += ",\"timestamp\":\"";
  out += s.timestamp.to_iso_utc();
  out += "\",\"ltp\":";
  append_price(out, s.ltp);
  out += ",\"rsi\":";
  append_double(out, s.rsi);
  out += ",\"macd\":";
  append_macd(out, s.macd);
  out += ",\"emas\":{\"50\":";
  append_double(out, s.ema50);
  out += ",\"200\":";
  append_double(out, s.ema200);
  out += ",\"100\":";
  append_double(out, s.ema100);
  out += "},\"trend_score\":";
  append_double(out, s.trend_score);
  out += ",\"ai_prediction\":";
  append_double(out, s.ai.prediction);
  out += ",\"ai_confidence\":";
  append_double(out, s.ai.confidence);
  out += ",\"recommendation\":\"";
  out += recommendation_name(s.recommendation);
  // Ours.
  out += "\",\"change\":";
  append_double(out, s.change);
  out += ",\"change_percent\":";
  append_double(out, s.change_percent);
  out += ",\"volume\":";
  append_int(out, s.day_volume);
  out += ",\"bollinger\":";
  append_bollinger(out, s.bollinger);
  out += ",\"momentum_score\":";
  append_double(out, s.momentum_score);
  out += ",\"composite_score\":";
  append_double(out, s.composite_score);
  out += ",\"ai_model_version\":";
  append_string(out, s.ai.model_version);
  out += ",\"ai_engine\":";
  append_string(out, s.ai_engine);
  out += ",\"latency_ms\":";
  append_int(out, s.latency_ms());
  out += '}';
  return out;
}

Result<Scorecard> decode_scorecard(std::string_view text) {
  constexpr std::string_view kWhat = "analysis_updates";
  NIFTY_ASSIGN_OR_RETURN(json j, parse_object(text, kWhat));
  Reader r(j, std::string(kWhat));
  Scorecard s;
  s.symbol = r.symbol("symbol");
  s.timestamp = r.iso_time("timestamp");
  s.ltp = r.price("ltp");
  s.change = or_zero(r.number_or_null("change"));
  s.change_percent = or_zero(r.number_or_null("change_percent"));
  s.day_volume = r.integer("volume", false);
  s.rsi = r.number_or_null("rsi");
  NIFTY_RETURN_IF_ERROR(read_macd(r, kWhat, s.macd));
  NIFTY_RETURN_IF_ERROR(read_emas(r, kWhat, s.ema50, s.ema100, s.ema200));
  NIFTY_RETURN_IF_ERROR(read_bollinger(r, kWhat, s.bollinger));
  s.trend_score = or_zero(r.number_or_null("trend_score"));
  s.momentum_score = or_zero(r.number_or_null("momentum_score"));
  s.composite_score = or_zero(r.number_or_null("composite_score"));
  double pred = r.number_or_null("ai_prediction");
  s.ai.prediction = std::isnan(pred) ? 0.5 : pred;
  s.ai.confidence = or_zero(r.number_or_null("ai_confidence"));
  s.ai.model_version = std::string(r.string("ai_model_version", false));
  s.ai_engine = std::string(r.string("ai_engine", false));
  int64_t latency_ms = r.integer("latency_ms", false);
  if (r.ok() && latency_ms > kMaxMillis) r.fail("field 'latency_ms' is out of range");
  s.latency_ns = latency_ms * core::kNanosPerMilli;
  s.recommendation = r.recommendation("recommendation", true);
  if (!r.ok()) return r.status();
  return s;
}

// ---- signals ----

namespace {

void append_provenance(std::string& out, const SignalProvenance& p) {
  out += "{\"candle_time\":\"";
  out += p.candle_time.to_iso_utc();
  out += "\",\"rsi\":";
  append_double(out, p.rsi);
  out += ",\"macd\":";
  append_macd(out, p.macd);
  out += ",\"emas\":{\"50\":";
  append_double(out, p.ema50);
  out += ",\"100\":";
  append_double(out, p.ema100);
  out += ",\"200\":";
  append_double(out, p.ema200);
  out += "},\"bollinger\":";
  append_bollinger(out, p.bollinger);
  out += ",\"trend_score\":";
  append_double(out, p.trend_score);
  out += ",\"momentum_score\":";
  append_double(out, p.momentum_score);
  out += ",\"composite_score\":";
  append_double(out, p.composite_score);
  out += ",\"ai_prediction\":";
  append_double(out, p.ai_prediction);
  out += ",\"ai_confidence\":";
  append_double(out, p.ai_confidence);
  out += ",\"engine\":";
  append_string(out, p.engine);
  out += ",\"model_version\":";
  append_string(out, p.model_version);
  out += '}';
}

Status read_provenance(const json& obj, std::string_view what, SignalProvenance& p) {
  Reader r(obj, std::string(what));
  p.candle_time = r.iso_time("candle_time");
  p.rsi = r.number_or_null("rsi");
  NIFTY_RETURN_IF_ERROR(read_macd(r, what, p.macd));
  NIFTY_RETURN_IF_ERROR(read_emas(r, what, p.ema50, p.ema100, p.ema200));
  NIFTY_RETURN_IF_ERROR(read_bollinger(r, what, p.bollinger));
  p.trend_score = or_zero(r.number_or_null("trend_score"));
  p.momentum_score = or_zero(r.number_or_null("momentum_score"));
  p.composite_score = or_zero(r.number_or_null("composite_score"));
  double pred = r.number_or_null("ai_prediction");
  p.ai_prediction = std::isnan(pred) ? 0.5 : pred;
  p.ai_confidence = or_zero(r.number_or_null("ai_confidence"));
  p.engine = std::string(r.string("engine", false));
  p.model_version = std::string(r.string("model_version", false));
  return r.status();
}

}  // namespace

std::string encode_signal(const Signal& s) {
  std::string out;
  out.reserve(640 + s.reason.size());
  out += "{\"action\":\"";
  out += recommendation_name(s.action);
  out += "\",\"symbol\":";
  append_string(out, s.symbol.view());
  out += ",\"price\":";
  append_price(out, s.price);
  out += ",\"id\":";
  append_string(out, s.id);
  out += ",\"time\":\"";
  out += s.timestamp.to_iso_utc();
  out += "\",\"confidence\":";
  append_double(out, s.confidence);
  out += ",\"previous\":\"";
  out += recommendation_name(s.previous);
  out += "\",\"reason\":";
  append_string(out, s.reason);
  out += ",\"provenance\":";
  append_provenance(out, s.provenance);
  out += '}';
  return out;
}

std::string encode_signal_provenance(const SignalProvenance& p) {
  std::string out;
  out.reserve(512);
  append_provenance(out, p);
  return out;
}

Result<SignalProvenance> decode_signal_provenance(std::string_view text) {
  constexpr std::string_view kWhat = "signals.provenance";
  NIFTY_ASSIGN_OR_RETURN(json j, parse_object(text, kWhat));
  SignalProvenance p;
  NIFTY_RETURN_IF_ERROR(read_provenance(j, kWhat, p));
  return p;
}

Result<Signal> decode_signal(std::string_view text) {
  constexpr std::string_view kWhat = "signals";
  NIFTY_ASSIGN_OR_RETURN(json j, parse_object(text, kWhat));
  Reader r(j, std::string(kWhat));
  Signal s;
  s.action = r.recommendation("action", true);
  s.symbol = r.symbol("symbol");
  s.price = r.price("price");
  s.id = std::string(r.string("id", false));
  s.timestamp = r.iso_time(j.contains("time") || !j.contains("timestamp") ? "time" : "timestamp");
  double confidence = r.number_or_null("confidence");
  s.confidence = std::isnan(confidence) ? 0.0 : confidence;
  s.previous = r.recommendation("previous", false);
  s.reason = std::string(r.string("reason", false));
  if (!r.ok()) return r.status();
  if (const json* p = r.object("provenance")) {
    NIFTY_RETURN_IF_ERROR(read_provenance(*p, "signals.provenance", s.provenance));
  } else {
    if (!r.ok()) return r.status();
    s.provenance.candle_time = s.timestamp;
  }
  s.composite_score = s.provenance.composite_score;
  s.ai_prediction = s.provenance.ai_prediction;
  return s;
}

// ---- market_view ----

namespace {

void append_movers(std::string& out, const std::vector<Mover>& movers) {
  out += '[';
  bool first = true;
  for (const Mover& m : movers) {
    if (!first) out += ',';
    first = false;
    out += "{\"symbol\":";
    append_string(out, m.symbol.view());
    out += ",\"ltp\":";
    append_price(out, m.ltp);
    out += ",\"change_percent\":";
    append_double(out, m.change_percent);
    out += '}';
  }
  out += ']';
}

Status read_movers(Reader& r, const json& obj, std::string_view key, std::vector<Mover>& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return r.status();
  if (!it->is_array()) {
    r.fail("field '" + std::string(key) + "' must be an array, got " + std::string(type_name(*it)));
    return r.status();
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& e = (*it)[i];
    std::string what = "market_view." + std::string(key) + "[" + std::to_string(i) + "]";
    if (!e.is_object()) return core::error(ErrorCode::kParseError, what + ": want an object");
    Reader er(e, what);
    Mover m;
    m.symbol = er.symbol("symbol");
    m.ltp = er.price("ltp");
    m.change_percent = or_zero(er.number_or_null("change_percent"));
    if (!er.ok()) return er.status();
    out.push_back(m);
  }
  return r.status();
}

int32_t count_field(Reader& r, std::string_view key) {
  int64_t v = r.integer(key, true);
  if (r.ok() && v > INT32_MAX) r.fail("field '" + std::string(key) + "' is out of range");
  return static_cast<int32_t>(v);
}

}  // namespace

std::string encode_market_view(const MarketView& v) {
  std::string out;
  out.reserve(1024);
  out += "{\"overall\":\"";
  out += sentiment_name(v.sentiment);
  out += "\",\"breadth\":";
  append_double(out, v.breadth_ratio);
  out += ",\"timestamp\":\"";
  out += v.timestamp.to_iso_utc();
  out += "\",\"advances\":";
  append_int(out, v.advances);
  out += ",\"declines\":";
  append_int(out, v.declines);
  out += ",\"unchanged\":";
  append_int(out, v.unchanged);
  out += ",\"stocks\":";
  append_int(out, v.stocks);
  out += ",\"average_change_percent\":";
  append_double(out, v.average_change_percent);
  out += ",\"gainers\":";
  append_movers(out, v.gainers);
  out += ",\"losers\":";
  append_movers(out, v.losers);
  out += ",\"index\":";
  if (v.index) {
    out += "{\"symbol\":";
    append_string(out, v.index->symbol.view());
    out += ",\"level\":";
    append_price(out, v.index->level);
    out += ",\"change\":";
    append_double(out, v.index->change);
    out += ",\"change_percent\":";
    append_double(out, v.index->change_percent);
    out += '}';
  } else {
    out += "null";
  }
  out += '}';
  return out;
}

Result<MarketView> decode_market_view(std::string_view text) {
  constexpr std::string_view kWhat = "market_view";
  NIFTY_ASSIGN_OR_RETURN(json j, parse_object(text, kWhat));
  Reader r(j, std::string(kWhat));
  MarketView v;
  std::string_view overall = r.string("overall");
  if (r.ok()) {
    auto s = parse_sentiment(overall);
    if (!s) {
      r.fail("field 'overall' must be BULLISH, BEARISH or NEUTRAL, got \"" + std::string(overall) + "\"");
    } else {
      v.sentiment = *s;
    }
  }
  v.breadth_ratio = or_zero(r.number_or_null("breadth", true));
  v.timestamp = r.has("timestamp") ? r.iso_time("timestamp") : core::Timestamp();
  v.advances = count_field(r, "advances");
  v.declines = count_field(r, "declines");
  v.unchanged = count_field(r, "unchanged");
  v.stocks = r.has("stocks") ? count_field(r, "stocks") : v.advances + v.declines + v.unchanged;
  v.average_change_percent = or_zero(r.number_or_null("average_change_percent"));
  NIFTY_RETURN_IF_ERROR(read_movers(r, j, "gainers", v.gainers));
  NIFTY_RETURN_IF_ERROR(read_movers(r, j, "losers", v.losers));
  if (const json* idx = r.object("index")) {
    Reader ir(*idx, std::string(kWhat) + ".index");
    IndexLevel level;
    level.symbol = ir.symbol("symbol");
    level.level = ir.price("level");
    level.change = or_zero(ir.number_or_null("change"));
    level.change_percent = or_zero(ir.number_or_null("change_percent"));
    if (!ir.ok()) return ir.status();
    v.index = level;
  }
  if (!r.ok()) return r.status();
  return v;
}

// ---- nlohmann builders ----

json to_json(const Tick& t) {
  json j = {{"token", std::to_string(t.token)},
            {"symbol", t.symbol.str()},
            {"ltp", price_json(t.last_price)},
            {"volume", t.cumulative_volume},
            {"bid", price_json(t.bid)},
            {"ask", price_json(t.ask)},
            {"timestamp", t.exchange_time.millis()},
            {"sequence", t.sequence},
            {"exchange", std::string(exchange_name(t.exchange))}};
  if (t.last_quantity != 0) j["last_quantity"] = t.last_quantity;
  if (t.receive_time.millis() != t.exchange_time.millis()) j["receive_timestamp"] = t.receive_time.millis();
  return j;
}

json to_json(const Candle& c) {
  json j = {{"time", c.start.to_iso_utc()}, {"symbol", c.symbol.str()},   {"open", price_json(c.open)},
            {"high", price_json(c.high)},   {"low", price_json(c.low)},    {"close", price_json(c.close)},
            {"volume", c.volume},           {"trades", c.trades},          {"vwap", price_json(c.vwap)}};
  if (c.interval != Interval::k1m) j["interval"] = std::string(interval_name(c.interval));
  return j;
}

namespace {

json macd_json(const MacdValue& m) {
  return {{"value", num(m.value)}, {"signal", num(m.signal)}, {"histogram", num(m.histogram)}};
}
json bollinger_json(const BollingerValue& b) {
  return {{"upper", num(b.upper)}, {"middle", num(b.middle)}, {"lower", num(b.lower)}};
}
json movers_json(const std::vector<Mover>& movers) {
  json a = json::array();
  for (const Mover& m : movers) {
    a.push_back({{"symbol", m.symbol.str()}, {"ltp", price_json(m.ltp)}, {"change_percent", num(m.change_percent)}});
  }
  return a;
}

}  // namespace

json to_json(const Scorecard& s) {
  return json{{"symbol", s.symbol.str()},
              {"timestamp", s.timestamp.to_iso_utc()},
              {"ltp", price_json(s.ltp)},
              {"rsi", num(s.rsi)},
              {"macd", macd_json(s.macd)},
              {"emas", {{"50", num(s.ema50)}, {"100", num(s.ema100)}, {"200", num(s.ema200)}}},
              {"trend_score", num(s.trend_score)},
              {"ai_prediction", num(s.ai.prediction)},
              {"ai_confidence", num(s.ai.confidence)},
              {"recommendation", std::string(recommendation_name(s.recommendation))},
              {"change", num(s.change)},
              {"change_percent", num(s.change_percent)},
              {"volume", s.day_volume},
              {"bollinger", bollinger_json(s.bollinger)},
              {"momentum_score", num(s.momentum_score)},
              {"composite_score", num(s.composite_score)},
              {"ai_model_version", s.ai.model_version},
              {"ai_engine", s.ai_engine},
              {"latency_ms", s.latency_ms()}};
}

json to_json(const Signal& s) {
  const SignalProvenance& p = s.provenance;
  return json{{"action", std::string(recommendation_name(s.action))},
              {"symbol", s.symbol.str()},
              {"price", price_json(s.price)},
              {"id", s.id},
              {"time", s.timestamp.to_iso_utc()},
              {"confidence", num(s.confidence)},
              {"previous", std::string(recommendation_name(s.previous))},
              {"reason", s.reason},
              {"provenance",
               {{"candle_time", p.candle_time.to_iso_utc()},
                {"rsi", num(p.rsi)},
                {"macd", macd_json(p.macd)},
                {"emas", {{"50", num(p.ema50)}, {"100", num(p.ema100)}, {"200", num(p.ema200)}}},
                {"bollinger", bollinger_json(p.bollinger)},
                {"trend_score", num(p.trend_score)},
                {"momentum_score", num(p.momentum_score)},
                {"composite_score", num(p.composite_score)},
                {"ai_prediction", num(p.ai_prediction)},
                {"ai_confidence", num(p.ai_confidence)},
                {"engine", p.engine},
                {"model_version", p.model_version}}}};
}

json to_json(const MarketView& v) {
  json index = nullptr;
  if (v.index) {
    index = {{"symbol", v.index->symbol.str()},
             {"level", price_json(v.index->level)},
             {"change", num(v.index->change)},
             {"change_percent", num(v.index->change_percent)}};
  }
  return json{{"overall", std::string(sentiment_name(v.sentiment))},
              {"breadth", num(v.breadth_ratio)},
              {"timestamp", v.timestamp.to_iso_utc()},
              {"advances", v.advances},
              {"declines", v.declines},
              {"unchanged", v.unchanged},
              {"stocks", v.stocks},
              {"average_change_percent", num(v.average_change_percent)},
              {"gainers", movers_json(v.gainers)},
              {"losers", movers_json(v.losers)},
              {"index", index}};
}

}  // namespace nifty::model
