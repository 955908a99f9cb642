// A source's status object (state/status/, or state/machines/<machine>/status/ for log sources):
// its last run, last success and last error. Written by sync, read by analytics' data_quality and
// by sources that skip unchanged logs; defined here, beside the sources, so those readers need not
// import the sync run that writes it.

import { z } from 'zod';
import { isMachineStatusKey, MACHINES_PREFIX, STATUS_PREFIX, statusKey } from '../store/layout.ts';
import type { ObjectStore } from '../store/object-store.ts';

export const sourceStatusSchema = z.object({
  source: z.string(),
  machine: z.string().nullable(),
  last_run_at: z.string(),
  last_success_at: z.string().nullable(),
  last_error: z.string().nullable(),
  last_error_at: z.string().nullable(),
  last_run: z.object({
    read: z.number(),
    records: z.number(),
    duplicates: z.number(),
    quarantined: z.number(),
    skipped: z.number(),
    objects_written: z.number(),
  }),
});
export type SourceStatus = z.infer<typeof sourceStatusSchema>;

/** Sources that read this machine's files keep per-machine state; API sources are global. */
const machineScoped = new Set(['claude-code', 'codex', 'gemini-cli', 'qwen-code', 'opencode', 'amp']);

/** Whether a source's state is kept per machine (it reads this machine's files). */
export function isMachineScoped(source: string): boolean {
  return machineScoped.has(source);
}

/**
 * A log source's status lives beside its cursor under state/machines/<machine>/, so a laptop that
 * pushes into the team bucket needs access to that prefix only (see docs/team.md).
 */
export function sourceStatusKey(source: string, machine: string): string {
  return statusKey(source, isMachineScoped(source) ? machine : null);
}

/** A stored status, or null when it is missing or unreadable. */
export async function readStatus(store: ObjectStore, key: string): Promise<SourceStatus | null> {
  const got = await store.getText(key);
  if (!got) return null;
  try {
    const parsed = sourceStatusSchema.safeParse(JSON.parse(got.text));
    return parsed.success ? parsed.data : null;
  } catch {
    // A corrupt status object is replaced by the next run's; it holds no data of its own.
    return null;
  }
}

/** Every stored status: the global ones and each machine's. */
export async function readAllStatuses(store: ObjectStore): Promise<SourceStatus[]> {
  const machineObjects = (await store.list(MACHINES_PREFIX)).filter((o) => isMachineStatusKey(o.key));
  const objects = [...(await store.list(STATUS_PREFIX)), ...machineObjects];
  const out: SourceStatus[] = [];
  for (const o of objects) {
    const s = await readStatus(store, o.key);
    if (s) out.push(s);
  }
  return out;
}
