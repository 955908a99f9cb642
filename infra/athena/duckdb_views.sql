-- The DuckDB twin of usage_table.sql and events_table.sql: the same columns and types over a local
-- copy of the lake, so the queries/*.duckdb.sql files run unchanged. Replace {{usage_files}} and
-- {{events_files}} with globs, e.g. for a copy made with `aws s3 sync s3://<bucket>/lake ./lake`:
--   ./lake/usage/*/*.jsonl   and   ./lake/events/*/*.jsonl
-- and for the local stack's plain-file lake (scripts/lake-sql.mjs does this for you):
--   <TOKENLAKE_DATA_DIR>/<bucket>/lake/usage/*/*.jsonl
-- dt comes from the Hive folder name and is kept as text, as in Athena.
CREATE OR REPLACE VIEW lake_usage AS
SELECT * FROM read_json('{{usage_files}}',
  format = 'newline_delimited',
  hive_partitioning = true,
  hive_types = {'dt': 'VARCHAR'},
  columns = {
    'id': 'VARCHAR',
    'ts': 'VARCHAR',
    'source': 'VARCHAR',
    'provider': 'VARCHAR',
    'model': 'VARCHAR',
    'project': 'VARCHAR',
    'user': 'VARCHAR',
    'session': 'VARCHAR',
    'machine': 'VARCHAR',
    'api_key': 'VARCHAR',
    'workspace': 'VARCHAR',
    'service_tier': 'VARCHAR',
    'input_tokens': 'BIGINT',
    'output_tokens': 'BIGINT',
    'cache_creation_tokens': 'BIGINT',
    'cache_creation_1h_tokens': 'BIGINT',
    'cache_read_tokens': 'BIGINT',
    'requests': 'BIGINT',
    'cost_usd': 'DOUBLE',
    'cost_source': 'VARCHAR',
    'latency_ms': 'DOUBLE',
    'bucket_seconds': 'BIGINT'
  });

CREATE OR REPLACE VIEW lake_events AS
SELECT * FROM read_json('{{events_files}}',
  format = 'newline_delimited',
  hive_partitioning = true,
  hive_types = {'dt': 'VARCHAR'},
  columns = {
    'id': 'VARCHAR',
    'ts': 'VARCHAR',
    'event_type': 'VARCHAR',
    'family': 'VARCHAR',
    'entity_type': 'VARCHAR',
    'entity_id': 'VARCHAR',
    'attributes': 'MAP(VARCHAR, VARCHAR)',
    'metrics': 'MAP(VARCHAR, DOUBLE)',
    'source': 'VARCHAR',
    'received_at': 'VARCHAR'
  });
