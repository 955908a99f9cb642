import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/config.ts';
import { ConfigError } from '../../../lib/core/errors.ts';

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
    // Retention is opt-in: by default the raw lake is kept forever.
    expect(c.retentionDays).toBeNull();
  });

  it('turns raw-lake expiry on with TOKENLAKE_RETENTION_DAYS', () => {
    expect(parseConfig({ TOKENLAKE_RETENTION_DAYS: '400' }).retentionDays).toBe(400);
    expect(parseConfig({ TOKENLAKE_RETENTION_DAYS: ' ' }).retentionDays).toBeNull();
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
    [{ TOKENLAKE_RETENTION_DAYS: '0' }, 'TOKENLAKE_RETENTION_DAYS'],
    [{ TOKENLAKE_RETENTION_DAYS: '180d' }, 'TOKENLAKE_RETENTION_DAYS'],
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

describe('reading each variable', () => {
  it.each([
    [{ PORT: '70000', TOKENLAKE_TIMEZONE: 'Mars/Olympus' }, 'invalid configuration: PORT: expected a port 0-65535, got "70000"'],
    [{ TOKENLAKE_ANOMALY_K: '0', TOKENLAKE_STORE: 'gcs' }, 'invalid configuration: TOKENLAKE_STORE: expected "local" or "s3", got "gcs"'],
    [
      { TOKENLAKE_LOG_LEVEL: '' },
      'invalid configuration: TOKENLAKE_LOG_LEVEL: Invalid option: expected one of "debug"|"info"|"warn"|"error"',
    ],
    [
      { TOKENLAKE_ANONYMIZE: 'user, bogus' },
      'invalid configuration: TOKENLAKE_ANONYMIZE: cannot anonymise "bogus" (fields: user, project, api_key, session, machine, workspace)',
    ],
    [{ TOKENLAKE_RECONCILE_TOLERANCE: '1.5' }, 'invalid configuration: TOKENLAKE_RECONCILE_TOLERANCE: expected a fraction 0-1, got "1.5"'],
  ])('reports the first bad variable of %j, in the order they are read', (env, message) => {
    expect(() => parseConfig(env, { home: '/home/u', cwd: '/srv', detectAgents: () => [] })).toThrow(message);
  });

  it('reads empty as unset, trims names and URLs, and keeps keys as given', () => {
    const c = parseConfig(
      {
        PORT: '',
        TOKENLAKE_SYNC_MINUTES: ' ',
        TOKENLAKE_STORE: ' s3 ',
        TOKENLAKE_S3_ENDPOINT: ' http://localhost:4566/ ',
        TOKENLAKE_USER: ' ann ',
        TOKENLAKE_API_KEY: ' 0123456789abcdef',
        TOKENLAKE_ANONYMIZE: 'user,,user, project',
      },
      { home: '/home/u', cwd: '/srv', detectAgents: () => [] },
    );
    expect(c.port).toBe(3000);
    expect(c.syncMinutes).toBe(5);
    expect(c.store).toBe('s3');
    expect(c.s3Endpoint).toBe('http://localhost:4566');
    expect(c.user).toBe('ann');
    expect(c.apiKey).toBe(' 0123456789abcdef');
    expect(c.anonymize).toEqual(['user', 'project']);
    expect(c.logLevel).toBe('info');
    expect(c.reconcileTolerance).toBe(0.02);
    expect(c.anomalyK).toBe(5);
  });
});

describe('finding the agents on this machine', () => {
  it('resolves each agent from its own variables and reads every agent found, without TOKENLAKE_SOURCES', () => {
    const seen: unknown[] = [];
    const c = parseConfig(
      { CODEX_HOME: '~/cx', GEMINI_CLI_HOME: '/g', QWEN_HOME: '/q', XDG_DATA_HOME: '/xdg', OPENCODE_DB: 'other.db' },
      {
        home: '/home/u',
        cwd: '/srv',
        detectAgents: (paths) => {
          seen.push(paths);
          return [{ source: 'codex', where: ['/home/u/cx/sessions'] }];
        },
      },
    );
    expect(seen).toEqual([
      {
        claudeConfigDirs: ['/home/u/.claude', '/home/u/.config/claude'],
        codexHome: '/home/u/cx',
        geminiDir: '/g/.gemini',
        qwenDir: '/q',
        opencodeDataDir: '/xdg/opencode',
        opencodeDb: '/xdg/opencode/other.db',
        ampDataDir: '/xdg/amp',
      },
    ]);
    // Only Codex logs here: sync reads Codex, not the demo.
    expect(c.sources).toEqual(['codex']);
    expect(c.demoFallback).toBe(false);
    expect(c.foundAgents).toEqual([{ source: 'codex', where: ['/home/u/cx/sessions'] }]);
  });

  it('prefers QWEN_RUNTIME_DIR, ignores a relative XDG_DATA_HOME, and falls back to demo when nothing is found', () => {
    const c = parseConfig(
      { QWEN_HOME: '/q', QWEN_RUNTIME_DIR: '/rt', XDG_DATA_HOME: 'relative' },
      { home: '/home/u', cwd: '/srv', detectAgents: () => [] },
    );
    expect(c.qwenDir).toBe('/rt');
    expect(c.ampDataDir).toBe('/home/u/.local/share/amp');
    expect(c.sources).toEqual(['demo']);
    expect(c.demoFallback).toBe(true);
    const named = parseConfig({ TOKENLAKE_SOURCES: 'demo' }, { home: '/home/u', cwd: '/srv', detectAgents: () => [] });
    expect(named.demoFallback).toBe(false);
  });
});

describe('Amazon Bedrock configuration', () => {
  const none = { home: '/home/u', cwd: '/srv', detectAgents: () => [] };

  it('reads TOKENLAKE_BEDROCK_LOGS as a list of locations, and adds the bedrock source when TOKENLAKE_SOURCES is unset', () => {
    const c = parseConfig({ TOKENLAKE_BEDROCK_LOGS: 's3://logs-us/bedrock, s3://logs-eu ,s3://logs-us/bedrock/' }, none);
    expect(c.bedrockLogs).toEqual([
      { url: 's3://logs-us/bedrock/', bucket: 'logs-us', root: 'bedrock/' },
      { url: 's3://logs-eu/', bucket: 'logs-eu', root: '' },
    ]);
    // Configured usage is real usage: no demo beside it.
    expect(c.sources).toEqual(['bedrock']);
    expect(c.demoFallback).toBe(false);
  });

  it('adds bedrock-metrics for TOKENLAKE_BEDROCK_METRICS_REGIONS, whose default is AWS_REGION', () => {
    const c = parseConfig({ TOKENLAKE_BEDROCK_METRICS_REGIONS: 'us-east-1,eu-west-1', AWS_REGION: 'us-west-2' }, none);
    expect(c.sources).toEqual(['bedrock-metrics']);
    expect(c.bedrockMetricsRegions).toEqual(['us-east-1', 'eu-west-1']);
    expect(parseConfig({ TOKENLAKE_SOURCES: 'bedrock-metrics', AWS_REGION: 'eu-central-1' }, none).bedrockMetricsRegions).toEqual([
      'eu-central-1',
    ]);
  });

  it('keeps an explicit TOKENLAKE_SOURCES, and refuses the bedrock source without a location', () => {
    expect(parseConfig({ TOKENLAKE_SOURCES: 'codex', TOKENLAKE_BEDROCK_LOGS: 's3://logs-us' }, none).sources).toEqual(['codex']);
    expect(() => parseConfig({ TOKENLAKE_SOURCES: 'bedrock' }, none)).toThrow(
      /TOKENLAKE_BEDROCK_LOGS: the bedrock source needs the log location/,
    );
  });

  it.each([
    [{ TOKENLAKE_BEDROCK_LOGS: 'logs-us/bedrock' }, 'TOKENLAKE_BEDROCK_LOGS', /expected s3:\/\/bucket\/prefix/],
    [{ TOKENLAKE_BEDROCK_LOGS: 's3://Logs_US' }, 'TOKENLAKE_BEDROCK_LOGS', /not a valid S3 bucket name/],
    [{ TOKENLAKE_BEDROCK_METRICS_REGIONS: 'us-east-1,virginia' }, 'TOKENLAKE_BEDROCK_METRICS_REGIONS', /"virginia" is not an AWS region/],
  ])('names the bad variable: %j', (env, variable, reason) => {
    let error: unknown;
    try {
      parseConfig(env, none);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as Error).message).toMatch(reason);
  });
});
