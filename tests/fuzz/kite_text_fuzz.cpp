// libFuzzer target: kite::parse_text (the JSON text frames of the Kite ticker).
// The input is one text message. Checks: an error is a kParseError with a message; an accepted
// message's kind agrees with its `type` (error/order/message, anything else kOther), and a
// non-string `data` comes back as JSON that parses again.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "feed/kite/kite_parse.h"
#include "fuzz_support.h"

using namespace nifty;
using feed::kite::TextKind;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = feed::kite::parse_text(text);
  if (!result.is_ok()) {
    NIFTY_FUZZ_EXPECT(result.status().code() == core::ErrorCode::kParseError);
    NIFTY_FUZZ_EXPECT(!result.status().message().empty());
    return 0;
  }
  const feed::kite::TextEvent& ev = *result;
  TextKind want = ev.type == "error"     ? TextKind::kError
                  : ev.type == "order"   ? TextKind::kOrder
                  : ev.type == "message" ? TextKind::kMessage
                                         : TextKind::kOther;
  NIFTY_FUZZ_EXPECT(ev.kind == want);

  // Independent reading of the same text: it must be an object with a string "type" equal to ev.type.
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  NIFTY_FUZZ_EXPECT(!j.is_discarded() && j.is_object());
  auto type = j.find("type");
  NIFTY_FUZZ_EXPECT(type != j.end() && type->is_string() && type->get<std::string>() == ev.type);
  auto d = j.find("data");
  if (d == j.end() || d->is_null()) {
    NIFTY_FUZZ_EXPECT(ev.text.empty());
  } else if (d->is_string()) {
    NIFTY_FUZZ_EXPECT(ev.text == d->get<std::string>());
  } else {
    // Compact JSON of `data`; invalid UTF-8 inside it is replaced, so it must parse again.
    nlohmann::json again = nlohmann::json::parse(ev.text, nullptr, false);
    NIFTY_FUZZ_EXPECT(!again.is_discarded());
  }
  return 0;
}
