import { describe, expect, it } from 'vitest';
import { DateCache } from '../../../src/server/date-cache.js';

describe('DateCache', () => {
  it('builds an IMF-fixdate line and reuses it within the second', () => {
    const c = new DateCache();
    const t = Date.UTC(1994, 10, 6, 8, 49, 37, 120);
    const a = c.get(t);
    expect(a.toString('latin1')).toBe('Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n');
    expect(c.get(t + 879)).toBe(a);
    const b = c.get(t + 880);
    expect(b).not.toBe(a);
    expect(b.toString('latin1')).toBe('Date: Sun, 06 Nov 1994 08:49:38 GMT\r\n');
  });
});
