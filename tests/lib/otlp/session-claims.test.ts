import { describe, expect, it } from 'vitest';
import { claimKey, claimSessions } from '../../../lib/otlp/session-claims.ts';
import { OTLP_CLAIMS_PREFIX as CLAIMS_PREFIX } from '../../../lib/store/layout.ts';
import { MemoryStore as ConditionalStore, MemoryStore } from '../../support/memory-store.ts';

const NOW = new Date('2026-08-01T12:00:00.000Z');

describe('Claude Code session claims', () => {
  it('lets the first report with usage own the session, and keeps that owner for later requests', async () => {
    const store = new ConditionalStore();
    expect(await claimSessions(store, new Map([['s1', 'events']]), NOW)).toEqual(new Map([['s1', 'events']]));
    expect(await claimSessions(store, new Map([['s1', 'metrics']]), NOW)).toEqual(new Map([['s1', 'events']]));
    expect(await claimSessions(new ConditionalStore(), new Map([['s1', 'metrics']]), NOW)).toEqual(new Map([['s1', 'metrics']]));
    expect(store.keys(CLAIMS_PREFIX)).toEqual([claimKey('s1')]);
    expect(store.text(claimKey('s1'))).not.toContain('s1');
  });

  it('reads back the winner when another request claimed the session between its read and its write', async () => {
    const store = new ConditionalStore();
    const get = store.getText.bind(store);
    let first = true;
    // The other request's claim appears right after this request found none.
    store.getText = async (key: string) => {
      const got = await get(key);
      if (first && key === claimKey('s2')) {
        first = false;
        await MemoryStore.prototype.put.call(store, key, JSON.stringify({ version: 1, signal: 'metrics' }));
      }
      return got;
    };
    expect(await claimSessions(store, new Map([['s2', 'events']]), NOW)).toEqual(new Map([['s2', 'metrics']]));
  });

  it('remembers claims in memory: a second request for the session reads nothing', async () => {
    const store = new ConditionalStore();
    await claimSessions(store, new Map([['s3', 'events']]), NOW);
    const reads = store.gets.length;
    await claimSessions(store, new Map([['s3', 'events']]), NOW);
    expect(store.gets.length).toBe(reads);
  });

  it('lets a damaged claim favour events', async () => {
    const store = new ConditionalStore();
    await store.put(claimKey('s4'), 'not json');
    expect(await claimSessions(store, new Map([['s4', 'metrics']]), NOW)).toEqual(new Map([['s4', 'events']]));
  });
});
