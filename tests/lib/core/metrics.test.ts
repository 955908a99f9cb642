import { describe, expect, it } from 'vitest';
import { emfDocument } from '../../../lib/core/metrics.ts';

describe('emfDocument', () => {
  it('builds the EMF object: metadata, dimension values and metric values at the top level', () => {
    const doc = emfDocument({
      namespace: 'tokenlake',
      dimensions: { function: 'sync', source: 'anthropic' },
      metrics: { records_synced: { value: 120, unit: 'Count' }, sync_duration: { value: 850.5, unit: 'Milliseconds' } },
      timestamp: new Date('2026-11-23T10:00:00.000Z'),
      properties: { request_id: 'r-1' },
    });
    expect(doc).toEqual({
      request_id: 'r-1',
      _aws: {
        Timestamp: 1_795_428_000_000,
        CloudWatchMetrics: [
          {
            Namespace: 'tokenlake',
            Dimensions: [['function', 'source']],
            Metrics: [
              { Name: 'records_synced', Unit: 'Count' },
              { Name: 'sync_duration', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      function: 'sync',
      source: 'anthropic',
      records_synced: 120,
      sync_duration: 850.5,
    });
    // One JSON line, as CloudWatch Logs expects it.
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });

  it('refuses what CloudWatch would drop silently', () => {
    const base = { namespace: 'tokenlake', dimensions: { function: 'sync' }, timestamp: new Date(0) };
    expect(() => emfDocument({ ...base, metrics: {} })).toThrow(/1 to 100 metrics/);
    expect(() => emfDocument({ ...base, metrics: { function: { value: 1, unit: 'Count' } } })).toThrow(/both a dimension and a metric/);
    expect(() => emfDocument({ ...base, metrics: { x: { value: Number.NaN, unit: 'Count' } } })).toThrow(/not a finite number/);
  });
});
