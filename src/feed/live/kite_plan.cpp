#include "feed/live/kite_plan.h"

#include <string>
#include <unordered_set>

namespace nifty::feed::live {

core::Result<std::vector<std::vector<uint32_t>>> plan_kite_connections(std::span<const uint32_t> tokens,
                                                                       KiteLimits limits) {
  using core::ErrorCode;
  if (limits.max_connections == 0 || limits.max_instruments_per_connection == 0) {
    return core::error(ErrorCode::kInvalidArgument, "kite: connection limits must be positive");
  }
  std::vector<uint32_t> distinct;
  distinct.reserve(tokens.size());
  std::unordered_set<uint32_t> seen;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] == 0) {
      return core::error(ErrorCode::kInvalidArgument, "kite: instrument token 0 at position " + std::to_string(i));
    }
    if (seen.insert(tokens[i]).second) distinct.push_back(tokens[i]);
  }
  size_t capacity = limits.max_connections * limits.max_instruments_per_connection;
  if (distinct.size() > capacity) {
    return core::error(ErrorCode::kResourceExhausted,
                       "kite: " + std::to_string(distinct.size()) + " instruments exceed " +
                           std::to_string(limits.max_connections) + " connections x " +
                           std::to_string(limits.max_instruments_per_connection) +
                           " instruments = " + std::to_string(capacity) + " per API key");
  }
  std::vector<std::vector<uint32_t>> plan;
  if (distinct.empty()) return plan;
  size_t per = limits.max_instruments_per_connection;
  size_t connections = (distinct.size() + per - 1) / per;
  plan.resize(connections);
  // Contiguous, balanced slices: the first (n % c) connections take one more.
  size_t base = distinct.size() / connections;
  size_t extra = distinct.size() % connections;
  size_t pos = 0;
  for (size_t c = 0; c < connections; ++c) {
    size_t n = base + (c < extra ? 1 : 0);
    plan[c].assign(distinct.begin() + static_cast<std::ptrdiff_t>(pos),
                   distinct.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
  }
  return plan;
}

}  // namespace nifty::feed::live
