// LiveTable: the `top`-like view of `nifty run` on a terminal: one row per symbol with last price,
// change %, volume, RSI, trend and recommendation, redrawn in place once a second.
// Threading: render() reads the hot cache (thread-safe) from the UI thread.
#pragma once

#include <string>

#include "engine/pipeline.h"
#include "store/hot_cache.h"

namespace nifty::app {

// The whole screen as text (ANSI escapes only for the cursor and colours when `color`).
std::string render_live_table(store::HotCache& cache, const engine::PipelineStats& stats, std::string_view feed,
                              double elapsed_seconds, bool color, int max_rows);

}  // namespace nifty::app
