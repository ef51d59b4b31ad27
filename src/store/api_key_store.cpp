#include "store/api_key_store.h"

#include <cmath>

namespace nifty::store {

core::Status validate_api_key(const ApiKey& key) {
  if (key.id.empty()) return core::error(core::ErrorCode::kInvalidArgument, "api key: empty id");
  if (!(key.rate_per_second > 0.0) || !std::isfinite(key.rate_per_second)) {
    return core::error(core::ErrorCode::kInvalidArgument,
                       "api key '" + key.id + "': rate_per_second must be a positive number");
  }
  if (key.burst <= 0) {
    return core::error(core::ErrorCode::kInvalidArgument, "api key '" + key.id + "': burst must be positive");
  }
  if (key.tier.empty()) return core::error(core::ErrorCode::kInvalidArgument, "api key '" + key.id + "': empty tier");
  return core::Status::ok();
}

}  // namespace nifty::store
