-- Burn rate (USD per day over the last 7, 30 and 90 days) and the month-end forecast, as analytics.json month_to_date.
-- forecast_usd = month-to-date cost + 7-day burn rate × days left in the month (lib/analytics/analytics.ts).
-- Same conventions as window_totals: UTC days, one copy per id and day, cost_usd as priced at sync time.
-- Dialect: DuckDB (tested against analytics.json). as_of: SET VARIABLE as_of = '2026-11-23'; (default today).
WITH params AS (
  SELECT COALESCE(CAST(getvariable('as_of') AS DATE), current_date) AS as_of
),
scanned AS (
  SELECT
    u.*,
    row_number() OVER (
      PARTITION BY u.dt, u.id
      ORDER BY u.input_tokens + u.output_tokens + u.cache_creation_tokens + u.cache_read_tokens DESC, u.ts DESC
    ) AS copy_rank
  FROM lake_usage u
  -- 90 days always cover the month so far.
  WHERE u.dt BETWEEN CAST(COALESCE(CAST(getvariable('as_of') AS DATE), current_date) - 89 AS varchar)
    AND CAST(COALESCE(CAST(getvariable('as_of') AS DATE), current_date) AS varchar)
),
daily AS (
  SELECT date_diff('day', CAST(s.dt AS date), p.as_of) AS age_days, CAST(s.dt AS date) AS usage_day, coalesce(sum(s.cost_usd), 0) AS cost_usd
  FROM scanned s
  CROSS JOIN params p
  WHERE s.copy_rank = 1
  GROUP BY s.dt, p.as_of
),
calendar_month AS (
  SELECT
    date_trunc('month', p.as_of) AS month_start,
    day(p.as_of) AS days_elapsed,
    day(last_day(p.as_of)) AS days_in_month
  FROM params p
),
sums AS (
  SELECT
    coalesce(sum(CASE WHEN d.age_days BETWEEN 0 AND 6 THEN d.cost_usd END), 0) AS cost_7d,
    coalesce(sum(CASE WHEN d.age_days BETWEEN 0 AND 29 THEN d.cost_usd END), 0) AS cost_30d,
    coalesce(sum(CASE WHEN d.age_days BETWEEN 0 AND 89 THEN d.cost_usd END), 0) AS cost_90d,
    coalesce(sum(CASE WHEN d.usage_day >= m.month_start AND d.age_days >= 0 THEN d.cost_usd END), 0) AS month_to_date_usd
  FROM calendar_month m
  LEFT JOIN daily d ON true
)
SELECT
  CAST(p.as_of AS varchar) AS as_of,
  s.cost_7d / 7 AS burn_rate_7d_usd_per_day,
  s.cost_30d / 30 AS burn_rate_30d_usd_per_day,
  s.cost_90d / 90 AS burn_rate_90d_usd_per_day,
  m.days_elapsed,
  m.days_in_month,
  s.month_to_date_usd,
  s.month_to_date_usd + s.cost_7d / 7 * (m.days_in_month - m.days_elapsed) AS forecast_usd
FROM params p
CROSS JOIN calendar_month m
CROSS JOIN sums s;
