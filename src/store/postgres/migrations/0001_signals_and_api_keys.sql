-- Version 1: the tables every deployment has, TimescaleDB or not.

-- Every signal is stored as well as published (spec layer 6). Keyed by the deterministic signal id,
-- so that a replay over the same data replaces instead of duplicating.
CREATE TABLE signals (
  id TEXT PRIMARY KEY,
  time TIMESTAMPTZ NOT NULL,          -- start of the confirming candle
  symbol TEXT NOT NULL,
  action TEXT NOT NULL,               -- recommendation name: STRONG_BUY, BUY, HOLD, SELL, STRONG_SELL
  previous TEXT NOT NULL,
  price NUMERIC(10, 2) NOT NULL,
  confidence DOUBLE PRECISION NOT NULL,
  reason TEXT NOT NULL,
  provenance JSONB NOT NULL           -- the "provenance" object of the signals message
);
CREATE INDEX idx_signals_time ON signals (time);
CREATE INDEX idx_signals_symbol_time ON signals (symbol, time);

-- API keys of the gateway. Only the SHA-256 of a key is kept.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  key_hash BYTEA NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
  label TEXT NOT NULL DEFAULT '',
  tier TEXT NOT NULL DEFAULT 'free',
  rate_per_second DOUBLE PRECISION NOT NULL CHECK (rate_per_second > 0),
  burst INTEGER NOT NULL CHECK (burst > 0),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  revoked_at TIMESTAMPTZ
);
