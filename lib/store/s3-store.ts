// The S3 adapter of the storage port. The S3 client is passed in (built once in functions/ or by
// the CLI for TOKENLAKE_STORE=s3); nothing here reads process.env. Loaded only where S3 is used,
// so the local CLI never loads the AWS SDK.

import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { PreconditionFailedError } from '../core/errors.ts';
import type { ObjectStore, PutOptions, StoredObject } from './object-store.ts';

interface S3ConnectionOptions {
  /** When absent: us-east-1 for an S3-compatible endpoint, else the SDK's chain (env, profile). */
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  /** A static key pair; without it (and without `profile`) the SDK's default chain is used. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** A named profile of the shared AWS config files (the CLI's --profile). */
  profile?: string;
  maxAttempts?: number;
  /** Follow a 301 to the bucket's own region (a bucket named by a user may live anywhere). */
  followRegionRedirects?: boolean;
  /** Drop the SDK's own log lines (a command whose output is one line per result). */
  quiet?: boolean;
}

/**
 * An S3 client that also works against S3-compatible stores. Checksums are only computed when
 * required: with the SDK defaults a streamed PutObject is sent aws-chunked, which s3rver stores
 * verbatim (silent corruption). Real S3 is indifferent to this setting.
 */
export function createS3Client(options: S3ConnectionOptions = {}): S3Client {
  const config: S3ClientConfig = {
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: options.maxAttempts ?? 5,
  };
  const region = options.region ?? (options.endpoint ? 'us-east-1' : undefined);
  if (region) config.region = region;
  if (options.endpoint) {
    config.endpoint = options.endpoint;
    config.forcePathStyle = options.forcePathStyle ?? true;
  }
  if (options.credentials) config.credentials = options.credentials;
  else if (options.profile) config.profile = options.profile;
  if (options.followRegionRedirects) config.followRegionRedirects = true;
  if (options.quiet) config.logger = { debug() {}, info() {}, warn() {}, error() {} };
  return new S3Client(config);
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

function isConditionalConflict(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return status === 412 || status === 409 || e?.name === 'PreconditionFailed' || e?.name === 'ConditionalRequestConflict';
}

function conflictReason(error: unknown): string {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return `${e?.name ?? 'conflict'} (HTTP ${e?.$metadata?.httpStatusCode ?? '?'})`;
}

function isAccessDenied(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'AccessDenied' || e?.$metadata?.httpStatusCode === 403;
}

function cleanEtag(etag: string | undefined): string {
  return (etag ?? '').replaceAll('"', '');
}

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async getBytes(key: string): Promise<Uint8Array | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!out.Body) return new Uint8Array();
      return await out.Body.transformToByteArray();
    } catch (error) {
      return this.missingOr(key, error);
    }
  }

  async getText(key: string): Promise<{ text: string; etag: string } | null> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const bytes = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      return { text: Buffer.from(bytes).toString('utf8'), etag: cleanEtag(out.ETag) };
    } catch (error) {
      return this.missingOr(key, error);
    }
  }

  /**
   * null when the read failed because the key does not exist, else the error again. S3 answers a
   * missing key with 403 instead of 404 unless the caller may list the bucket with no prefix, which
   * the deployed roles may not (serverless.ts, `list`); listing the key's own name, which they may,
   * tells a missing key (null) from a real denial (rethrown). Costs one LIST, on misses only.
   */
  private async missingOr(key: string, error: unknown): Promise<null> {
    if (isNotFound(error)) return null;
    if (!isAccessDenied(error)) throw error;
    let listed: boolean;
    try {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 }));
      listed = (page.Contents ?? []).some((o) => o.Key === key);
    } catch {
      throw error;
    }
    if (listed) throw error;
    return null;
  }

  async put(key: string, body: string | Uint8Array, options: PutOptions = {}): Promise<{ etag: string }> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    try {
      const out = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: options.contentType ?? contentTypeFor(key),
          ...(options.ifMatch ? { IfMatch: `"${options.ifMatch}"` } : {}),
          ...(options.ifNoneMatch ? { IfNoneMatch: options.ifNoneMatch } : {}),
        }),
      );
      return { etag: cleanEtag(out.ETag) };
    } catch (error) {
      // S3 answers a lost conditional write with 412, or 409 when another conditional write to the
      // key is in flight; both mean "someone else's version is there".
      if ((options.ifMatch || options.ifNoneMatch) && isConditionalConflict(error)) {
        throw new PreconditionFailedError(key, conflictReason(error), { cause: error });
      }
      throw error;
    }
  }

  async list(prefix: string, options: { startAfter?: string } = {}): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ContinuationToken: token,
          ...(options.startAfter && !token ? { StartAfter: options.startAfter } : {}),
        }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        out.push({
          key: o.Key,
          etag: cleanEtag(o.ETag),
          size: o.Size ?? 0,
          lastModified: o.LastModified ? o.LastModified.toISOString() : null,
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async listPrefixes(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
      );
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async head(key: string): Promise<StoredObject | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        etag: cleanEtag(out.ETag),
        size: out.ContentLength ?? 0,
        lastModified: out.LastModified ? out.LastModified.toISOString() : null,
      };
    } catch (error) {
      return this.missingOr(key, error);
    }
  }

  presignGet(key: string, expiresInSeconds: number, options: { downloadName?: string } = {}): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ...(options.downloadName
        ? { ResponseContentDisposition: `attachment; filename="${options.downloadName.replace(/["\\\r\n]/g, '_')}"` }
        : {}),
    });
    return getSignedUrl(this.client, command, { expiresIn: expiresInSeconds });
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const chunk = keys.slice(i, i + 1000);
      if (chunk.length === 0) continue;
      await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: chunk.map((Key) => ({ Key })), Quiet: true } }),
      );
    }
  }
}

function contentTypeFor(key: string): string {
  if (key.endsWith('.jsonl')) return 'application/x-ndjson';
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.csv')) return 'text/csv';
  if (key.endsWith('.parquet')) return 'application/vnd.apache.parquet';
  return 'application/octet-stream';
}
