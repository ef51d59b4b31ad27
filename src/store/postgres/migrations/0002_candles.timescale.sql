-- Version 2 with TimescaleDB: ALL TimescaleDB-only DDL lives in this one file.
-- UNTESTED: the timescaledb extension is not packaged on the development machines; written from the
-- TimescaleDB 2.x documentation (create_hypertable, compression, add_retention_policy, continuous
-- aggregates). The store reads and writes these tables with plain SQL, the same as the native ones.
CREATE EXTENSION IF NOT EXISTS timescaledb;

CREATE TABLE candles_1m (
  time TIMESTAMPTZ NOT NULL,
  symbol TEXT NOT NULL,
  open NUMERIC(10, 2),
  high NUMERIC(10, 2),
  low NUMERIC(10, 2),
  close NUMERIC(10, 2),
  volume BIGINT,
  trades INTEGER,
  vwap NUMERIC(10, 2),
  PRIMARY KEY (symbol, time)
);
CREATE INDEX idx_candles_1m_symbol_time ON candles_1m (symbol, time DESC);
CREATE TABLE candles_5m (LIKE candles_1m, PRIMARY KEY (symbol, time));
CREATE TABLE candles_15m (LIKE candles_1m, PRIMARY KEY (symbol, time));
CREATE TABLE candles_1h (LIKE candles_1m, PRIMARY KEY (symbol, time));
CREATE TABLE candles_1d (LIKE candles_1m, PRIMARY KEY (symbol, time));

-- Hypertables by time with symbol as the space-partitioning column (as the spec), compressed after
-- 7 days segmented by symbol, kept 730 days. The rollup tables are written by the engine as well.
SELECT create_hypertable('candles_1m', 'time', partitioning_column => 'symbol', number_partitions => 4,
                         chunk_time_interval => INTERVAL '7 days');
SELECT create_hypertable('candles_5m', 'time', partitioning_column => 'symbol', number_partitions => 4,
                         chunk_time_interval => INTERVAL '30 days');
SELECT create_hypertable('candles_15m', 'time', partitioning_column => 'symbol', number_partitions => 4,
                         chunk_time_interval => INTERVAL '90 days');
SELECT create_hypertable('candles_1h', 'time', partitioning_column => 'symbol', number_partitions => 4,
                         chunk_time_interval => INTERVAL '180 days');
SELECT create_hypertable('candles_1d', 'time', partitioning_column => 'symbol', number_partitions => 4,
                         chunk_time_interval => INTERVAL '365 days');

ALTER TABLE candles_1m SET (timescaledb.compress, timescaledb.compress_segmentby = 'symbol',
                            timescaledb.compress_orderby = 'time DESC');
SELECT add_compression_policy('candles_1m', INTERVAL '7 days');
ALTER TABLE candles_5m SET (timescaledb.compress, timescaledb.compress_segmentby = 'symbol',
                            timescaledb.compress_orderby = 'time DESC');
SELECT add_compression_policy('candles_5m', INTERVAL '7 days');

SELECT add_retention_policy('candles_1m', INTERVAL '730 days');
SELECT add_retention_policy('candles_5m', INTERVAL '730 days');
SELECT add_retention_policy('candles_15m', INTERVAL '730 days');
SELECT add_retention_policy('candles_1h', INTERVAL '730 days');
SELECT add_retention_policy('candles_1d', INTERVAL '730 days');

-- Continuous aggregates over candles_1m: extra views for ad-hoc analysis; the engine's own rollups
-- stay in candles_5m .. candles_1d. WITH NO DATA so that this file can run inside the migration
-- transaction; the refresh policies fill them.
CREATE MATERIALIZED VIEW candles_5m_agg WITH (timescaledb.continuous) AS
  SELECT time_bucket(INTERVAL '5 minutes', time) AS time, symbol,
         first(open, time) AS open, max(high) AS high, min(low) AS low, last(close, time) AS close,
         sum(volume) AS volume, sum(trades) AS trades,
         round(sum(vwap * volume) / NULLIF(sum(volume), 0), 2) AS vwap
    FROM candles_1m GROUP BY 1, 2 WITH NO DATA;
CREATE MATERIALIZED VIEW candles_15m_agg WITH (timescaledb.continuous) AS
  SELECT time_bucket(INTERVAL '15 minutes', time) AS time, symbol,
         first(open, time) AS open, max(high) AS high, min(low) AS low, last(close, time) AS close,
         sum(volume) AS volume, sum(trades) AS trades,
         round(sum(vwap * volume) / NULLIF(sum(volume), 0), 2) AS vwap
    FROM candles_1m GROUP BY 1, 2 WITH NO DATA;
CREATE MATERIALIZED VIEW candles_1h_agg WITH (timescaledb.continuous) AS
  SELECT time_bucket(INTERVAL '1 hour', time) AS time, symbol,
         first(open, time) AS open, max(high) AS high, min(low) AS low, last(close, time) AS close,
         sum(volume) AS volume, sum(trades) AS trades,
         round(sum(vwap * volume) / NULLIF(sum(volume), 0), 2) AS vwap
    FROM candles_1m GROUP BY 1, 2 WITH NO DATA;
-- NSE days in UTC buckets: the session (03:45-10:00 UTC) falls inside one UTC day.
CREATE MATERIALIZED VIEW candles_1d_agg WITH (timescaledb.continuous) AS
  SELECT time_bucket(INTERVAL '1 day', time) AS time, symbol,
         first(open, time) AS open, max(high) AS high, min(low) AS low, last(close, time) AS close,
         sum(volume) AS volume, sum(trades) AS trades,
         round(sum(vwap * volume) / NULLIF(sum(volume), 0), 2) AS vwap
    FROM candles_1m GROUP BY 1, 2 WITH NO DATA;

SELECT add_continuous_aggregate_policy('candles_5m_agg', start_offset => INTERVAL '1 day',
                                       end_offset => INTERVAL '5 minutes', schedule_interval => INTERVAL '5 minutes');
SELECT add_continuous_aggregate_policy('candles_15m_agg', start_offset => INTERVAL '1 day',
                                       end_offset => INTERVAL '15 minutes', schedule_interval => INTERVAL '15 minutes');
SELECT add_continuous_aggregate_policy('candles_1h_agg', start_offset => INTERVAL '3 days',
                                       end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour');
SELECT add_continuous_aggregate_policy('candles_1d_agg', start_offset => INTERVAL '7 days',
                                       end_offset => INTERVAL '1 day', schedule_interval => INTERVAL '1 day');
