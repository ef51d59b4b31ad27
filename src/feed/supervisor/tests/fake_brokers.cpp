#include "feed/supervisor/tests/fake_brokers.h"

#include <nlohmann/json.hpp>

#include <cstring>

namespace nifty::feed::testing {

using namespace std::chrono_literals;
using net::testing::AcceptDecision;
using net::testing::UpgradeRequest;
using SteadyClock = std::chrono::steady_clock;

// ---- encoders -----------------------------------------------------------------------------------

namespace {

void put_be16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void put_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

template <typename T>
void put_le(std::string& out, T v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string hex_bytes(std::string_view hex) {
  std::string out;
  int high = -1;
  for (char c : hex) {
    int v = hex_value(c);
    if (v < 0) continue;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<char>(high * 16 + v));
      high = -1;
    }
  }
  return out;
}

std::string encode_kite_full(const KiteFullPacket& p) {
  std::string out;
  out.reserve(184);
  put_be32(out, p.token);
  put_be32(out, static_cast<uint32_t>(p.last_price));
  put_be32(out, p.last_quantity);
  put_be32(out, static_cast<uint32_t>(p.average_price));
  put_be32(out, p.volume);
  put_be32(out, p.buy_quantity);
  put_be32(out, p.sell_quantity);
  put_be32(out, static_cast<uint32_t>(p.open));
  put_be32(out, static_cast<uint32_t>(p.high));
  put_be32(out, static_cast<uint32_t>(p.low));
  put_be32(out, static_cast<uint32_t>(p.close));
  put_be32(out, p.last_trade_time);
  put_be32(out, p.oi);
  put_be32(out, p.oi_high);
  put_be32(out, p.oi_low);
  put_be32(out, p.exchange_time);
  for (const KiteDepthLevel& d : p.depth) {
    put_be32(out, d.quantity);
    put_be32(out, static_cast<uint32_t>(d.price));
    put_be16(out, d.orders);
    put_be16(out, 0);  // padding
  }
  return out;
}

std::string encode_kite_index_full(const KiteIndexPacket& p) {
  std::string out;
  out.reserve(32);
  put_be32(out, p.token);
  for (int32_t v : {p.last_price, p.high, p.low, p.open, p.close, p.change}) put_be32(out, static_cast<uint32_t>(v));
  put_be32(out, p.exchange_time);
  return out;
}

std::string kite_frame(std::span<const std::string> packets) {
  std::string out;
  put_be16(out, static_cast<uint16_t>(packets.size()));
  for (const std::string& p : packets) {
    put_be16(out, static_cast<uint16_t>(p.size()));
    out += p;
  }
  return out;
}

std::string kite_sample_v1_frame() {
  return hex_bytes(
      "000200b800063a010001fb71000000020001f805005c8e0b0005f3e50006423d0001f6260001fe1e0001f23e0001f0ea602107270000"
      "0000000000000000000060210727000008320001fb6c000a0000000000060001fb6200020000000000870001fb580005000000000001"
      "0001fb5300010000000000370001fb4e000200000000014f0001fb7100070000000000010001fb76000100000000002d0001fb940002"
      "0000000000780001fb9900020000000000e90001fb9e0003000000b8002d10010004e5ac000000940004dd700022828300023cd60002"
      "39d40004dde60004ec280004d07b0004d1936021072600000000000000000000000060210726000000010004e5ca000100000000012c"
      "0004e5ac000100000000008a0004e59d000100000000001f0004e59300010000000000340004e58900010000000000100004e5e30002"
      "0000000000230004e5ed000100000000002f0004e5f2000200000000001e0004e5f7000300000000029e0004e5fc00010000");
}

std::string kite_sample_v2_packet() {
  return hex_bytes(
      "00063a01000266ba000000070002656d001232170003e9bb00058a01000264f30002673c000261c90002646c60e2947f0000000000"
      "0000000000000060e2947f000000050002669c000100000000008c0002667400020000000000020002666f00010000000000db0002"
      "666a00070000000000320002666500010000000000ac000266ba000300000000002c000266bf000300000000012e000266c9000300"
      "000000008d000266ce00020000000002d4000266d300050000");
}

std::string encode_mstock_quote(const MstockQuotePacket& p) {
  std::string out;
  out.reserve(123);
  out.push_back(static_cast<char>(p.mode));
  out.push_back(static_cast<char>(p.exchange_type));
  std::string token = p.token.substr(0, 25);
  token.resize(25, '\0');
  out += token;
  for (int64_t v : {p.sequence, p.exchange_time, p.last_price, p.last_quantity, p.average_price, p.volume})
    put_le(out, v);
  put_le(out, p.buy_quantity);
  put_le(out, p.sell_quantity);
  for (int64_t v : {p.open, p.high, p.low, p.close}) put_le(out, v);
  return out;
}

std::string mstock_batch(std::span<const std::string> packets) {
  std::string out;
  put_le(out, static_cast<uint16_t>(packets.size()));
  put_le(out, static_cast<uint16_t>(packets.empty() ? 0 : packets.front().size()));
  for (const std::string& p : packets) out += p;
  return out;
}

std::string rupees_string(int64_t paise) {
  std::string frac = std::to_string(paise % 100);
  if (frac.size() < 2) frac.insert(0, "0");
  return std::to_string(paise / 100) + "." + frac;
}

std::string noren_json(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = "{";
  for (const auto& [k, v] : fields) {
    if (out.size() > 1) out += ',';
    out += '"' + k + "\":\"" + v + '"';
  }
  return out + "}";
}

std::optional<std::string> query_param(std::string_view target, std::string_view key) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      std::string value;
      std::string_view raw = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '%' && i + 2 < raw.size() + 0 && hex_value(raw[i + 1]) >= 0 && hex_value(raw[i + 2]) >= 0) {
          value.push_back(static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2])));
          i += 2;
        } else {
          value.push_back(raw[i]);
        }
      }
      return value;
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// ---- market -------------------------------------------------------------------------------------

