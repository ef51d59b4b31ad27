// Kite connection planning: splits the instrument tokens to subscribe across WebSocket connections
// within Kite's limits (broker-protocols.md 1.1: at most 3 connections per API key, at most 3000
// instruments per connection). Uses as few connections as the count needs and balances the tokens
// across them (so a reconnect of one connection disturbs as few instruments as possible).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"

namespace nifty::feed::live {

struct KiteLimits {
  size_t max_connections = 3;                    // per API key
  size_t max_instruments_per_connection = 3000;
};

// The tokens of each connection, in input order within each; duplicates are dropped (keeping the
// first), so no instrument is subscribed twice. No tokens: no connection. Errors: kInvalidArgument
// for a token of 0 or limits of 0; kResourceExhausted when the distinct tokens do not fit, naming
// the numbers ("kite: 9001 instruments exceed 3 connections x 3000 instruments = 9000 per API key").
core::Result<std::vector<std::vector<uint32_t>>> plan_kite_connections(std::span<const uint32_t> tokens,
                                                                       KiteLimits limits = {});

}  // namespace nifty::feed::live
