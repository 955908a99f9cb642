// A Claude Code tree with one day of usage around 2026-11-29T14:30Z, for blocks and the status
// line. Tests state their expectations by hand; the prices used (USD per million tokens) are
// sonnet-4-5 3 in / 15 out and opus-4-1 15 in / 75 out.

import { utimesSync } from 'node:fs';
import { assistantLine, writeLog } from './claude-logs.ts';

export const NOW = Date.parse('2026-11-29T14:30:00Z');
export const TRANSCRIPT = '-home-alice-code-web/sess-1.jsonl';

/** Writes the tree under `claudeDir` and dates the files so they count as recent at NOW. */
export function writeRecentTree(claudeDir: string): { transcript: string } {
  const transcript = writeLog(claudeDir, TRANSCRIPT, [
    // Block 09:00–14:00. $0.30 + $0.75
    assistantLine({ ts: '2026-11-29T09:20:00.000Z', msgId: 'a1', requestId: 'q1', input: 100_000, output: 50_000, session: 'sess-1' }),
    // $0.60
    assistantLine({ ts: '2026-11-29T11:00:00.000Z', msgId: 'a2', requestId: 'q2', input: 200_000, session: 'sess-1' }),
    // Block 14:00–19:00, active at 14:30. $1.50
    assistantLine({ ts: '2026-11-29T14:10:00.000Z', msgId: 'a3', requestId: 'q3', output: 100_000, session: 'sess-1' }),
    // $0.15 + $0.75
    assistantLine({
      ts: '2026-11-29T14:25:00.000Z',
      msgId: 'a4',
      requestId: 'q4',
      model: 'claude-opus-4-1',
      input: 10_000,
      output: 10_000,
      session: 'sess-1',
    }),
  ]);
  const yesterday = writeLog(claudeDir, '-home-alice-code-web/sess-0.jsonl', [
    // Block 22:00–03:00 the day before (in Tokyo: 07:00 on the 29th). $0.30
    assistantLine({ ts: '2026-11-28T22:00:00.000Z', msgId: 'a0', requestId: 'q0', input: 100_000, session: 'sess-0' }),
  ]);
  const at = new Date(NOW - 60_000);
  utimesSync(transcript, at, at);
  utimesSync(yesterday, at, at);
  return { transcript };
}
