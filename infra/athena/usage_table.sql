-- lake/usage as an Athena table: one UsageRecord (lib/usage/record.ts) per JSON line, Hive-partitioned
-- by the UTC day `dt`. Partition projection computes the partitions from the range, so a new day
-- is queryable at once and MSCK REPAIR TABLE or a Glue crawler is never needed.
-- serverless.ts declares the same table (LakeUsageTable, columns generated from the zod schema);
-- run this by hand only for a lake outside the stack, with {{bucket}} replaced.
-- `ts` is ISO 8601 UTC text (from_iso8601_timestamp(ts) gives a timestamp); cost_usd is USD as
-- priced at sync time (null = unpriced); input_tokens is UNCACHED input.
-- dt is projected from a fixed first day (the lake is kept unless a retention is set) to tomorrow,
-- so a day written by a clock running ahead is visible; ignore.malformed.json reads a malformed
-- line as nulls instead of failing every query that touches its day.
CREATE EXTERNAL TABLE IF NOT EXISTS lake_usage (
  `id` string,
  `ts` string,
  `source` string,
  `provider` string,
  `model` string,
  `project` string,
  `user` string,
  `session` string,
  `machine` string,
  `api_key` string,
  `workspace` string,
  `service_tier` string,
  `input_tokens` bigint,
  `output_tokens` bigint,
  `cache_creation_tokens` bigint,
  `cache_creation_1h_tokens` bigint,
  `cache_read_tokens` bigint,
  `requests` bigint,
  `cost_usd` double,
  `cost_source` string,
  `latency_ms` double,
  `bucket_seconds` bigint
)
PARTITIONED BY (`dt` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://{{bucket}}/lake/usage/'
TBLPROPERTIES (
  'classification' = 'json',
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW+1DAYS',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://{{bucket}}/lake/usage/dt=${dt}/'
);
