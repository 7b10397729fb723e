import { describe, expect, it } from 'vitest';
import { escapeText, foldLine, toICalendar, utcStamp } from './ical.ts';

const octets = (s: string) => new TextEncoder().encode(s).length;

describe('iCalendar (RFC 5545)', () => {
  it('escapes backslash, semicolon, comma and newlines in TEXT; drops other controls', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
    // HTAB is allowed in TEXT; BEL is not.
    expect(escapeText('bell\x07tab\tend')).toBe('belltab\tend');
  });

  it('folds lines at 75 octets, never inside a multi-byte character, continuation lines start with a space', () => {
    const line = `DESCRIPTION:${'合约将于到期'.repeat(20)}`;
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    expect(parts.length).toBeGreaterThan(1);
    for (const [i, p] of parts.entries()) {
      expect(octets(p)).toBeLessThanOrEqual(75);
      if (i > 0) expect(p.startsWith(' ')).toBe(true);
    }
    expect(parts.map((p, i) => (i === 0 ? p : p.slice(1))).join('')).toBe(line);
    expect(foldLine('SHORT:x')).toBe('SHORT:x');
  });

  it('writes all-day events with a UTC stamp, CRLF line ends and the next day as DTEND', () => {
    const text = toICalendar([{ uid: 'C1-birthday-2028-02-29@tenure.care', date: '2028-02-29', summary: 'C1 birthday', description: 'Happy birthday, C1; see you', priority: 3 }], {
      stamp: new Date('2026-01-31T16:30:00.123Z'),
    });
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(text.split('\r\n').every((l) => !l.includes('\n'))).toBe(true);
    expect(text).toContain('\r\nDTSTAMP:20260131T163000Z\r\n');
    expect(text).toContain('\r\nDTSTART;VALUE=DATE:20280229\r\nDTEND;VALUE=DATE:20280301\r\n');
    expect(text).toContain('\r\nDESCRIPTION:Happy birthday\\, C1\\; see you\r\n');
    expect(text).toContain('\r\nPRIORITY:3\r\n');
    expect(utcStamp(new Date('2026-12-31T23:59:59Z'))).toBe('20261231T235959Z');
  });
});
