// SignalStore: the port through which Signals are kept and read back (spec layer 6: every signal
// is stored as well as published). Adapters: sqlite/ (a `signals` table in the candle database
// file), memory/ (tests and backtests).
//
// Contract shared by every adapter (tests/signal_store_contract_test.cpp runs it against each):
// - A signal is keyed by its id. Appending an id that is already stored replaces that signal, so
//   re-running a replay over the same data (same ids) does not duplicate signals.
// - Times are whole seconds (signals are stamped with candle starts, and the SQLite `signals.time`
//   then joins with the candle tables' `time`). A signal without an id or a symbol, with a
//   sub-second time, a price outside NUMERIC(10,2) or a non-finite confidence is rejected
//   (kInvalidArgument) and nothing is written.
// - range() returns the signals whose time lies in [from, to), oldest first (ties by symbol, then
//   id), optionally of one symbol; each comes back equal to what was appended.
//
// Threading: every adapter in this module is safe to call from several threads at once.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/timestamp.h"
#include "model/scorecard.h"
#include "model/symbol.h"

#include <span>

namespace nifty::store {

class SignalStore {
 public:
  virtual ~SignalStore() = default;

  // Stores one signal (replacing a stored one with the same id).
  virtual core::Status append(const model::Signal& signal) = 0;
  // Stores several signals at once: all or none (one transaction where the backend has them).
  virtual core::Status append_all(std::span<const model::Signal> signals) = 0;
  // Signals with from <= time < to, oldest first; only `symbol`'s when given.
  virtual core::Result<std::vector<model::Signal>> range(core::Timestamp from, core::Timestamp to,
                                                         std::optional<model::Symbol> symbol = std::nullopt) = 0;
  // The adapter's name for metrics and logs: "sqlite", "memory".
  virtual std::string_view backend() const = 0;
};

// Checks what every adapter requires of a signal (see the contract above). The error names the
// signal's id (or symbol and time when it has no id).
core::Status validate_signal(const model::Signal& signal);

}  // namespace nifty::store
