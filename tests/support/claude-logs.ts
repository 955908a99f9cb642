// Builders for Claude Code transcript lines in the shapes Claude Code writes (see
// shared/specs/provider-usage-apis.md §6). Tests compute their expectations by hand, not from here.

import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface AssistantLine {
  ts: string;
  msgId?: string | undefined;
  requestId?: string | undefined;
  model?: string;
  input?: number;
  output?: number;
  cacheWrite?: number;
  cacheWrite1h?: number;
  cacheRead?: number;
  session?: string;
  cwd?: string;
  uuid?: string;
}

export function assistantLine(l: AssistantLine): string {
  const cacheWrite = l.cacheWrite ?? 0;
  const oneHour = l.cacheWrite1h ?? 0;
  return JSON.stringify({
    parentUuid: null,
    isSidechain: false,
    userType: 'external',
    cwd: l.cwd ?? '/home/alice/code/web',
    sessionId: l.session ?? 'session-1',
    version: '2.1.0',
    gitBranch: 'main',
    type: 'assistant',
    uuid: l.uuid ?? `uuid-${Math.random().toString(36).slice(2)}`,
    timestamp: l.ts,
    ...(l.requestId !== undefined ? { requestId: l.requestId } : {}),
    message: {
      ...(l.msgId !== undefined ? { id: l.msgId } : {}),
      type: 'message',
      role: 'assistant',
      model: l.model ?? 'claude-sonnet-4-5-20250929',
      content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: {
        input_tokens: l.input ?? 0,
        cache_creation_input_tokens: cacheWrite,
        cache_read_input_tokens: l.cacheRead ?? 0,
        cache_creation: { ephemeral_5m_input_tokens: cacheWrite - oneHour, ephemeral_1h_input_tokens: oneHour },
        output_tokens: l.output ?? 0,
        service_tier: 'standard',
      },
    },
  });
}

export function userLine(ts: string, text = 'please fix the bug'): string {
  return JSON.stringify({
    type: 'user',
    sessionId: 'session-1',
    timestamp: ts,
    uuid: `u-${Math.random().toString(36).slice(2)}`,
    message: { role: 'user', content: [{ type: 'tool_result', content: text }] },
  });
}

export function writeLog(
  root: string,
  relative: string,
  lines: string[],
  options: { append?: boolean; trailingNewline?: boolean } = {},
): string {
  const path = join(root, 'projects', relative);
  mkdirSync(dirname(path), { recursive: true });
  const body = lines.join('\n') + (options.trailingNewline === false ? '' : '\n');
  if (options.append) appendFileSync(path, body);
  else writeFileSync(path, body);
  return path;
}
