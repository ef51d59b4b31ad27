// Shared pieces of the libFuzzer targets in tests/fuzz: the real NIFTY 50 universe (loaded once),
// a fixed receive time, and the invariant checks every accepted tick must pass. A violated
// invariant calls __builtin_trap(), which libFuzzer reports as a crash with the input saved.
// Single-threaded: libFuzzer calls a target from one thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/timestamp.h"
#include "model/instrument.h"
#include "model/price.h"
#include "model/tick.h"

namespace nifty::fuzz {

// 2024-01-25T05:00:00Z (10:30 IST, a trading day). The seed packets carry exchange times near it.
inline constexpr int64_t kReceiveUnixSeconds = 1'706'158'800;
inline const core::Timestamp kReceiveTime = core::Timestamp::from_seconds(kReceiveUnixSeconds);

// The store keeps prices as NUMERIC(10, 2) rupees (spec: candles_1m): at most 99,999,999.99, i.e.
// 9,999,999,999 paise in magnitude. A parsed price beyond it cannot be stored.
inline constexpr int64_t kNumericMaxPaise = 9'999'999'999;

// Prints `what` and traps: the fuzzer keeps the input as a crash reproducer.
[[noreturn]] inline void violated(const char* what) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  __builtin_trap();
}

#define NIFTY_FUZZ_EXPECT(cond)                           \
  do {                                                    \
    if (!(cond)) ::nifty::fuzz::violated(#cond);          \
  } while (0)

// The universe of ../shared/data/nifty50.csv (50 equities + the NIFTY 50 index), loaded on first use.
inline const model::Universe& universe() {
  static const model::Universe* u = [] {
    std::string path = std::string(NIFTY_SHARED_DATA_DIR) + "/nifty50.csv";
    auto loaded = model::Universe::load_csv(path);
    if (!loaded.is_ok()) {
      std::fprintf(stderr, "fuzz: cannot load the universe %s: %s\n", path.c_str(),
                   loaded.status().to_string().c_str());
      std::abort();
    }
    return new model::Universe(std::move(*loaded));
  }();
  return *u;
}

// A price that fits NUMERIC(10, 2). `allow_negative`: Kite's wire prices are signed int32 and the
// parser passes them on (TickNormalizer rejects them later); Noren and mStock never yield one.
inline bool price_fits(model::Price p, bool allow_negative) {
  if (p.paise() < 0) return allow_negative && p.paise() >= -kNumericMaxPaise;
  return p.paise() <= kNumericMaxPaise;
}

// Invariants of every tick a parser emits, whatever the broker.
inline void check_tick_common(const model::Tick& t) {
  NIFTY_FUZZ_EXPECT(!t.symbol.empty());
  const model::Instrument* ins = universe().find(t.symbol);
  NIFTY_FUZZ_EXPECT(ins != nullptr);  // the tick's symbol is in the universe
  NIFTY_FUZZ_EXPECT(t.receive_time == kReceiveTime);
  NIFTY_FUZZ_EXPECT(t.cumulative_volume >= 0 && t.cumulative_volume <= model::kMaxQuantity);
  NIFTY_FUZZ_EXPECT(t.last_quantity >= 0 && t.last_quantity <= model::kMaxQuantity);
  NIFTY_FUZZ_EXPECT(t.exchange_time.nanos() >= 0);
  NIFTY_FUZZ_EXPECT(t.volume_delta == 0);  // set by TickNormalizer, never by a parser
}

}  // namespace nifty::fuzz
