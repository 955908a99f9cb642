// Alerts (budget thresholds, anomalies) are emitted exactly once per identity, however often or
// concurrently analyze runs: the identity is claimed in state/alerts/ with a create-only write
// (conditional on AWS), and released again if delivery fails so the next run retries.

import type { Analytics } from '../analytics/analytics.ts';
import { addDays } from '../core/calendar.ts';
import { PreconditionFailedError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { alertKey } from '../store/layout.ts';
import type { ObjectStore } from '../store/object-store.ts';

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

/**
 * Alerts are about recent days only: an anomaly on, or a budget threshold reached on, a day a sync
 * back-filled later (a first sync of months of logs, a laptop back after a week) is history, not
 * news. Today and yesterday count (local days of the analytics' zone): yesterday's usage often
 * arrives this morning.
 */
const ALERT_HORIZON_DAYS = 2;

/** The local day an alert is about: an anomaly's day, the day spend reached a budget threshold; a forecast is about today. */
export function alertDay(alert: Alert, analytics: Pick<Analytics, 'as_of' | 'month_to_date'>): string {
  const d = alert.detail;
  if (alert.type === 'anomaly.detected' && typeof d.day === 'string') return d.day;
  if (alert.type === 'budget.threshold_crossed' && d.basis === 'actual') {
    const budget = analytics.month_to_date.budgets.find((b) => b.id === d.budget);
    const reached = budget?.reached_on?.find((r) => r.threshold === d.threshold);
    if (reached) return reached.day;
  }
  return analytics.as_of;
}

/** The alerts whose day lies within the horizon (today and the days before it, `horizonDays` in all). */
export function recentAlerts(
  alerts: readonly Alert[],
  analytics: Pick<Analytics, 'as_of' | 'month_to_date'>,
  horizonDays = ALERT_HORIZON_DAYS,
): Alert[] {
  const first = addDays(analytics.as_of, -(horizonDays - 1));
  return alerts.filter((a) => alertDay(a, analytics) >= first);
}

const money = (v: unknown) => (typeof v === 'number' ? `$${v.toFixed(2)}` : '?');
const percent = (v: unknown) => (typeof v === 'number' ? `${Math.round(v * 100)} %` : '?');

/** One line a person reads (the terminal after `tokenlake sync`); JSON logs keep every field. */
export function describeAlert(alert: Alert): string {
  const d = alert.detail;
  if (alert.type === 'anomaly.detected') {
    return `alert: ${d.dimension} ${d.key} cost ${money(d.cost_usd)} on ${d.day}, against ${money(d.baseline_usd)} on a usual day (+${money(d.jump_usd)})`;
  }
  if (alert.type === 'budget.threshold_crossed') {
    const head = `alert: budget ${d.budget} (${d.scope})`;
    if (d.basis === 'forecast') {
      const runOut = typeof d.run_out_day === 'string' ? `, runs out ${d.run_out_day}` : '';
      return `${head} is on track to pass ${percent(d.threshold)} of ${money(d.limit_usd)} in ${d.month}: ${money(d.forecast_usd)} forecast${runOut}`;
    }
    return `${head} reached ${percent(d.threshold)} of ${money(d.limit_usd)} in ${d.month}: ${money(d.spent_usd)} spent`;
  }
  return `alert: ${alert.type} ${alert.identity}`;
}

/** Keeps the alerts it is given (the CLI prints them after the sync summary). */
export function collectingAlertSink(): AlertSink & { alerts: Alert[] } {
  const alerts: Alert[] = [];
  return {
    alerts,
    async send(alert) {
      alerts.push(alert);
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