FakeMarket::FakeMarket(std::vector<FakeStock> stocks, std::chrono::microseconds interval, int64_t start_seconds)
    : stocks_(std::move(stocks)), interval_(interval), start_seconds_(start_seconds) {
  t0_ = SteadyClock::now() - interval_ * static_cast<int64_t>(stocks_.size());
}

size_t FakeMarket::step_now() const {
  return static_cast<size_t>((SteadyClock::now() - t0_) / interval_);
}

FakeMarket::Quote FakeMarket::quote(size_t s, size_t step) const {
  const size_t n = stocks_.size();
  size_t k = step >= s ? (step - s) / n : 0;  // the stock's own update number
  size_t last_step = s + k * n;
  Quote q;
  // A walk of +-5 paise steps within 40 ticks of the base; volume rises on every update.
  int64_t wave = static_cast<int64_t>((k * 7) % 41) - 20;
  q.price = stocks_[s].base_price + 5 * wave;
  q.volume = 10'000 + static_cast<int64_t>(s) * 1'000'000 + 25 * static_cast<int64_t>(k + 1);
  q.exchange_seconds =
      start_seconds_ + std::chrono::duration_cast<std::chrono::seconds>(interval_ * static_cast<int64_t>(last_step)).count();
  q.bid = q.price - 5;
  q.ask = q.price + 5;
  return q;
}

const FakeStock* FakeMarket::by_kite_token(uint32_t t) const {
  for (const FakeStock& s : stocks_)
    if (s.kite_token == t) return &s;
  return nullptr;
}

const FakeStock* FakeMarket::by_nse_token(uint32_t t) const {
  for (const FakeStock& s : stocks_)
    if (s.nse_token == t) return &s;
  return nullptr;
}

// ---- FakeBroker ---------------------------------------------------------------------------------

FakeBroker::FakeBroker(std::string vendor, const FakeMarket& market, Options options)
    : vendor_(std::move(vendor)), market_(market), options_(options) {}

