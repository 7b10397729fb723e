/**
 * A minimal RFC 5545 (iCalendar) writer for the care calendar; no library is installed for it.
 *
 * - Lines end in CRLF and are folded so that no line exceeds 75 octets of UTF-8 (3.1): a
 *   continuation line starts with one space, and a multi-byte character is never split.
 * - TEXT values escape backslash, semicolon, comma and newlines (3.3.11); other control
 *   characters, which TEXT does not allow, are dropped.
 * - Occasions are all-day events: DTSTART;VALUE=DATE is a calendar date with no time zone
 *   (the operator's local day, 3.3.4), DTEND the next day (non-inclusive). DTSTAMP, which must
 *   be UTC, carries the Z suffix (3.8.7.2).
 */
export interface CalendarEvent {
  /** Globally unique and stable across runs, so a re-import updates instead of duplicating. */
  readonly uid: string;
  /** YYYY-MM-DD */
  readonly date: string;
  readonly summary: string;
  readonly description?: string;
  readonly categories?: readonly string[];
  readonly priority?: number;
}

export function escapeText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

const encoder = new TextEncoder();

/** Folds one content line into lines of at most 75 octets, joined by CRLF + space. */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  let limit = 75;
  for (const ch of line) {
    const size = encoder.encode(ch).length;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
      limit = 74; // the leading space of a continuation line counts
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

const compactDate = (date: string) => date.replaceAll('-', '');

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** YYYYMMDDTHHMMSSZ of an instant. */
export function utcStamp(instant: Date): string {
  return instant.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

export function toICalendar(events: readonly CalendarEvent[], options: { readonly stamp: Date; readonly name?: string }): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Tenure//care calendar//EN', 'CALSCALE:GREGORIAN', 'METHOD:PUBLISH'];
  if (options.name) lines.push(`X-WR-CALNAME:${escapeText(options.name)}`);
  const stamp = utcStamp(options.stamp);
  for (const e of events) {
    lines.push('BEGIN:VEVENT', `UID:${escapeText(e.uid)}`, `DTSTAMP:${stamp}`, `DTSTART;VALUE=DATE:${compactDate(e.date)}`, `DTEND;VALUE=DATE:${compactDate(nextDay(e.date))}`);
    lines.push(`SUMMARY:${escapeText(e.summary)}`);
    if (e.description) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
    if (e.categories?.length) lines.push(`CATEGORIES:${e.categories.map(escapeText).join(',')}`);
    if (e.priority !== undefined) lines.push(`PRIORITY:${Math.min(9, Math.max(0, Math.round(e.priority)))}`);
    lines.push('TRANSP:TRANSPARENT', 'END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}
