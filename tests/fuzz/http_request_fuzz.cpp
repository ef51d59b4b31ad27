// libFuzzer target: net::HttpRequestParser, the request parser HttpServer runs on every connection.
// The input is bytes a client sends. Besides "no crash, no sanitizer finding", it checks:
// - a complete request does not depend on how the bytes arrive: one buffer and a split into two
//   reads (at a position taken from the input) give the same request and consumed count;
// - an error has a status the server maps to a response (400, 413, 431, 501, 505), a code and a
//   message; a complete request has an absolute-path target (or "*"), a body within the limit, a
//   path that is the target up to '?', and a header block within the limit.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "net/http_server.h"

namespace {

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  __builtin_trap();
}
#define HTTP_FUZZ_EXPECT(cond) \
  do {                         \
    if (!(cond)) violated(#cond); \
  } while (0)

using nifty::net::HttpParseLimits;
using nifty::net::HttpRequestParser;
using State = HttpRequestParser::State;

constexpr HttpParseLimits kLimits{512, 1024};

// Feeds `a` then `b` the way the server does: unused bytes are offered again with the next read.
nifty::net::HttpParseResult parse_in_two(std::string_view a, std::string_view b) {
  HttpRequestParser p(kLimits);
  std::string pending(a);
  size_t consumed = 0;
  size_t n = p.feed(pending);
  consumed += n;
  pending.erase(0, n);
  if (p.state() == State::kNeedMore) {
    pending.append(b);
    n = p.feed(pending);
    consumed += n;
  }
  nifty::net::HttpParseResult out;
  out.state = p.state();
  out.consumed = consumed;
  if (out.state == State::kComplete) out.request = p.take_request();
  if (out.state == State::kError) out.error = p.error();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t split = data[0] % (size);  // first byte chooses the split point of the rest
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  split = std::min(split, bytes.size());

  auto whole = nifty::net::parse_http_request(bytes, kLimits);
  HTTP_FUZZ_EXPECT(whole.consumed <= bytes.size());
  if (whole.state == State::kError) {
    int s = whole.error.status;
    HTTP_FUZZ_EXPECT(s == 400 || s == 413 || s == 431 || s == 501 || s == 505);
    HTTP_FUZZ_EXPECT(!whole.error.code.empty() && !whole.error.message.empty());
  }
  if (whole.state == State::kComplete) {
    const auto& r = whole.request;
    HTTP_FUZZ_EXPECT(!r.target.empty());
    HTTP_FUZZ_EXPECT(r.target[0] == '/' || (r.target == "*" && r.method == "OPTIONS"));
    HTTP_FUZZ_EXPECT(r.body.size() <= kLimits.max_body_bytes);
    HTTP_FUZZ_EXPECT(r.target.compare(0, r.path.size(), r.path) == 0);
    HTTP_FUZZ_EXPECT(r.version == 10 || r.version == 11);
    size_t header_bytes = r.method.size() + r.target.size();
    for (const auto& [name, value] : r.headers) header_bytes += name.size() + value.size();
    HTTP_FUZZ_EXPECT(header_bytes <= kLimits.max_header_bytes);
    (void)r.header("Host");
    (void)r.is_websocket_upgrade();
  }

  auto two = parse_in_two(bytes.substr(0, split), bytes.substr(split));
  // Beast validates header bytes it has already scanned only once the header is complete, so an
  // error seen in one buffer may still be "need more" after a split (it surfaces later, or as
  // 431/408). A complete request must be the same request either way.
  HTTP_FUZZ_EXPECT((two.state == State::kComplete) == (whole.state == State::kComplete));
  if (whole.state == State::kComplete) {
    HTTP_FUZZ_EXPECT(two.consumed == whole.consumed);
    HTTP_FUZZ_EXPECT(two.request.method == whole.request.method);
    HTTP_FUZZ_EXPECT(two.request.target == whole.request.target);
    HTTP_FUZZ_EXPECT(two.request.headers == whole.request.headers);
    HTTP_FUZZ_EXPECT(two.request.body == whole.request.body);
    HTTP_FUZZ_EXPECT(two.request.query_params == whole.request.query_params);
  }
  return 0;
}
