import { describe, expect, it } from 'vitest';
import { mapLimited } from '../../../lib/core/map-limited.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('mapLimited', () => {
  it('keeps the items’ order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const items = Array.from({ length: 25 }, (_, i) => i);
    const out = await mapLimited(items, 4, async (n, i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, (n * 7) % 5));
      running--;
      return n * n + i;
    });
    expect(out).toEqual(items.map((n) => n * n + n));
    expect(most).toBe(4);
  });

  it('rejects with the first failure and takes no new item after it', async () => {
    const started: number[] = [];
    const run = mapLimited([0, 1, 2, 3, 4, 5, 6, 7], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 1) throw new Error('item 1 failed');
      return n;
    });
    await expect(run).rejects.toThrow('item 1 failed');
    await tick();
    expect(started.length).toBeLessThan(8);
  });

  it('answers an empty list with an empty list', async () => {
    expect(await mapLimited([], 3, async () => 1)).toEqual([]);
  });
});
