// Alerts (budget thresholds, anomalies) are emitted exactly once per identity, however often or
// concurrently analyze runs: the identity is claimed in state/alerts/ with a create-only write
// (conditional on AWS), and released again if delivery fails so the next run retries.

import { PreconditionFailedError } from './errors.ts';
import type { Logger } from './log.ts';
import { alertKey } from './store/layout.ts';
import type { ObjectStore } from './store/object-store.ts';

export interface Alert {
  /** EventBridge detail-type, e.g. `budget.threshold_crossed`, `anomaly.detected`. */
  type: string;
  /** Stable identity: the same alert is never sent twice. */
  identity: string;
  detail: Record<string, unknown>;
}

export interface AlertSink {
  send(alert: Alert): Promise<void>;
}

/** Logs each alert as one JSON line; what the local stack uses when no webhook is configured. */
export function logAlertSink(log: Logger): AlertSink {
  return {
    async send(alert) {
      log.warn('alert', { alert_type: alert.type, ...alert.detail });
    },
  };
}

/** POSTs each alert as JSON to a webhook (local stack, chat integrations). */
export function webhookAlertSink(url: string, fetchImpl: typeof fetch = fetch): AlertSink {
  return {
    async send(alert) {
      const res = await fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: alert.type, ...alert.detail }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`alert webhook answered ${res.status}`);
    },
  };
}

export function combineSinks(...sinks: AlertSink[]): AlertSink {
  return {
    async send(alert) {
      for (const s of sinks) await s.send(alert);
    },
  };
}

/** Sends the alerts not sent before; returns the identities sent now. */
export async function sendOnce(store: ObjectStore, sink: AlertSink, alerts: readonly Alert[], now: Date, log: Logger): Promise<string[]> {
  const sent: string[] = [];
  for (const alert of alerts) {
    const key = alertKey(alert.identity);
    if (await store.head(key)) continue;
    try {
      await store.put(key, JSON.stringify({ ...alert, sent_at: now.toISOString() }), { ifNoneMatch: '*' });
    } catch (error) {
      // Another analyze claimed it first.
      if (error instanceof PreconditionFailedError) continue;
      throw error;
    }
    try {
      await sink.send(alert);
      sent.push(alert.identity);
    } catch (error) {
      log.error('alert delivery failed; will retry next run', { alert_type: alert.type, error: (error as Error).message });
      await store.delete([key]);
    }
  }
  return sent;
}
