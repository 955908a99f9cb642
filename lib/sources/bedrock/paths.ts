// Where Amazon Bedrock model invocation logging delivers to S3, and how its keys read. Owns the
// AWS key layout (not ours: our bucket's keys are in lib/store/layout.ts) and the UTC hour strings
// the cursor and the coverage index use; no I/O.
//
//   <prefix>AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/<name>.json.gz
//
// (AWS Bedrock user guide, "Monitor model invocation using CloudWatch Logs and Amazon S3": the
// bucket policy grants `<bucket>/<prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/*`; each
// object is a gzipped batch of JSON records. Bodies over 100 KB and binary data go to separate
// objects "under the data prefix", which this source never reads.)

import { type BedrockLogLocation, isAwsRegion } from '../../config/bedrock-log-location.ts';

const ACCOUNT = /^\d{12}$/;
/** `YYYY/MM/DD/HH/<file>.json.gz` under a stream prefix. */
const STREAM_KEY = /^(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/([^/]+\.json\.gz)$/;

/** The folder that holds one `<account>/` folder per account. */
export function accountsPrefix(location: BedrockLogLocation): string {
  return `${location.root}AWSLogs/`;
}

/** The highest code point: `<folder>/` + this sorts after every key in that folder (S3 compares UTF-8 bytes). */
export const LAST_CHAR = '\u{10ffff}';

/** One account × region: the keys under it are time-ordered, so S3 lists them oldest first. */
export interface LogStream {
  account: string;
  region: string;
  /** `…/BedrockModelInvocationLogs/<region>/` */
  prefix: string;
}

function streamOf(location: BedrockLogLocation, account: string, region: string): LogStream {
  return { account, region, prefix: `${accountsPrefix(location)}${account}/BedrockModelInvocationLogs/${region}/` };
}

/** The stream a key under `…AWSLogs/` belongs to, or null when it is outside the layout. */
export function streamOfKey(location: BedrockLogLocation, key: string): LogStream | null {
  const [account, service, region, ...rest] = key.slice(accountsPrefix(location).length).split('/');
  if (account === undefined || !ACCOUNT.test(account) || service !== 'BedrockModelInvocationLogs') return null;
  if (region === undefined || !isAwsRegion(region) || rest.length === 0) return null;
  return streamOf(location, account, region);
}

/**
 * For a key outside the layout, the folder to skip whole: the deepest of `<account>/`,
 * `<account>/BedrockModelInvocationLogs/<name>/` that holds it (or the key itself when it is a
 * file there, such as Bedrock's permission-check object).
 */
export function foreignFolder(base: string, key: string): string {
  const parts = key.slice(base.length).split('/');
  if (parts.length === 1 || !ACCOUNT.test(parts[0]!)) return `${base}${parts[0]}${parts.length > 1 ? '/' : ''}`;
  if (parts[1] !== 'BedrockModelInvocationLogs') return `${base}${parts[0]}/${parts[1]}${parts.length > 2 ? '/' : ''}`;
  return `${base}${parts.slice(0, 3).join('/')}${parts.length > 3 ? '/' : ''}`;
}

/**
 * Every hourly key of a stream sorts before `prefix + '3'` (years 2xxx); anything after it (a
 * `data/` folder of large bodies, other files) is not a log batch, so a listing stops there.
 */
export function streamEnd(stream: LogStream): string {
  return `${stream.prefix}3`;
}

/** The key part after the stream prefix → its UTC hour (`2026-08-01T10`) and file name; null if not a log batch. */
export function parseStreamKey(rest: string): { hour: string; file: string } | null {
  const m = STREAM_KEY.exec(rest);
  if (!m) return null;
  const hour = `${m[1]}-${m[2]}-${m[3]}T${m[4]}`;
  return isUtcHour(hour) ? { hour, file: m[5]! } : null;
}

/** A UTC hour `YYYY-MM-DDTHH`, the unit of the layout; strings of this shape sort in time order. */
export function hourOf(instant: Date | string): string {
  return new Date(instant).toISOString().slice(0, 13);
}

function isUtcHour(hour: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T\d{2}$/.test(hour) && hourOf(`${hour}:00:00.000Z`) === hour;
}

/** `2026-08-01T10` → `2026/08/01/10`: the key fragment of that hour. */
export function hourPath(hour: string): string {
  return `${hour.slice(0, 4)}/${hour.slice(5, 7)}/${hour.slice(8, 10)}/${hour.slice(11, 13)}`;
}
