// CloudWatch Embedded Metric Format: one JSON log line that CloudWatch Logs turns into metrics, so a
// handler emits metrics by logging (no cloudwatch:PutMetricData call, no IAM `Resource: '*'`, no
// extra latency). This module only builds the object; writing it is the caller's logger's job.
// Format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html

type MetricUnit = 'Count' | 'Milliseconds' | 'Seconds' | 'Bytes' | 'None';

interface MetricDatum {
  value: number;
  unit: MetricUnit;
}

interface EmfInput {
  /** e.g. 'tokenlake'. */
  namespace: string;
  /** Dimension name → value, e.g. { function: 'sync', source: 'anthropic' }; at most 30. */
  dimensions: Record<string, string>;
  /** Metric name → value and unit, e.g. { records_synced: { value: 120, unit: 'Count' } }. */
  metrics: Record<string, MetricDatum>;
  /** The instant the metrics describe. */
  timestamp: Date;
  /** Extra searchable fields that are not metrics (request id, stage). */
  properties?: Record<string, string | number | boolean | null>;
}

/**
 * The EMF document for one set of metrics sharing one dimension set.
 * @example emfDocument({ namespace: 'tokenlake', dimensions: { function: 'sync' },
 *   metrics: { records_synced: { value: 120, unit: 'Count' } }, timestamp: new Date(0) })
 * // → {"_aws":{"Timestamp":0,"CloudWatchMetrics":[{"Namespace":"tokenlake","Dimensions":[["function"]],
 * //    "Metrics":[{"Name":"records_synced","Unit":"Count"}]}]},"function":"sync","records_synced":120}
 */
export function emfDocument(input: EmfInput): Record<string, unknown> {
  const dimensionNames = Object.keys(input.dimensions);
  if (dimensionNames.length > 30) throw new RangeError('EMF allows at most 30 dimensions');
  const metricNames = Object.keys(input.metrics);
  if (metricNames.length === 0 || metricNames.length > 100) throw new RangeError('EMF needs 1 to 100 metrics');
  for (const name of metricNames) {
    if (name in input.dimensions) throw new RangeError(`"${name}" is both a dimension and a metric`);
    if (!Number.isFinite(input.metrics[name]!.value)) throw new RangeError(`metric "${name}" is not a finite number`);
  }
  const values = Object.fromEntries(metricNames.map((name) => [name, input.metrics[name]!.value]));
  return {
    ...input.properties,
    _aws: {
      Timestamp: input.timestamp.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: input.namespace,
          Dimensions: [dimensionNames],
          Metrics: metricNames.map((name) => ({ Name: name, Unit: input.metrics[name]!.unit })),
        },
      ],
    },
    ...input.dimensions,
    ...values,
  };
}
