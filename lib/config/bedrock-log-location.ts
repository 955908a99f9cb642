// Where Amazon Bedrock model invocation logging delivers, as configured (TOKENLAKE_BEDROCK_LOGS):
// the `s3://bucket/prefix` a user gives, checked and normalised, and the region check the metrics
// source's regions use. Here, under config, because config parses it; the key layout below that
// location is the source's (lib/sources/bedrock/paths.ts).

/** One configured delivery location: `s3://bucket/prefix`, the prefix above `AWSLogs/`. */
export interface BedrockLogLocation {
  /** `s3://bucket/prefix/` as normalised here; the identity of the location in state/. */
  url: string;
  bucket: string;
  /** '' or a key prefix ending in '/'. */
  root: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION = /^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d$/;

export function isAwsRegion(text: string): boolean {
  return REGION.test(text);
}

/**
 * `s3://bucket/prefix` → a location. A prefix that already reaches into the AWS layout
 * (`…/AWSLogs/123456789012/…`) is cut back to the part above `AWSLogs/`: every account and region
 * under it is read. Throws with the reason (config turns it into a ConfigError).
 */
export function parseLogLocation(text: string): BedrockLogLocation {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(text.trim());
  if (!m) throw new Error(`expected s3://bucket/prefix, got "${text}"`);
  const bucket = m[1]!;
  if (!BUCKET.test(bucket)) throw new Error(`"${bucket}" is not a valid S3 bucket name`);
  let root = m[2] ?? '';
  const awsLogs = root.indexOf('AWSLogs/');
  if (awsLogs >= 0) root = root.slice(0, awsLogs);
  else if (root === 'AWSLogs') root = '';
  root = root.replace(/^\/+/, '');
  if (root !== '' && !root.endsWith('/')) root += '/';
  if (root.includes('//')) throw new Error(`the prefix of "${text}" has an empty segment`);
  return { url: `s3://${bucket}/${root}`, bucket, root };
}
