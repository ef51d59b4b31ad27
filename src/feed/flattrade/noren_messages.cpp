#include "feed/flattrade/noren_messages.h"

#include <nlohmann/json.hpp>

namespace nifty::feed::flattrade {

NorenMessageType message_type_of(std::string_view t) {
  if (t == "tf") return NorenMessageType::kTouchlinePartial;
  if (t == "df") return NorenMessageType::kDepthPartial;
  if (t == "tk") return NorenMessageType::kTouchlineFull;
  if (t == "dk") return NorenMessageType::kDepthFull;
  if (t == "ck" || t == "ak") return NorenMessageType::kConnectAck;
  if (t == "h") return NorenMessageType::kHeartbeat;
  if (t == "om" || t == "ok") return NorenMessageType::kOrderUpdate;
  return NorenMessageType::kOther;
}

bool is_valid_key(std::string_view key) {
  size_t bar = key.find('|');
  if (bar == std::string_view::npos || bar == 0 || bar + 1 == key.size()) return false;
  for (size_t i = 0; i < bar; ++i) {
    if (key[i] < 'A' || key[i] > 'Z') return false;
  }
  for (size_t i = bar + 1; i < key.size(); ++i) {
    if (key[i] < '0' || key[i] > '9') return false;
  }
  return true;
}

core::Result<std::string> build_connect(NorenConnectForm form, std::string_view uid, std::string_view actid,
                                        std::string_view token) {
  if (uid.empty() || actid.empty() || token.empty()) {
    return core::error(core::ErrorCode::kInvalidArgument, "noren connect: uid, actid and token must be set");
  }
  bool current = form == NorenConnectForm::kAccessToken;
  nlohmann::ordered_json j;
  j["t"] = current ? "a" : "c";
  j["uid"] = std::string(uid);
  j["actid"] = std::string(actid);
  j[current ? "accesstoken" : "susertoken"] = std::string(token);
  j["source"] = "API";
  return j.dump();
}

namespace {

core::Result<std::string> build_keyed(std::string_view t, std::span<const std::string> keys) {
  if (keys.empty()) {
    return core::error(core::ErrorCode::kInvalidArgument, "noren " + std::string(t) + ": no scrip keys");
  }
  std::string k;
  for (const std::string& key : keys) {
    if (!is_valid_key(key)) {
      return core::error(core::ErrorCode::kInvalidArgument,
                         "noren " + std::string(t) + ": bad scrip key '" + key + "' (want EXCH|token)");
    }
    if (!k.empty()) k += '#';
    k += key;
  }
  nlohmann::ordered_json j;
  j["t"] = std::string(t);
  j["k"] = std::move(k);
  return j.dump();
}

}  // namespace

core::Result<std::string> build_subscribe(NorenFeedKind kind, std::span<const std::string> keys) {
  return build_keyed(kind == NorenFeedKind::kTouchline ? "t" : "d", keys);
}

core::Result<std::string> build_unsubscribe(NorenFeedKind kind, std::span<const std::string> keys) {
  return build_keyed(kind == NorenFeedKind::kTouchline ? "u" : "ud", keys);
}

std::string build_heartbeat() { return R"({"t":"h"})"; }

}  // namespace nifty::feed::flattrade
