import { describe, expect, it } from 'vitest';
import { resolveCacheDir } from '../../../lib/config/cache-dir.ts';
import { parseConfig } from '../../../lib/config/config.ts';

describe('resolveCacheDir', () => {
  it('takes TOKENLAKE_CACHE_DIR (relative to cwd, ~ expanded), else an absolute XDG_CACHE_HOME, else ~/.cache', () => {
    expect(resolveCacheDir({ TOKENLAKE_CACHE_DIR: 'c' }, '/home/u', '/srv')).toBe('/srv/c');
    expect(resolveCacheDir({ TOKENLAKE_CACHE_DIR: '~/x', XDG_CACHE_HOME: '/xdg' }, '/home/u', '/srv')).toBe('/home/u/x');
    expect(resolveCacheDir({ XDG_CACHE_HOME: '/xdg' }, '/home/u', '/srv')).toBe('/xdg/tokenlake');
    expect(resolveCacheDir({ XDG_CACHE_HOME: 'relative' }, '/home/u', '/srv')).toBe('/home/u/.cache/tokenlake');
    expect(resolveCacheDir({}, '/home/u', '/srv')).toBe('/home/u/.cache/tokenlake');
  });

  it('is what the configuration uses, never the data dir', () => {
    const c = parseConfig({ TOKENLAKE_DATA_DIR: 'data' }, { home: '/home/u', cwd: '/srv/project' });
    expect(c.dataDir).toBe('/srv/project/data');
    expect(c.cacheDir).toBe('/home/u/.cache/tokenlake');
  });
});