core::Status FakeBroker::start_server() {
  net::testing::TestWebSocketServer::Options o;
  o.tls = options_.tls;
  o.on_upgrade = [this](const UpgradeRequest& r) {
    if (down_) return AcceptDecision::refuse(503, "down for the test");
    std::lock_guard lock(mu_);
    return decide(r);
  };
  auto server = net::testing::TestWebSocketServer::start(std::move(o));
  if (!server) return server.status();
  server_ = std::move(server).value();
  acceptor_ = std::thread([this] { accept_loop(); });
  streamer_ = std::thread([this] { stream_loop(); });
  return {};
}

FakeBroker::~FakeBroker() { stop(); }

void FakeBroker::stop() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  if (streamer_.joinable()) streamer_.join();
  std::map<size_t, std::unique_ptr<Conn>> conns;
  {
    std::lock_guard lock(mu_);
    conns.swap(conns_);
  }
  for (auto& [n, c] : conns)
    if (c->reader.joinable()) c->reader.join();
  conns.clear();
  server_.reset();
}

void FakeBroker::accept_loop() {
  size_t next = 1;
  while (!stopping_) {
    auto ws = server_->wait_connection(next, 20ms);
    if (!ws) continue;
    ++next;
    if (!ws->upgraded()) continue;
    auto c = std::make_unique<Conn>();
    c->number = next - 1;
    c->ws = ws;
    c->opened = SteadyClock::now();
    Conn* raw = c.get();
    std::lock_guard lock(mu_);
    conns_[raw->number] = std::move(c);
    raw->reader = std::thread([this, raw] { read_loop(raw); });
  }
}

void FakeBroker::read_loop(Conn* c) {
  while (!stopping_) {
    auto m = c->ws->wait_message(5ms);
    std::lock_guard lock(mu_);
    if (m) {
      if (m->binary) {
        on_binary(*c, m->payload);
      } else {
        c->texts.push_back(m->payload);
        on_text(*c, m->payload);
      }
      continue;
    }
    if (c->ws->wait_disconnected(0ms)) {
      c->dead = true;
      return;
    }
    on_idle(*c, SteadyClock::now());
  }
}

void FakeBroker::on_idle(Conn&, SteadyClock::time_point) {}

void FakeBroker::stream_loop() {
  std::vector<size_t> stocks;
  while (!stopping_) {
    std::this_thread::sleep_for(std::min<std::chrono::microseconds>(market_.interval(), 2ms));  // pacing
    if (!streaming_) continue;
    std::lock_guard lock(mu_);
    size_t now = market_.step_now();
    for (auto& [n, cp] : conns_) {
      Conn& c = *cp;
      if (c.dead || c.silent || c.streaming.empty() || (needs_login() && !c.logged_in)) continue;
      if (!c.last_step) {
        stocks.clear();
        for (uint32_t t : c.streaming)
          if (const FakeStock* s = stock_for(t)) stocks.push_back(market_.index_of(s));
        send_quotes(c, stocks, now, true);
        c.last_step = now;
        continue;
      }
      if (now <= *c.last_step) continue;
      stocks.clear();
      // Each step updates one stock; send the ones this connection streams, in step order. A long
      // stall (more than two rounds) sends each stock's latest quote once instead.
      size_t from = std::max(*c.last_step + 1, now >= 2 * market_.stocks().size() ? now - 2 * market_.stocks().size() + 1 : 0);
      for (size_t step = from; step <= now; ++step) {
        size_t s = market_.stock_of(step);
        const FakeStock& st = market_.stocks()[s];
        uint32_t token = vendor_ == "kite" ? st.kite_token : st.nse_token;
        if (c.streaming.count(token) == 0) continue;
        if (std::find(stocks.begin(), stocks.end(), s) != stocks.end()) continue;
        stocks.push_back(s);
      }
      if (!stocks.empty()) send_quotes(c, stocks, now, false);
      c.last_step = now;
    }
  }
}

void FakeBroker::record(const FakeStock& s, const FakeMarket::Quote& q) {
  sent_.push_back({vendor_, s.symbol, q.price, q.volume, q.exchange_seconds, SteadyClock::now()});
}

