// Typed errors with context. Only the api handler turns them into HTTP answers:
// status < 500 is shown as is, anything else is logged and answered with a generic 500.

interface FieldIssue {
  field: string;
  reason: string;
}

export class HttpError extends Error {
  /** Sent with the answer, e.g. Retry-After on a 429 or 503 (lowercase names). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly statusCode: number,
    message: string,
    readonly details: FieldIssue[] = [],
    options?: { cause?: unknown; headers?: Record<string, string> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.headers = options?.headers ?? {};
  }

  toJSON(): { error: string; details: FieldIssue[] } {
    return { error: this.message, details: this.details };
  }
}

export class BadRequestError extends HttpError {
  constructor(message: string, details: FieldIssue[] = []) {
    super(400, message, details);
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = 'missing or invalid bearer key') {
    super(401, message);
  }
}

export class ForbiddenError extends HttpError {
  constructor(message = 'key lacks the scope this route needs') {
    super(403, message);
  }
}

export class NotFoundError extends HttpError {
  constructor(message = 'not found') {
    super(404, message);
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(message = 'request body too large') {
    super(413, message);
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor(message = 'content-type must be application/json') {
    super(415, message);
  }
}

/** The client must slow down: sent with Retry-After (seconds). */
export class TooManyRequestsError extends HttpError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, message, [], { headers: { 'retry-after': String(retryAfterSeconds) } });
  }
}

/** Overloaded or a dependency (the store) failed transiently: the client should retry after a pause. */
export class ServiceUnavailableError extends HttpError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(503, message, [], options);
  }
}

/** A bad environment variable: the process must stop before doing anything. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`invalid configuration: ${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

/** A source that could not be read (API down, key rejected, directory unreadable). */
export class SourceError extends Error {
  constructor(
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${message}`, options);
    this.name = 'SourceError';
  }
}

/** Content in the store that does not match its contract (corrupt rollup, bad analytics.json). */
export class CorruptObjectError extends Error {
  constructor(
    readonly key: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`corrupt object ${key}: ${reason}`, options);
    this.name = 'CorruptObjectError';
  }
}

/** zod issues → `{ field, reason }` pairs; the path is dotted, the root is `body`. */
export function issuesToDetails(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, root = ''): FieldIssue[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return { field: path || root || '(root)', reason: issue.message };
  });
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A day's rollup could not be built from input that passed validation: a bug, or a value the
 * rollup cannot hold. Deterministic, so retrying does not help; analyze keeps the day's last
 * rollup, names the day in data_quality and goes on with the others.
 */
export class DayRollupError extends Error {
  constructor(
    readonly day: string,
    readonly dataset: 'usage' | 'events',
    options: { cause: unknown },
  ) {
    super(`the ${dataset} rollup of ${day} could not be built: ${errorMessage(options.cause)}`, options);
    this.name = 'DayRollupError';
  }
}

/**
 * A conditional write lost: the object exists (create-only) or changed since it was read
 * (If-Match). Every store throws this one type, whatever its protocol says (S3: 412, or 409 for
 * a concurrent conditional write), so callers never look at status codes.
 */
export class PreconditionFailedError extends Error {
  constructor(
    readonly key: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`conditional write to ${key} failed: ${reason}`, options);
    this.name = 'PreconditionFailedError';
  }
}
