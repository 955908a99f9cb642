// Claude Code's `claude_code.token.usage` and `claude_code.cost.usage` counters → usage records
// per session, series and interval, for sessions that send no events (the session claim decides:
// lib/otlp/session-claims.ts). Shapes from Claude Code's "Monitoring" documentation (Token
// counter, Cost counter; delta temporality by default, cumulative on request). Pure.

import { recordId, type UsageRecord } from '../usage/record.ts';
import { checkRecord, commonLabels, isEmptyUsage, isoOf, MAX_FUTURE_MS, type MapResult, otlpRecord } from './mapping.ts';
import {
  type Attributes,
  attributeMap,
  labelOf,
  type MetricsRequest,
  mergeAttributes,
  metricSchema,
  type NumberDataPoint,
  nanosToMs,
  numberDataPointSchema,
} from './schema.ts';

const CLAUDE_CODE_TOKEN_USAGE = 'claude_code.token.usage';
const CLAUDE_CODE_COST_USAGE = 'claude_code.cost.usage';

const TOKEN_COLUMNS = {
  input: 'input_tokens',
  output: 'output_tokens',
  cacheRead: 'cache_read_tokens',
  cacheCreation: 'cache_creation_tokens',
} as const;
type TokenColumn = (typeof TOKEN_COLUMNS)[keyof typeof TOKEN_COLUMNS];

const DELTA = 1;
const CUMULATIVE = 2;
/** DataPointFlags.NO_RECORDED_VALUE: the point is a placeholder without a value. */
const NO_RECORDED_VALUE = 1;

interface Group {
  key: string;
  session: string;
  attrs: Attributes;
  startMs: number;
  endMs: number;
  tokens: Record<TokenColumn, number>;
  cost: number | null;
  items: number;
  paths: string[];
  raws: unknown[];
}

/** A counter value: finite and ≥ 0 (a counter never goes down); tokens also whole. */
function pointValue(p: NumberDataPoint, whole: boolean): { ok: true; value: number } | { ok: false; reason: string } {
  let v: number;
  if (p.asInt !== undefined) v = Number(p.asInt);
  else if (typeof p.asDouble === 'number') v = p.asDouble;
  else if (typeof p.asDouble === 'string') v = Number(p.asDouble);
  else return { ok: false, reason: 'the data point has no value' };
  if (Number.isNaN(v)) return { ok: false, reason: 'value is NaN' };
  if (!Number.isFinite(v)) return { ok: false, reason: `value is ${v}` };
  if (v < 0) return { ok: false, reason: `value ${v} is negative; a counter only grows` };
  if (whole && !Number.isInteger(v)) return { ok: false, reason: `token count ${v} is not a whole number` };
  if (whole && !Number.isSafeInteger(v)) return { ok: false, reason: `token count ${v} is too large to count exactly` };
  return { ok: true, value: v };
}