std::shared_ptr<net::testing::TestConnection> FakeBroker::connection(size_t n, std::chrono::milliseconds timeout) {
  return server_->wait_connection(n, timeout);
}

bool FakeBroker::wait_subscribed(size_t n, std::chrono::milliseconds timeout) {
  auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      auto it = conns_.find(n);
      if (it != conns_.end() && !it->second->streaming.empty() && (!needs_login() || it->second->logged_in))
        return true;
    }
    if (SteadyClock::now() >= deadline) return false;
    std::this_thread::sleep_for(2ms);  // polling interval
  }
}

size_t FakeBroker::current() const {
  std::lock_guard lock(mu_);
  size_t best = 0;
  for (const auto& [n, c] : conns_)
    if (!c->dead && !c->streaming.empty()) best = n;
  return best;
}

#define NIFTY_FAKE_FIELD(name, field, type)           \
  type FakeBroker::name(size_t n) const {             \
    std::lock_guard lock(mu_);                        \
    auto it = conns_.find(n);                         \
    return it == conns_.end() ? type{} : it->second->field; \
  }
NIFTY_FAKE_FIELD(texts, texts, std::vector<std::string>)
NIFTY_FAKE_FIELD(subscribed, tokens, std::set<uint32_t>)
NIFTY_FAKE_FIELD(subscribes, subscribes, int)
NIFTY_FAKE_FIELD(unsubscribes, unsubscribes, int)
NIFTY_FAKE_FIELD(heartbeats, heartbeats, int)
#undef NIFTY_FAKE_FIELD

void FakeBroker::send_text(size_t n, std::string_view text) {
  std::lock_guard lock(mu_);
  auto it = conns_.find(n);
  if (it != conns_.end()) it->second->ws->send_text(text);
}

void FakeBroker::send_binary(size_t n, std::string_view bytes) {
  std::lock_guard lock(mu_);
  auto it = conns_.find(n);
  if (it != conns_.end()) it->second->ws->send_binary(bytes);
}

void FakeBroker::go_silent(size_t n) {
  std::lock_guard lock(mu_);
  auto it = conns_.find(n);
  if (it == conns_.end()) return;
  it->second->silent = true;
  it->second->ws->go_silent();
}

void FakeBroker::set_down(bool down) {
  down_ = down;
  if (!down) return;
  std::lock_guard lock(mu_);
  for (auto& [n, c] : conns_) {
    c->silent = true;  // nothing more is sent on it
    c->ws->drop();
  }
}

std::vector<SentTick> FakeBroker::sent() const {
  std::lock_guard lock(mu_);
  return sent_;
}

// ---- FakeKite -----------------------------------------------------------------------------------

core::Result<std::unique_ptr<FakeKite>> FakeKite::start(const FakeMarket& market, Credentials credentials,
                                                        Options options) {
  std::unique_ptr<FakeKite> k(new FakeKite(market, std::move(credentials), options));
  core::Status s = k->start_server();
  if (!s) return s;
  return k;
}

AcceptDecision FakeKite::decide(const UpgradeRequest& request) {
  auto key = query_param(request.target, "api_key");
  auto token = query_param(request.target, "access_token");
  if (!key || !token) return AcceptDecision::refuse(400, "api_key and access_token required");
  if (request.header("X-Kite-Version") != "3") return AcceptDecision::refuse(400, "X-Kite-Version 3 required");
  if (*key != credentials_.api_key || *token != credentials_.access_token) {
    return AcceptDecision::refuse(403, "{\"status\":\"error\",\"message\":\"Invalid `api_key` or `access_token`.\","
                                       "\"error_type\":\"TokenException\"}");
  }
  return AcceptDecision::accept();
}

std::map<uint32_t, std::string> FakeKite::modes(size_t n) const {
  std::lock_guard lock(mu_);
  auto it = modes_.find(n);
  return it == modes_.end() ? std::map<uint32_t, std::string>{} : it->second;
}

