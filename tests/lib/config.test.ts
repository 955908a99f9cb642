import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config.ts';
import { ConfigError } from '../../lib/errors.ts';

describe('parseConfig', () => {
  it('applies defaults and picks the demo source when no Claude log dir exists', () => {
    const c = parseConfig({}, { home: '/home/u', cwd: '/srv', hasTranscripts: () => false });
    expect(c.port).toBe(3000);
    expect(c.dataDir).toBe('/srv/.tokenlake');
    expect(c.sources).toEqual(['demo']);
    expect(c.claudeConfigDirs).toEqual(['/home/u/.claude', '/home/u/.config/claude']);
    expect(c.timeZone).toBe('UTC');
    expect(c.syncMinutes).toBe(5);
    // No price refresh unless asked for: some accounts have no egress.
    expect(c.pricesUrl).toBeUndefined();
    expect(parseConfig({ TOKENLAKE_PRICES_URL: 'https://prices.example/p.json' }).pricesUrl).toBe('https://prices.example/p.json');
  });

  it('picks claude-code when a projects folder holds transcripts, and splits CLAUDE_CONFIG_DIR', () => {
    const c = parseConfig({ CLAUDE_CONFIG_DIR: '~/a, /b' }, { home: '/home/u', cwd: '/srv', hasTranscripts: (p) => p === '/b/projects' });
    expect(c.claudeConfigDirs).toEqual(['/home/u/a', '/b']);
    expect(c.sources).toEqual(['claude-code']);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ TOKENLAKE_TIMEZONE: 'Mars/Olympus' }, 'TOKENLAKE_TIMEZONE'],
    [{ TOKENLAKE_SOURCES: 'claude-code,bogus' }, 'TOKENLAKE_SOURCES'],
    [{ TOKENLAKE_SYNC_MINUTES: '0' }, 'TOKENLAKE_SYNC_MINUTES'],
    [{ TOKENLAKE_API_KEY: 'short' }, 'TOKENLAKE_API_KEY'],
    [{ TOKENLAKE_BUCKET: 'Bad_Bucket' }, 'TOKENLAKE_BUCKET'],
    [{ TOKENLAKE_S3_ENDPOINT: 'not a url' }, 'TOKENLAKE_S3_ENDPOINT'],
    [{ TOKENLAKE_PRICES_URL: 'prices.json' }, 'TOKENLAKE_PRICES_URL'],
  ])('rejects %o naming %s', (env, variable) => {
    let caught: unknown;
    try {
      parseConfig(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe(variable);
    expect((caught as Error).message).toContain(variable);
  });
});
