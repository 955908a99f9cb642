-- Totals and burn rate of the 7d, 30d and 90d windows ending today (UTC), as analytics.json windows.<w>.totals.
-- A window of N days = the N UTC days (dt) ending at as_of, inclusive. This equals analytics.json when
-- TOKENLAKE_TIMEZONE is UTC (the default); analytics shifts windows into another zone, this query does not.
-- Copies of one id within a day count once (the larger token total, then the later ts), as the rollups do.
-- cost_usd is summed as written at sync time; analytics re-prices at rollup time with the same table,
-- so the two agree unless the price table changed after the lines were written.
-- Dialect: Athena (Trino). The DuckDB twin differs only in as_of and date arithmetic.
WITH params AS (
  SELECT current_date AS as_of
),
windows (window_name, days) AS (
  VALUES ('7d', 7), ('30d', 30), ('90d', 90)
),
scanned AS (
  SELECT
    u.*,
    row_number() OVER (
      PARTITION BY u.dt, u.id
      ORDER BY u.input_tokens + u.output_tokens + u.cache_creation_tokens + u.cache_read_tokens DESC, u.ts DESC
    ) AS copy_rank
  FROM lake_usage u
  -- A constant range on the partition column: only these 90 partitions are read.
  WHERE u.dt BETWEEN CAST(date_add('day', -89, current_date) AS varchar) AND CAST(current_date AS varchar)
),
unique_usage AS (
  SELECT * FROM scanned WHERE copy_rank = 1
)
SELECT
  w.window_name,
  w.days,
  CAST(date_add('day', -(w.days - 1), p.as_of) AS varchar) AS from_day,
  CAST(p.as_of AS varchar) AS to_day,
  coalesce(sum(u.cost_usd), 0) AS cost_usd,
  coalesce(sum(u.input_tokens), 0) AS input_tokens,
  coalesce(sum(u.output_tokens), 0) AS output_tokens,
  coalesce(sum(u.cache_creation_tokens), 0) AS cache_creation_tokens,
  coalesce(sum(u.cache_read_tokens), 0) AS cache_read_tokens,
  coalesce(sum(u.input_tokens + u.output_tokens + u.cache_creation_tokens + u.cache_read_tokens), 0) AS total_tokens,
  coalesce(sum(u.requests), 0) AS requests,
  count(u.id) AS records,
  coalesce(sum(CASE WHEN u.cost_source = 'reported' THEN u.cost_usd ELSE 0 END), 0) AS reported_cost_usd,
  coalesce(sum(CASE WHEN u.id IS NOT NULL AND u.cost_usd IS NULL THEN 1 ELSE 0 END), 0) AS unpriced_records,
  coalesce(sum(CASE WHEN u.cost_usd IS NULL THEN u.input_tokens + u.output_tokens + u.cache_creation_tokens + u.cache_read_tokens ELSE 0 END), 0) AS unpriced_tokens,
  coalesce(sum(u.cost_usd), 0) / w.days AS burn_rate_usd_per_day
FROM windows w
CROSS JOIN params p
LEFT JOIN unique_usage u
  ON date_diff('day', CAST(u.dt AS date), p.as_of) BETWEEN 0 AND w.days - 1
GROUP BY w.window_name, w.days, p.as_of
ORDER BY w.days;