function seriesKey(attrs: Attributes): string {
  return JSON.stringify([...attrs].filter(([k]) => k !== 'type').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

interface PointFacts {
  key: string;
  session: string;
  attrs: Attributes;
  startMs: number;
  endMs: number;
  /** The token kind, or null for a cost point. */
  column: TokenColumn | null;
  value: number;
}

/** One data point's facts, why it is refused (a string), or null for a point without a value. */
function readPoint(raw: unknown, name: string, resource: Attributes, delta: boolean, now: Date): PointFacts | string | null {
  const point = numberDataPointSchema.safeParse(raw);
  if (!point.success) return `${point.error.issues[0]?.path.join('.') || 'point'}: ${point.error.issues[0]?.message}`;
  if (((point.data.flags ?? 0) & NO_RECORDED_VALUE) !== 0) return null;
  const own = attributeMap(point.data.attributes);
  const attrs = mergeAttributes(resource, own);
  const session = labelOf(attrs, 'session.id');
  if (!session) return 'session.id is missing: keep OTEL_METRICS_INCLUDE_SESSION_ID on, or send events';
  if (!labelOf(attrs, 'model')) return 'model is missing';
  let column: TokenColumn | null = null;
  if (name === CLAUDE_CODE_TOKEN_USAGE) {
    const type = labelOf(own, 'type');
    column = type !== null && Object.hasOwn(TOKEN_COLUMNS, type) ? TOKEN_COLUMNS[type as keyof typeof TOKEN_COLUMNS] : null;
    if (!column) return `token type ${JSON.stringify(own.get('type') ?? null)} is none of input, output, cacheRead, cacheCreation`;
  }
  const value = pointValue(point.data, column !== null);
  if (!value.ok) return value.reason;
  const endMs = nanosToMs(point.data.timeUnixNano);
  if (endMs === null) return 'timeUnixNano is not set';
  if (endMs > now.getTime() + MAX_FUTURE_MS) return `timeUnixNano ${isoOf(endMs)} is more than 24 h ahead`;
  const startMs = Math.min(nanosToMs(point.data.startTimeUnixNano) ?? endMs, endMs);
  if (startMs < Date.UTC(2000, 0, 1)) return `startTimeUnixNano ${isoOf(startMs)} is before 2000`;
  // A delta point is its own interval; a cumulative one is its series' running total since start.
  const key = [session, seriesKey(attrs), point.data.startTimeUnixNano ?? endMs, delta ? (point.data.timeUnixNano ?? '') : ''].join(
    '\u0000',
  );
  return { key, session, attrs, startMs, endMs, column, value: value.value };
}

/**
 * One record per (session, series without its `type`, interval) so the four token kinds and the
 * cost of the same requests share a record:
 *
 * | record | from the points |
 * |---|---|
 * | `id` | hash of the session, the series' attributes (less `type`), the start time and, for delta points, the end time |
 * | `ts`, `bucket_seconds` | point start (`startTimeUnixNano`); end − start, at least 1 (marks the record as an aggregate) |
 * | tokens | `token.usage` by `type`: `input`, `output`, `cacheRead`, `cacheCreation` |
 * | `cost_usd` | `cost.usage` → `cost_source: "reported"` |
 * | `requests` | 0: the counters do not say how many requests |
 * | `model`, `session`, `user`, `workspace` | `model`; `session.id`; `user.email`/`user.account_uuid`/`user.id`; `organization.id` |
 *
 * Delta points are one interval each. A cumulative point repeats its series' running total
 * under the same id (same start) in every export; readers keep the largest copy of an id, so the
 * latest total counts once. Points without `session.id` are refused: whether events cover them
 * could not be known (docs/sources.md).
 */
export function mapClaudeCodeMetrics(request: MetricsRequest, now: Date): MapResult {
  const out: MapResult = { candidates: [], rejected: [], ignored: 0 };
  const groups = new Map<string, Group>();
  (request.resourceMetrics ?? []).forEach((rm, r) => {
    const resource = attributeMap(rm.resource?.attributes);
    (rm.scopeMetrics ?? []).forEach((sm, s) => {
      (sm.metrics ?? []).forEach((raw, m) => {
        const path = `resourceMetrics[${r}].scopeMetrics[${s}].metrics[${m}]`;
        const parsed = metricSchema.safeParse(raw);
        const name = parsed.success
          ? parsed.data.name
          : typeof (raw as { name?: unknown })?.name === 'string'
            ? String((raw as { name: string }).name)
            : 'metric';
        if (name !== CLAUDE_CODE_TOKEN_USAGE && name !== CLAUDE_CODE_COST_USAGE) {
          out.ignored++;
          return;
        }
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          out.rejected.push({ path, what: name, reason: `${issue?.path.join('.') || 'metric'}: ${issue?.message}`, items: 1, raw });
          return;
        }
        const metric = parsed.data;
        const points = metric.sum?.dataPoints ?? metric.gauge?.dataPoints ?? [];
        const refusal = !metric.sum
          ? `${name} must be a Sum (a counter), not ${metric.gauge ? 'a Gauge' : 'another kind'}`
          : metric.sum.aggregationTemporality !== DELTA && metric.sum.aggregationTemporality !== CUMULATIVE
            ? 'aggregationTemporality must be DELTA (1) or CUMULATIVE (2)'
            : metric.sum.isMonotonic === false
              ? `${name} must be monotonic (a counter)`
              : null;
        if (refusal || !metric.sum) {
          out.rejected.push({ path, what: name, reason: refusal ?? '', items: Math.max(1, points.length), raw });
          return;
        }
        const temporality = metric.sum.aggregationTemporality;
        points.forEach((rawPoint, p) => {
          const pointPath = `${path}.sum.dataPoints[${p}]`;
          const read = readPoint(rawPoint, name, resource, temporality === DELTA, now);
          if (read === null) {
            out.ignored++;
            return;
          }
          if (typeof read === 'string') {
            out.rejected.push({ path: pointPath, what: name, reason: read, items: 1, raw: rawPoint });
            return;
          }
          const { key, session, attrs, startMs, endMs, column, value } = read;
          let group = groups.get(key);
          if (!group) {
            group = {
              key,
              session,
              attrs,
              startMs,
              endMs,
              tokens: { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_creation_tokens: 0 },
              cost: null,
              items: 0,
              paths: [],
              raws: [],
            };
            groups.set(key, group);
          }
          group.endMs = Math.max(group.endMs, endMs);
          if (column) group.tokens[column] += value;
          else group.cost = (group.cost ?? 0) + value;
          group.items++;
          group.paths.push(pointPath);
          group.raws.push(rawPoint);
        });
      });
    });
  });
  for (const g of groups.values()) {
    const record: UsageRecord = otlpRecord({
      id: recordId('otlp', 'claude_code.metrics', g.key),
      ts: isoOf(g.startMs),
      provider: 'anthropic',
      model: labelOf(g.attrs, 'model') ?? 'unknown',
      ...commonLabels(g.attrs),
      session: g.session,
      user: labelOf(g.attrs, 'user.email', 'user.account_uuid', 'user.id'),
      workspace: labelOf(g.attrs, 'organization.id'),
      ...g.tokens,
      requests: 0,
      cost_usd: g.cost,
      cost_source: g.cost !== null ? 'reported' : 'unpriced',
      bucket_seconds: Math.max(1, Math.round((g.endMs - g.startMs) / 1000)),
    });
    const path = g.paths.length === 1 ? (g.paths[0] ?? '') : `${g.paths[0]} (+${g.paths.length - 1} points)`;
    if (isEmptyUsage(record)) {
      out.ignored += g.items;
      continue;
    }
    const checked = checkRecord(record);
    if (!checked.ok) out.rejected.push({ path, what: 'claude_code metrics', reason: checked.reason, items: g.items, raw: g.raws });
    else
      out.candidates.push({
        path,
        record: checked.record,
        twin: null,
        claim: { session: g.session, signal: 'metrics' },
        items: g.items,
        raw: g.raws,
      });
  }
  return out;
}
