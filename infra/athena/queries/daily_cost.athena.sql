-- Cost, tokens and records per UTC day over the 90 days ending today, as analytics.json windows.90d.daily (days with data).
-- Same conventions as window_totals: UTC days, one copy per id and day, cost_usd as priced at sync time.
-- Dialect: Athena (Trino). The DuckDB twin differs only in as_of and date arithmetic.
WITH scanned AS (
  SELECT
    u.*,
    row_number() OVER (
      PARTITION BY u.dt, u.id
      ORDER BY u.input_tokens + u.output_tokens + u.cache_creation_tokens + u.cache_read_tokens DESC, u.ts DESC
    ) AS copy_rank
  FROM lake_usage u
  WHERE u.dt BETWEEN CAST(date_add('day', -89, current_date) AS varchar) AND CAST(current_date AS varchar)
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
