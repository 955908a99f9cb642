// The Athena catalogue over the lake: the Glue database and tables (columns from the zod
// contracts), the workgroup and the named queries of infra/athena/queries/.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: '${…}' strings are osls variables and CloudFormation Fn::Sub references, not JavaScript templates.

import { readdirSync, readFileSync } from 'node:fs';
import type { z } from 'zod';
import { eventRecordSchema } from '../../lib/events/schema.ts';
import { usageRecordSchema } from '../../lib/usage/record.ts';
import { BUCKET, SERVICE, sub } from './names.ts';

/**
 * Glue columns generated from the zod contract, so the table cannot drift from the lake line:
 * strings (ISO instants included, cast in queries) → string, whole numbers → bigint, other
 * numbers → double, enums → string, records of numbers → map<string,double>, other records →
 * map<string,string> (the JSON SerDe reads numbers and booleans there as text).
 */
function glueColumns(schema: z.ZodObject): Array<{ Name: string; Type: string }> {
  return Object.entries(schema.shape).map(([name, field]) => ({ Name: name, Type: glueType(field as z.ZodType) }));
}

function glueType(field: z.ZodType): string {
  // biome-ignore lint/suspicious/noExplicitAny: zod's internal definition is untyped per kind.
  const def = (field as any)._zod.def;
  switch (def.type) {
    case 'nullable':
    case 'optional':
      return glueType(def.innerType);
    case 'pipe':
      // A preprocess step (a transform) in front of the schema says nothing about the stored type.
      return glueType(def.in._zod.def.type === 'transform' ? def.out : def.in);
    case 'string':
    case 'enum':
      return 'string';
    case 'number':
      return def.format === 'safeint' || def.format === 'int32' ? 'bigint' : 'double';
    case 'boolean':
      return 'boolean';
    case 'record':
      return glueType(def.valueType) === 'double' ? 'map<string,double>' : 'map<string,string>';
    case 'union':
      return 'string';
    default:
      throw new Error(`infra/serverless/athena.ts: no Glue type for zod "${def.type}"`);
  }
}

/** The dt partitions Athena projects (infra/athena/*_table.sql say the same). */
const ATHENA_DT_RANGE = '2020-01-01,NOW+1DAYS';

function lakeTable(table: string, dataset: 'usage' | 'events', schema: z.ZodObject) {
  const location = `s3://${BUCKET}/lake/${dataset}/`;
  return {
    Type: 'AWS::Glue::Table',
    Properties: {
      CatalogId: { Ref: 'AWS::AccountId' },
      DatabaseName: { Ref: 'GlueDatabase' },
      TableInput: {
        Name: table,
        Description: `tokenlake lake/${dataset}: one JSON object per line, Hive-partitioned by the UTC day dt`,
        TableType: 'EXTERNAL_TABLE',
        PartitionKeys: [{ Name: 'dt', Type: 'string' }],
        // Partition projection: Athena computes the dt partitions from this range, so a new day
        // is queryable at once and MSCK REPAIR / Glue crawlers are never needed.
        Parameters: {
          EXTERNAL: 'TRUE',
          classification: 'json',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          // From a fixed start (retention is opt-in, so old days stay; a moving NOW-3YEARS would
          // hide them) to tomorrow, so a day written by a clock running ahead (or just after
          // midnight UTC) is not invisible.
          'projection.dt.range': ATHENA_DT_RANGE,
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          // `${!dt}` is Fn::Sub's escape for a literal `${dt}`, which Athena fills in per partition.
          'storage.location.template': sub(`${location}dt=\${!dt}/`),
        },
        StorageDescriptor: {
          Columns: glueColumns(schema),
          Location: sub(location),
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          // A malformed line (a foreign or truncated object under lake/) reads as nulls instead of
          // failing every query that touches its day.
          SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', Parameters: { 'ignore.malformed.json': 'true' } },
        },
      },
    },
  };
}

/** Named queries: the Athena dialect of infra/athena/queries/ (the DuckDB twins are tested). */
const queriesDir = new URL('../athena/queries/', import.meta.url);
const namedQueries = Object.fromEntries(
  readdirSync(queriesDir)
    .filter((f) => f.endsWith('.athena.sql'))
    .sort()
    .map((file) => {
      const name = file.replace(/\.athena\.sql$/, '');
      const text = readFileSync(new URL(file, queriesDir), 'utf8');
      const description = /^--\s*(.+)$/m.exec(text)?.[1] ?? name;
      const id = name
        .split(/[-_]/)
        .map((w) => `${w[0]!.toUpperCase()}${w.slice(1)}`)
        .join('');
      return [
        `${id}NamedQuery`,
        {
          Type: 'AWS::Athena::NamedQuery',
          Properties: {
            Name: `${SERVICE} ${name.replace(/[-_]/g, ' ')}`,
            Description: description.slice(0, 1024),
            Database: { Ref: 'GlueDatabase' },
            WorkGroup: { Ref: 'AthenaWorkGroup' },
            QueryString: text,
          },
        },
      ];
    }),
);

/** The database, both lake tables, the workgroup and the named queries, in template order. */
export const athenaResources = {
  GlueDatabase: {
    Type: 'AWS::Glue::Database',
    Properties: {
      CatalogId: { Ref: 'AWS::AccountId' },
      DatabaseInput: { Name: '${param:glueDatabase}', Description: 'tokenlake lake tables (partition projection on dt)' },
    },
  },
  LakeUsageTable: lakeTable('lake_usage', 'usage', usageRecordSchema),
  LakeEventsTable: lakeTable('lake_events', 'events', eventRecordSchema),
  AthenaWorkGroup: {
    Type: 'AWS::Athena::WorkGroup',
    Properties: {
      Name: `${SERVICE}-\${sls:stage}`,
      Description: 'tokenlake queries: results under athena-results/, bytes scanned capped per query',
      State: 'ENABLED',
      // Deleting the stack deletes the workgroup with its named queries and history.
      RecursiveDeleteOption: true,
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        PublishCloudWatchMetricsEnabled: true,
        BytesScannedCutoffPerQuery: '${param:athenaBytesScannedCutoff}',
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: {
          OutputLocation: sub(`s3://${BUCKET}/athena-results/`),
          EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        },
      },
    },
  },
  ...namedQueries,
};
