-- Cost, tokens and records per UTC day over the 90 days ending at as_of (default today), as analytics.json windows.90d.daily (days with data).
-- Same conventions as window_totals: UTC days, one copy per id and day, cost_usd as priced at sync time.
-- Dialect: DuckDB (tested against analytics.json). as_of: SET VARIABLE as_of = '2026-11-23'; (default today).
WITH scanned AS (
  SELECT
    u.*,
    row_number() OVER (
      PARTITION BY u.dt, u.id
      ORDER BY u.input_tokens + u.output_tokens + u.cache_creation_tokens + u.cache_read_tokens DESC, u.ts DESC
    ) AS copy_rank
  FROM lake_usage u
  WHERE u.dt BETWEEN CAST(COALESCE(CAST(getvariable('as_of') AS DATE), current_date) - 89 AS varchar)
    AND CAST(COALESCE(CAST(getvariable('as_of') AS DATE), current_date) AS varchar)
)
SELECT
  s.dt AS usage_day,
  coalesce(sum(s.cost_usd), 0) AS cost_usd,
  sum(s.input_tokens + s.output_tokens + s.cache_creation_tokens + s.cache_read_tokens) AS total_tokens,
  sum(s.requests) AS requests,
  count(*) AS records
FROM scanned s
WHERE s.copy_rank = 1
GROUP BY s.dt
ORDER BY s.dt;
