import { Option, type Command } from 'commander';
import { TenureError } from '../app/errors.ts';
import { escapeControls } from './terminal.ts';

export { escapeControls } from './terminal.ts';

export type OutputFormat = 'table' | 'csv' | 'json';

/** Languages of the words Tenure prints (labels, reasons, stage names, strategies). */
export const LANGS = ['zh-CN', 'en'] as const;
export type OutputLang = (typeof LANGS)[number];

/** The contract's default currency of the operator's money (ISO 4217). */
export const DEFAULT_CURRENCY = 'CNY';

export interface FormatOptions {
  format?: string;
  json?: boolean;
  lang?: string;
  currency?: string;
}

/** Adds `--format table|csv|json`, `--json` and `--lang zh-CN|en` to a command that prints data. */
export function withFormat(cmd: Command): Command {
  cmd.addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json'])).option('--json', 'short for --format json');
  // A command that declared its own --lang (zh|en) keeps it; resolveLang reads both spellings.
  if (!cmd.options.some((o) => o.long === '--lang')) {
    cmd.option('--lang <lang>', 'language of labels, reasons and notes: zh-CN or en (default $TENURE_LANG or zh-CN)');
  }
  return cmd;
}

/** Adds `--currency CODE` to a command whose output carries money. */
export function withCurrency(cmd: Command): Command {
  return cmd.option('--currency <code>', `ISO 4217 code of the operator's money, shown with every amount (default $TENURE_CURRENCY or ${DEFAULT_CURRENCY})`);
}

export function resolveFormat(opts: FormatOptions, stream: NodeJS.WriteStream = process.stdout): OutputFormat {
  if (opts.json && opts.format !== undefined && opts.format !== 'json') {
    // Silently preferring one of the two would hand a script a format it did not ask for.
    throw new TenureError('USAGE', `--json is short for --format json; it cannot be combined with --format ${opts.format}`);
  }
  // Every printing command checks its --lang and --currency up front, whether or not this output uses them.
  resolveLang(opts);
  resolveCurrency(opts);
  if (opts.json) return 'json';
  if (opts.format === 'table' || opts.format === 'csv' || opts.format === 'json') return opts.format;
  if (opts.format !== undefined) throw new TenureError('USAGE', `unknown format ${opts.format}`);
  return stream.isTTY ? 'table' : 'csv';
}

/** `--lang`, else `$TENURE_LANG`, else zh-CN; `zh` and `zh_CN` name zh-CN too. */
export function resolveLang(opts: { lang?: string }, env: NodeJS.ProcessEnv = process.env): OutputLang {
  const given = opts.lang ?? (env.TENURE_LANG || undefined);
  if (given === undefined) return 'zh-CN';
  const norm = given.trim().replace('_', '-').toLowerCase();
  if (norm === 'zh' || norm === 'zh-cn' || norm === 'zh-hans') return 'zh-CN';
  if (norm === 'en' || norm.startsWith('en-')) return 'en';
  const source = opts.lang !== undefined ? '--lang' : 'TENURE_LANG';
  throw new TenureError('USAGE', `${source} must be zh-CN or en, got "${given}"`);
}

/** The short language code the domain's label sources use (zh/en pairs). */
export const labelLang = (lang: OutputLang): 'zh' | 'en' => (lang === 'en' ? 'en' : 'zh');

/** `--currency`, else `$TENURE_CURRENCY`, else CNY: three letters, upper-cased. */
export function resolveCurrency(opts: { currency?: string }, env: NodeJS.ProcessEnv = process.env): string {
  const given = opts.currency ?? (env.TENURE_CURRENCY || undefined);
  if (given === undefined) return DEFAULT_CURRENCY;
  if (!/^[A-Za-z]{3}$/.test(given.trim())) {
    const source = opts.currency !== undefined ? '--currency' : 'TENURE_CURRENCY';
    throw new TenureError('USAGE', `${source} must be a three-letter ISO 4217 code such as CNY or HKD, got "${given}"`);
  }
  return given.trim().toUpperCase();
}

/** Everything an output path needs to know besides the data. */
export interface OutputContext {
  readonly format: OutputFormat;
  readonly lang: OutputLang;
  readonly currency: string;
}

export function resolveOutput(opts: FormatOptions, stream: NodeJS.WriteStream = process.stdout): OutputContext {
  return { format: resolveFormat(opts, stream), lang: resolveLang(opts), currency: resolveCurrency(opts) };
}

// The values as outputs show them (money, fractions, months, dates, zh/en labels) live in
// domain/numeric/shown.ts, shared with the HTTP API; re-exported here for the commands.
export { dateText, fraction, money, monthText, pick, roundDecimalText, roundNumber } from '../domain/numeric/shown.ts';

// ---------------------------------------------------------------------------------------------
// CSV and tables.

export type Cell = string | number | bigint | boolean | null | undefined;

/** What a table shows differently from CSV: money columns carry the currency, shares show as %. */
export interface TableView {
  /** Columns holding money: the table header names the currency. */
  readonly money?: readonly string[];
  readonly currency?: string;
  /** Columns holding fractions 0–1: the table shows them as percentages (CSV and JSON keep the fraction). */
  readonly percent?: readonly string[];
}

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$/;

/**
 * OWASP CSV injection: a text cell starting with = + - @ (or tab / CR, which some spreadsheets
 * skip before reading a formula) is prefixed with a single quote and quoted, so a spreadsheet
 * shows it as text. Real numbers (typed numbers, or text that is a number such as "-3.5") are
 * data, not formulas, and stay as they are.
 */
