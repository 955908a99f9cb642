// What every route handler is given: the store, the keys, the clock and the optional services a
// deployment wires in. Its own file so the route contract and the router both read it without
// importing each other.

import type { Logger } from '../core/log.ts';
import type { AnalyzeDeps } from '../pipeline/analyze.ts';
import type { ObjectStore } from '../store/object-store.ts';
import type { AnonymizableField } from '../usage/anonymize.ts';
import type { ApiKeyEntry } from './auth.ts';
import type { AuthGuard } from './auth-guard.ts';

export interface ApiDeps {
  store: ObjectStore;
  keys: readonly ApiKeyEntry[];
  now: () => Date;
  log: Logger;
  /** IANA zone of local days and windows (config.timeZone). */
  timeZone: string;
  /** Extra response headers on every answer (CORS). */
  corsOrigin?: string;
  /** Exports whose encoded answer is larger go to `exports/` behind a presigned URL (default 5 MB). */
  exportInlineLimitBytes?: number;
  /** HMAC key for anonymised exports (TOKENLAKE_HMAC_KEY); without one a key kept in the bucket is used. */
  anonymizationKey?: string;
  /** Labels pseudonymised at ingestion (TOKENLAKE_ANONYMIZE), for the routes that land usage. */
  anonymize?: AnonymizableField[];
  /** What re-aggregation and budget changes recompute with (store, pricer, zone, alerts). */
  analysis?: AnalyzeDeps;
  /** Logs wrong bearer keys and refuses an address that keeps sending them (429). */
  authGuard?: AuthGuard;
}
