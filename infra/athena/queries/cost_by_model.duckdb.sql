-- Cost and tokens per model in the 7d, 30d and 90d windows ending at as_of (default today, UTC), as analytics.json windows.<w>.by_model.
-- Grouped by model alone, like by_model (provider is the model's provider). share = the model's part of the window's cost.
-- Same conventions as window_totals: UTC days, one copy per id and day, cost_usd as priced at sync time.
-- Dialect: DuckDB (tested against analytics.json). as_of: SET VARIABLE as_of = '2026-11-23'; (default today).
WITH params AS (
  SELECT COALESCE(CAST(getvariable('as_of') AS DATE), current_date) AS as_of
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
  WHERE u.dt BETWEEN CAST(COALESCE(CAST(getvariable('as_of') AS DATE), current_date) - 89 AS varchar)
    AND CAST(COALESCE(CAST(getvariable('as_of') AS DATE), current_date) AS varchar)
),
unique_usage AS (
  SELECT * FROM scanned WHERE copy_rank = 1
),
per_model AS (
  SELECT
    w.window_name,
    w.days,
    u.model,
    max(u.provider) AS provider,
    coalesce(sum(u.cost_usd), 0) AS cost_usd,
    sum(u.input_tokens) AS input_tokens,
    sum(u.output_tokens) AS output_tokens,
    sum(u.cache_creation_tokens) AS cache_creation_tokens,
    sum(u.cache_read_tokens) AS cache_read_tokens,
    sum(u.input_tokens + u.output_tokens + u.cache_creation_tokens + u.cache_read_tokens) AS total_tokens,
    sum(u.requests) AS requests,
    count(*) AS records
  FROM windows w
  CROSS JOIN params p
  JOIN unique_usage u
    ON date_diff('day', CAST(u.dt AS date), p.as_of) BETWEEN 0 AND w.days - 1
  GROUP BY w.window_name, w.days, u.model
)
SELECT
  m.*,
  CASE WHEN sum(m.cost_usd) OVER (PARTITION BY m.window_name) > 0
    THEN m.cost_usd / sum(m.cost_usd) OVER (PARTITION BY m.window_name)
    ELSE 0 END AS share
FROM per_model m
ORDER BY m.days, m.cost_usd DESC, m.total_tokens DESC, m.model;
