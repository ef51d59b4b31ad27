-- Version 2 without TimescaleDB: the candle tables as native declarative partitioned tables, one
-- partition per UTC calendar month, named <table>_pYYYYMM. There is no DEFAULT partition: a row
-- for a month without a partition fails loudly, and the store creates the partition first
-- (nifty_ensure_partition), ahead of time (migrate, apply_retention) and on demand (upsert).
-- Retention drops whole partitions (nifty_drop_partitions_before).
-- The rollup intervals are tables maintained on write: the engine computes rollups in process.

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
) PARTITION BY RANGE (time);
-- The spec's index for "latest N of a symbol".
CREATE INDEX idx_candles_1m_symbol_time ON candles_1m (symbol, time DESC);

CREATE TABLE candles_5m (LIKE candles_1m, PRIMARY KEY (symbol, time)) PARTITION BY RANGE (time);
CREATE TABLE candles_15m (LIKE candles_1m, PRIMARY KEY (symbol, time)) PARTITION BY RANGE (time);
CREATE TABLE candles_1h (LIKE candles_1m, PRIMARY KEY (symbol, time)) PARTITION BY RANGE (time);
CREATE TABLE candles_1d (LIKE candles_1m, PRIMARY KEY (symbol, time)) PARTITION BY RANGE (time);

-- Creates the partition of `parent` holding the UTC month of `at` when it is missing; returns its
-- name. Safe to call concurrently (serialised by a transaction-scoped advisory lock).
CREATE FUNCTION nifty_ensure_partition(parent TEXT, at TIMESTAMPTZ) RETURNS TEXT
LANGUAGE plpgsql AS $$
DECLARE
  lo TIMESTAMP := date_trunc('month', at AT TIME ZONE 'UTC');
  hi TIMESTAMP := date_trunc('month', at AT TIME ZONE 'UTC') + INTERVAL '1 month';
  part TEXT := parent || '_p' || to_char(date_trunc('month', at AT TIME ZONE 'UTC'), 'YYYYMM');
BEGIN
  IF to_regclass(part) IS NOT NULL THEN
    RETURN part;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('nifty_ensure_partition'));
  IF to_regclass(part) IS NULL THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', part, parent,
                   (lo AT TIME ZONE 'UTC'), (hi AT TIME ZONE 'UTC'));
  END IF;
  RETURN part;
END;
$$;

-- Drops the partitions of `parent` whose whole month ends at or before `cutoff`; returns their names.
CREATE FUNCTION nifty_drop_partitions_before(parent TEXT, cutoff TIMESTAMPTZ) RETURNS SETOF TEXT
LANGUAGE plpgsql AS $$
DECLARE
  part TEXT;
  month_end TIMESTAMP;
BEGIN
  FOR part IN
    SELECT c.relname FROM pg_inherits i
      JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = to_regclass(parent)
       AND c.relname ~ ('^' || parent || '_p[0-9]{6}$')
     ORDER BY c.relname
  LOOP
    month_end := to_date(right(part, 6), 'YYYYMM')::TIMESTAMP + INTERVAL '1 month';
    IF (month_end AT TIME ZONE 'UTC') <= cutoff THEN
      EXECUTE format('DROP TABLE %I', part);
      RETURN NEXT part;
    END IF;
  END LOOP;
END;
$$;
