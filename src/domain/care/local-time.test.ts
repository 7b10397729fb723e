import { describe, expect, it } from 'vitest';
import { localTimestamp } from './local-time.ts';

describe('timestamps around midnight in the operator time zone', () => {
  it('without an offset a timestamp is local time as written', () => {
    expect(localTimestamp('2026-01-31T23:59:59', 'Asia/Shanghai')).toBe('2026-01-31 23:59:59');
    expect(localTimestamp('2026-02-01 00:00', 'Asia/Shanghai')).toBe('2026-02-01 00:00:00');
  });
  it('with an offset it is converted: 23:30 UTC on Jan 31 is the next morning (and month) in Shanghai', () => {
    expect(localTimestamp('2026-01-31T23:30:00Z', 'Asia/Shanghai')).toBe('2026-02-01 07:30:00');
    expect(localTimestamp('2026-02-01T00:30:00+08:00', 'Asia/Shanghai')).toBe('2026-02-01 00:30:00');
    expect(localTimestamp('2026-02-01T00:30:00+09:00', 'Asia/Shanghai')).toBe('2026-01-31 23:30:00');
    expect(localTimestamp('2026-01-01T01:00:00+08:00', 'UTC')).toBe('2025-12-31 17:00:00');
  });
  it('refuses what the contract does not allow', () => {
    for (const bad of ['2026-02-30T10:00', '2026-01-31', '2026-01-31T24:00', '31/01/2026 10:00', '2026-01-31T10:00+8']) expect(localTimestamp(bad, 'Asia/Shanghai')).toBeNull();
  });
});
