// Indicators: the pure-math technical indicators of spec layer 4, each in a streaming (O(1) per
// value) and a batch form, following TA-Lib conventions. See each header for its definition and
// docs/indicators.md for all of them together.
// Not thread-safe per instance; batch functions are pure.
#pragma once

#include "indicators/adx.h"
#include "indicators/atr.h"
#include "indicators/bollinger.h"
#include "indicators/ema.h"
#include "indicators/hlcv.h"
#include "indicators/macd.h"
#include "indicators/obv.h"
#include "indicators/rsi.h"
#include "indicators/sma.h"
#include "indicators/stochastic.h"
#include "indicators/supertrend.h"
#include "indicators/vwap.h"