void FakeKite::on_text(Conn& c, const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  auto error = [&] { c.ws->send_text(R"({"type":"error","id":"","data":"error parsing request"})"); };
  if (j.is_discarded() || !j.is_object() || !j.contains("a") || !j["a"].is_string()) return error();
  const std::string a = j["a"].get<std::string>();
  const auto& v = j["v"];
  auto numeric_tokens = [&](const nlohmann::json& arr, std::vector<uint32_t>& out) {
    if (!arr.is_array()) return false;
    for (const auto& t : arr) {
      if (!t.is_number_unsigned()) return false;  // strings get nothing (1.2)
      out.push_back(t.get<uint32_t>());
    }
    return true;
  };
  std::vector<uint32_t> tokens;
  if (a == "subscribe" || a == "unsubscribe") {
    if (!numeric_tokens(v, tokens)) return error();
    for (uint32_t t : tokens) {
      if (a == "subscribe") {
        c.tokens.insert(t);
      } else {
        c.tokens.erase(t);
        c.streaming.erase(t);
        modes_[c.number].erase(t);
      }
    }
    (a == "subscribe" ? c.subscribes : c.unsubscribes)++;
  } else if (a == "mode") {
    if (!v.is_array() || v.size() != 2 || !v[0].is_string() || !numeric_tokens(v[1], tokens)) return error();
    std::string mode = v[0].get<std::string>();
    for (uint32_t t : tokens) {
      if (c.tokens.count(t) == 0) continue;
      modes_[c.number][t] = mode;
      if (mode == "full") {
        c.streaming.insert(t);
      } else {
        c.streaming.erase(t);
      }
    }
  } else {
    return error();
  }
}

void FakeKite::on_idle(Conn& c, SteadyClock::time_point now) {
  if (options_.heartbeat_interval.count() == 0 || c.silent) return;
  if (now - c.last_send >= options_.heartbeat_interval) {
    c.ws->send_binary(kite_heartbeat());
    c.last_send = now;
  }
}

void FakeKite::send_quotes(Conn& c, std::span<const size_t> stocks, size_t step, bool) {
  std::vector<std::string> packets;
  packets.reserve(stocks.size());
  for (size_t s : stocks) {
    const FakeStock& st = market_.stocks()[s];
    FakeMarket::Quote q = market_.quote(s, step);
    KiteFullPacket p;
    p.token = st.kite_token;
    p.last_price = static_cast<int32_t>(q.price);
    p.last_quantity = 1;
    p.average_price = static_cast<int32_t>(st.base_price);
    p.volume = static_cast<uint32_t>(q.volume);
    p.open = p.high = p.low = p.close = static_cast<int32_t>(st.base_price);
    p.last_trade_time = static_cast<uint32_t>(q.exchange_seconds);
    p.exchange_time = static_cast<uint32_t>(q.exchange_seconds);
    for (size_t i = 0; i < 5; ++i) {
      p.depth[i] = {100, static_cast<int32_t>(q.bid - 5 * static_cast<int64_t>(i)), 1};
      p.depth[5 + i] = {100, static_cast<int32_t>(q.ask + 5 * static_cast<int64_t>(i)), 1};
    }
    packets.push_back(encode_kite_full(p));
    record(st, q);
  }
  c.ws->send_binary(kite_frame(packets));
  c.last_send = SteadyClock::now();
}

// ---- FakeNoren ----------------------------------------------------------------------------------

core::Result<std::unique_ptr<FakeNoren>> FakeNoren::start(const FakeMarket& market, Credentials credentials,
                                                          Options options) {
  std::unique_ptr<FakeNoren> k(new FakeNoren(market, std::move(credentials), options));
  core::Status s = k->start_server();
  if (!s) return s;
  return k;
}