export function neutraliseFormula(text: string): string {
  return startsLikeFormula(text) && !NUMBER_TEXT.test(text) ? `'${text}` : text;
}

/** = + - @ TAB CR, by char code: this runs for every text cell of a million-row CSV. */
function startsLikeFormula(text: string): boolean {
  const c = text.charCodeAt(0);
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13;
}

function csvField(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v !== 'string') return String(v);
  const text = startsLikeFormula(v) ? neutraliseFormula(v) : v;
  return text !== v || /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(columns: readonly string[], rows: readonly Record<string, Cell>[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c])).join(','));
  return lines.join('\n') + '\n';
}

/** Pieces writeCsv hands on: about a megabyte of text each. */
const CSV_PIECE = 1 << 20;

/**
 * The same text as toCsv, handed to `write` in pieces of about a megabyte as the rows come (a
 * large result is never one string in memory, and the reader gets its first rows early).
 */
export function writeCsv(columns: readonly string[], rows: Iterable<Record<string, Cell>>, write: (text: string) => void): void {
  function* cells() {
    for (const row of rows) yield columns.map((c) => row[c]);
  }
  writeCsvCells(columns, cells(), write);
}

/**
 * writeCsv for rows given as their cells in the order of `columns` (no object per row and no
 * lookup by name per cell: what a million-row CSV pays for its rows).
 */
export function writeCsvCells(columns: readonly string[], rows: Iterable<readonly Cell[]>, write: (text: string) => void): void {
  // Lines and pieces are joined from arrays (one flat string each) rather than grown with +=,
  // which makes a rope node per cell for the collector to trace and the writer to flatten.
  const n = columns.length;
  const fields = new Array<string>(n);
  let lines: string[] = [columns.map(csvField).join(',')];
  let length = 0;
  for (const row of rows) {
    for (let i = 0; i < n; i++) fields[i] = csvField(row[i]);
    const line = fields.join(',');
    lines.push(line);
    length += line.length + 1;
    if (length >= CSV_PIECE) {
      lines.push('');
      write(lines.join('\n'));
      lines = [];
      length = 0;
    }
  }
  if (lines.length > 0) {
    lines.push('');
    write(lines.join('\n'));
  }
}

/** Display width: CJK and full-width characters take two terminal cells. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    w += cp >= 0x1100 && (cp <= 0x115f || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd)) ? 2 : 1;
  }
  return w;
}

const percentText = (v: Cell): Cell => (typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : v);

/**
 * A table for people. Every cell has its control characters made visible (a cell holding ESC
 * sequences must not repaint or retitle the analyst's terminal, nor a newline break the grid).
 */
export function toTable(columns: readonly string[], rows: readonly Record<string, Cell>[], view: TableView = {}): string {
  const percent = new Set(view.percent ?? []);
  const money = new Set(view.money ?? []);
  const cell = (c: string, v: Cell): Cell => (percent.has(c) ? percentText(v) : money.has(c) && typeof v === 'number' && Number.isFinite(v) ? v.toFixed(2) : v);
  const shown = rows.map((r) => Object.fromEntries(columns.map((c) => [c, cell(c, r[c])])) as Record<string, Cell>);
  const text = shown.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? '' : escapeControls(String(r[c])))));
  const headers = columns.map((c) => escapeControls(money.has(c) && view.currency ? `${c} (${view.currency})` : c));
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...text.map((t) => displayWidth(t[i] ?? ''))));
  const numeric = columns.map((_, i) => shown.length > 0 && shown.every((r) => {
    const v = r[columns[i] ?? ''];
    return v === null || v === undefined || typeof v === 'number' || typeof v === 'bigint' || (typeof v === 'string' && /^-?\d+(\.\d+)?%?$/.test(v));
  }));
  const pad = (s: string, i: number) => {
    const fill = ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(s)));
    return numeric[i] ? fill + s : s + fill;
  };
  const out = [headers.map(pad).join('  '), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const t of text) out.push(t.map(pad).join('  '));
  return out.join('\n') + '\n';
}

/** One output path for tabular results: table on a TTY, CSV otherwise, JSON on request. */
export function printRows(
  columns: readonly string[],
  rows: readonly Record<string, Cell>[],
  format: OutputFormat,
  out: NodeJS.WritableStream = process.stdout,
  view: TableView = {},
): void {
  if (format === 'json') {
    out.write(jsonText(rows.map((r) => Object.fromEntries(columns.map((c) => [c, jsonCell(r[c])])))));
  } else if (format === 'csv') {
    writeCsv(columns, rows, (text) => out.write(text));
  } else {
    out.write(toTable(columns, rows, view));
  }
}

function jsonCell(v: Cell): string | number | boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v;
}

/**
 * JSON text. JSON.stringify escapes C0 controls but passes C1 (U+0080–U+009F, which some
 * terminals read as CSI and friends) through raw; they are written as \u escapes, which
 * leaves the parsed value exactly the same.
 */
export function jsonText(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
  return text.replace(/[\u0080-\u009f\u2028\u2029]/g, (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`) + '\n';
}

export function printJson(value: unknown, out: NodeJS.WritableStream = process.stdout): void {
  out.write(jsonText(value));
}

/** Prose for people (a table's preamble, a note): control characters from the data made visible. */
export function printText(text: string, out: NodeJS.WritableStream = process.stdout): void {
  out.write(escapeControls(text, { keepNewlines: true }));
}
