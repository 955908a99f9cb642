// The pull-wide id → written total map keys hex ids by their bytes; no two ids may share a key.

import { describe, expect, it } from 'vitest';
import { WrittenTotals } from '../../../lib/sources/claude-code/index.ts';

describe('WrittenTotals', () => {
  it('keeps hex and other ids apart, and upper-case hex apart from lower-case', () => {
    const written = new WrittenTotals();
    const hex = '0123456789abcdef0123456789abcdef';
    written.set(hex, 10);
    written.set(hex.toUpperCase(), 20);
    // The latin-1 string a packed key is, given as an id itself.
    written.set(Buffer.from(hex, 'hex').toString('latin1'), 30);
    written.set('msg_1', 40);
    expect(written.get(hex)).toBe(10);
    expect(written.get(hex.toUpperCase())).toBe(20);
    expect(written.get(Buffer.from(hex, 'hex').toString('latin1'))).toBe(30);
    expect(written.get('msg_1')).toBe(40);
    expect(written.get('fedcba9876543210fedcba9876543210')).toBeUndefined();
    written.set(hex, 15);
    expect(written.get(hex)).toBe(15);
  });
});