namespace {

std::string string_or_empty(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// "NSE|2885#NSE|11536" -> NSE tokens; false on anything else.
bool noren_keys(const std::string& k, std::vector<uint32_t>& out) {
  size_t pos = 0;
  while (pos <= k.size()) {
    size_t hash = k.find('#', pos);
    std::string item = k.substr(pos, hash == std::string::npos ? std::string::npos : hash - pos);
    if (item.rfind("NSE|", 0) != 0 || item.size() == 4) return false;
    try {
      out.push_back(static_cast<uint32_t>(std::stoul(item.substr(4))));
    } catch (...) {
      return false;
    }
    if (hash == std::string::npos) break;
    pos = hash + 1;
  }
  return !out.empty();
}

}  // namespace

void FakeNoren::on_text(Conn& c, const std::string& text) {
  if (c.refused_login) return;  // a rejected session stays open and says nothing more
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return;
  const std::string t = string_or_empty(j, "t");
  if (t == "a") {
    bool ok = string_or_empty(j, "uid") == credentials_.user_id && string_or_empty(j, "source") == "API" &&
              string_or_empty(j, "accesstoken") == credentials_.access_token;
    if (ok) {
      c.logged_in = true;
      c.ws->send_text(noren_json({{"t", "ak"}, {"uid", credentials_.user_id}, {"s", "OK"}}));
    } else {
      c.refused_login = true;
      c.ws->send_text(noren_json({{"t", "ak"}, {"s", "Not_Ok"}, {"emsg", "Invalid Access Token"}}));
    }
    return;
  }
  if (!c.logged_in) return;
  if (t == "h") {
    ++c.heartbeats;
    return;
  }
  std::vector<uint32_t> tokens;
  if ((t == "t" || t == "u") && noren_keys(string_or_empty(j, "k"), tokens)) {
    if (t == "u") {
      ++c.unsubscribes;
      for (uint32_t tok : tokens) {
        c.tokens.erase(tok);
        c.streaming.erase(tok);
      }
      c.ws->send_text(noren_json({{"t", "uk"}, {"k", string_or_empty(j, "k")}}));
      return;
    }
    ++c.subscribes;
    std::vector<size_t> stocks;
    for (uint32_t tok : tokens) {
      c.tokens.insert(tok);
      c.streaming.insert(tok);
      if (const FakeStock* s = stock_for(tok)) stocks.push_back(market_.index_of(s));
    }
    size_t now = market_.step_now();
    send_quotes(c, stocks, now, true);  // the "tk" acknowledgement carries the snapshot
    if (!c.last_step || *c.last_step < now) c.last_step = now;
  }
}

void FakeNoren::send_quotes(Conn& c, std::span<const size_t> stocks, size_t step, bool snapshot) {
  for (size_t s : stocks) {
    const FakeStock& st = market_.stocks()[s];
    FakeMarket::Quote q = market_.quote(s, step);
    auto key = std::make_pair(c.number, st.nse_token);
    auto last = last_sent_.find(key);
    std::vector<std::pair<std::string, std::string>> f;
    if (snapshot || last == last_sent_.end()) {
      f = {{"t", "tk"},
           {"e", "NSE"},
           {"tk", std::to_string(st.nse_token)},
           {"ts", st.symbol + "-EQ"},
           {"pp", "2"},
           {"ti", "0.05"},
           {"ls", "1"},
           {"lp", rupees_string(q.price)},
           {"pc", "0.00"},
           {"v", std::to_string(q.volume)},
           {"o", rupees_string(st.base_price)},
           {"h", rupees_string(st.base_price + 100)},
           {"l", rupees_string(st.base_price - 100)},
           {"c", rupees_string(st.base_price)},
           {"ap", rupees_string(st.base_price)},
           {"bp1", rupees_string(q.bid)},
           {"bq1", "100"},
           {"sp1", rupees_string(q.ask)},
           {"sq1", "100"},
           {"ft", std::to_string(q.exchange_seconds)}};
    } else {
      // Only what changed, plus e and tk (3.4).
      const FakeMarket::Quote& p = last->second;
      f = {{"t", "tf"}, {"e", "NSE"}, {"tk", std::to_string(st.nse_token)}};
      if (q.price != p.price) f.emplace_back("lp", rupees_string(q.price));
      if (q.volume != p.volume) f.emplace_back("v", std::to_string(q.volume));
      if (q.bid != p.bid) f.emplace_back("bp1", rupees_string(q.bid));
      if (q.ask != p.ask) f.emplace_back("sp1", rupees_string(q.ask));
      if (q.exchange_seconds != p.exchange_seconds) f.emplace_back("ft", std::to_string(q.exchange_seconds));
    }
    last_sent_[key] = q;
    c.ws->send_text(noren_json(f));
    record(st, q);
  }
  c.last_send = SteadyClock::now();
}

// ---- FakeMstock ---------------------------------------------------------------------------------

core::Result<std::unique_ptr<FakeMstock>> FakeMstock::start(const FakeMarket& market, Credentials credentials,
                                                            Options options) {
  std::unique_ptr<FakeMstock> k(new FakeMstock(market, std::move(credentials), options));
  core::Status s = k->start_server();
  if (!s) return s;
  return k;
}

AcceptDecision FakeMstock::decide(const UpgradeRequest& request) {
  auto key = query_param(request.target, "API_KEY");
  auto token = query_param(request.target, "ACCESS_TOKEN");
  if (!key || !token || *key != credentials_.api_key || *token != credentials_.jwt) {
    return AcceptDecision::refuse(403, "not authenticated");
  }
  return AcceptDecision::accept();
}

void FakeMstock::on_text(Conn& c, const std::string& text) {
  if (!c.logged_in) {
    if (text == "LOGIN:" + credentials_.jwt) {
      c.logged_in = true;
      c.ws->send_text(R"({"status":"success","message":"login successful"})");
    } else {
      c.refused_login = true;
      c.ws->send_text(R"({"type":"error","data":"invalid login token"})");
    }
    return;
  }
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return;
  auto action = j.find("action");
  auto params = j.find("params");
  if (action == j.end() || !action->is_number_integer() || params == j.end() || !params->is_object()) return;
  auto list = params->find("tokenList");
  if (list == params->end() || !list->is_array()) return;
  bool subscribe = action->get<int>() == 1;
  (subscribe ? c.subscribes : c.unsubscribes)++;
  for (const auto& group : *list) {
    if (!group.is_object() || group.value("exchangeType", 0) != 1) continue;
    auto tokens = group.find("tokens");
    if (tokens == group.end() || !tokens->is_array()) continue;
    for (const auto& t : *tokens) {
      if (!t.is_string()) continue;  // strings of NSE scrip tokens (2.3)
      uint32_t tok = 0;
      try {
        tok = static_cast<uint32_t>(std::stoul(t.get<std::string>()));
      } catch (...) {
        continue;
      }
      if (subscribe) {
        c.tokens.insert(tok);
        c.streaming.insert(tok);
      } else {
        c.tokens.erase(tok);
        c.streaming.erase(tok);
      }
    }
  }
}

void FakeMstock::on_idle(Conn& c, SteadyClock::time_point now) {
  if (c.logged_in || c.dead || c.silent) return;
  if (now - c.opened >= options_.login_deadline) {
    c.silent = true;
    c.ws->close(1008, "LOGIN not received");
  }
}

void FakeMstock::send_quotes(Conn& c, std::span<const size_t> stocks, size_t step, bool) {
  std::vector<std::string> packets;
  for (size_t s : stocks) {
    const FakeStock& st = market_.stocks()[s];
    FakeMarket::Quote q = market_.quote(s, step);
    MstockQuotePacket p;
    p.token = std::to_string(st.nse_token);
    p.sequence = ++sequence_;
    p.exchange_time = q.exchange_seconds - 315'532'800;  // seconds since 1980-01-01 UTC
    p.last_price = q.price;
    p.last_quantity = 1;
    p.average_price = st.base_price;
    p.volume = q.volume;
    p.buy_quantity = 1000.0;
    p.sell_quantity = 2000.0;
    p.open = p.high = p.low = p.close = st.base_price;
    packets.push_back(encode_mstock_quote(p));
    record(st, q);
  }
  if (packets.empty()) return;
  c.ws->send_binary(packets.size() == 1 ? packets.front() : mstock_batch(packets));
  c.last_send = SteadyClock::now();
}

}  // namespace nifty::feed::testing
