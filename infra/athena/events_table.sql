-- lake/events as an Athena table: one EventRecord (lib/events/schema.ts) per JSON line,
-- Hive-partitioned by the UTC day `dt`, with partition projection (no MSCK REPAIR, no crawler).
-- serverless.ts declares the same table (LakeEventsTable, columns generated from the zod schema);
-- run this by hand only for a lake outside the stack, with {{bucket}} replaced.
-- `attributes` values are text (numbers and booleans included); `metrics` are numbers.
-- Readers dedupe by `id` (a replayed event has the same id).
-- dt is projected from a fixed first day (the lake is kept unless a retention is set) to tomorrow,
-- so a day written by a clock running ahead is visible; ignore.malformed.json reads a malformed
-- line as nulls instead of failing every query that touches its day.
CREATE EXTERNAL TABLE IF NOT EXISTS lake_events (
  `id` string,
  `ts` string,
  `event_type` string,
  `family` string,
  `entity_type` string,
  `entity_id` string,
  `attributes` map<string,string>,
  `metrics` map<string,double>,
  `source` string,
  `received_at` string
)
PARTITIONED BY (`dt` string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://{{bucket}}/lake/events/'
TBLPROPERTIES (
  'classification' = 'json',
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2020-01-01,NOW+1DAYS',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://{{bucket}}/lake/events/dt=${dt}/'
);
