// The narrow storage port every part uses: keys and bytes, ETags, conditional writes that fail with
// PreconditionFailedError, listings in key order. Adapters: file-store.ts (the local lake),
// s3-store.ts (AWS and S3-compatible stores). The bucket's key layout lives in layout.ts.

export interface StoredObject {
  key: string;
  etag: string;
  size: number;
  lastModified: string | null;
}

export interface PutOptions {
  contentType?: string;
  /** Write only if the current ETag matches (optimistic concurrency; real S3 honours it). */
  ifMatch?: string;
  /** Write only if no object exists ('*'). */
  ifNoneMatch?: '*';
}

export interface ObjectStore {
  readonly bucket: string;
  getText(key: string): Promise<{ text: string; etag: string } | null>;
  getBytes(key: string): Promise<Uint8Array | null>;
  put(key: string, body: string | Uint8Array, options?: PutOptions): Promise<{ etag: string }>;
  /** Every object under the prefix, all pages, in key order. */
  list(prefix: string, options?: { startAfter?: string }): Promise<StoredObject[]>;
  /** The immediate "folders" under a prefix (delimiter '/'). */
  listPrefixes(prefix: string): Promise<string[]>;
  head(key: string): Promise<StoredObject | null>;
  delete(keys: string[]): Promise<void>;
  /**
   * A URL that GETs the object without credentials until it expires; optional because only a
   * real S3 client can sign (exports too large to answer inline need it).
   */
  presignGet?(key: string, expiresInSeconds: number, options?: { downloadName?: string }): Promise<string>;
}
