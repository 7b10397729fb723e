import { openSync, readSync, closeSync } from 'node:fs';
import type { Command } from 'commander';
import { OutputFile } from '../../app/files/safe-write.ts';
import { TenureError } from '../../app/errors.ts';
import { withStore, withWritableStore } from '../../app/lifecycle/context.ts';
import {
  buildWarningList,
  savedList,
  savedLists,
  saveWarningList,
  warningRows,
  writeListParquet,
  type Change,
  type FilterRecord,
  type ListSource,
  type SavedList,
  type ScoringRun,
  type WarnRow,
} from '../../app/warn/warn.ts';
import { listHeader, recommendedPlay, savedListJson, WARN_COLUMNS, warnCsvRow, warnJsonRow } from '../../app/warn/warn-json.ts';
import { STAGES, type Stage } from '../../domain/lifecycle/stages.ts';
import { QUADRANTS, type Quadrant } from '../../domain/value/matrix.ts';
import { TIER_LABELS, TIERS, type Tier } from '../../domain/value/tiers.ts';
import type { AnalyticsStore } from '../../app/store.ts';
import { pick, printJson, printRows, printText, jsonText, resolveOutput, toCsv, withCurrency, withFormat, type FormatOptions, type OutputContext, type OutputLang } from '../output.ts';
import { loadDefinitions } from './segments.ts';

export { WARN_COLUMNS } from '../../app/warn/warn-json.ts';

interface WarnOptions extends FormatOptions {
  db?: string;
  asOf?: string;
  minProbability?: string;
  minValue?: string;
  stage?: string;
  quadrant?: string;
  tier?: string;
  segment?: string;
  segments?: string;
  region?: string;
  top?: string;
  save?: string;
  out?: string;
}

/** Rows per page read from the store: a million-row list is printed without holding it. */
const PAGE = 50_000;

const CHANGE_WORDS: Readonly<Record<Change, { zh: string; en: string }>> = {
  new: { zh: '新上榜', en: 'new on the list' },
  risen: { zh: '风险上升', en: 'risen' },
  unchanged: { zh: '持平', en: 'unchanged' },
  fell: { zh: '风险下降', en: 'fell' },
};

const plays = (lang: OutputLang): Record<Quadrant, string> => Object.fromEntries(QUADRANTS.map((q) => [q, recommendedPlay(q, lang)])) as Record<Quadrant, string>;

// ---------------------------------------------------------------------------------------------
// Flags.

function probabilityFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const x = Number(text);
  if (!/^(0|1|0?\.[0-9]+|0\.|1\.0*)$/.test(text.trim()) || !(x >= 0 && x <= 1)) throw new TenureError('USAGE', `--min-probability must be a fraction from 0 to 1 such as 0.3, got "${text}"`);
  return x;
}

function moneyFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?[0-9]+(\.[0-9]+)?$/.test(text.trim())) throw new TenureError('USAGE', `--min-value must be an amount such as 500 or 1200.50, got "${text}"`);
  return Number(text);
}

function topFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) throw new TenureError('USAGE', `--top must be a whole number ≥ 1, got "${text}"`);
  return Number(text);
}

/** A comma-separated list of codes (or their zh labels); each is checked. */
function listFlag<T extends string>(flag: string, text: string | undefined, codes: readonly T[], aliases: Readonly<Record<string, T>> = {}): T[] | undefined {
  if (text === undefined) return undefined;
  const out: T[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    const code = (codes as readonly string[]).includes(item) ? (item as T) : (codes as readonly string[]).includes(item.toUpperCase()) ? (item.toUpperCase() as T) : aliases[item];
    if (code === undefined) throw new TenureError('USAGE', `${flag} must be one or more of ${codes.join(', ')} (comma-separated), got "${item}"`);
    if (!out.includes(code)) out.push(code);
  }
  return out;
}

const TIER_ALIASES: Record<string, Tier> = Object.fromEntries(TIERS.map((t) => [TIER_LABELS[t].zh, t]));

type OutKind = 'csv' | 'parquet';

function outKind(path: string): OutKind {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.parquet$/i.test(path)) return 'parquet';
  throw new TenureError('USAGE', `--out ${path}: the file name must end in .csv or .parquet (the format written)`, { file: path });
}

// ---------------------------------------------------------------------------------------------
// Rows as printed.

interface Shown {
  readonly header: Record<string, unknown>;
  readonly total: number;
  readonly source: ListSource;
}

async function* pages(store: AnalyticsStore, source: ListSource, total: number): AsyncGenerator<WarnRow[]> {
  for (let offset = 0; offset < total; offset += PAGE) yield await warningRows(store, source, offset, Math.min(PAGE, total - offset));
}

/** JSON written page by page: the header's fields, then `customers` one row at a time. */
async function writeJson(store: AnalyticsStore, shown: Shown, out: OutputContext, stream: NodeJS.WritableStream): Promise<void> {
  const head = jsonText({ ...shown.header, customers: [] }).trimEnd();
  // The header ends `"customers": []\n}`: open the array instead and append the rows.
  const open = head.slice(0, head.lastIndexOf('[')) + '[';
  stream.write(open);
  let first = true;
  for await (const page of pages(store, shown.source, shown.total)) {
    const text = page.map((r) => jsonText(warnJsonRow(r, out)).trimEnd().replaceAll('\n', '\n    ')).join(',\n    ');
    if (text === '') continue;
    stream.write(`${first ? '\n    ' : ',\n    '}${text}`);
    first = false;
  }
  stream.write(first ? ']\n}\n' : '\n  ]\n}\n');
}

async function writeCsv(store: AnalyticsStore, shown: Shown, lang: OutputLang, write: (text: string) => void): Promise<void> {
  write(toCsv(WARN_COLUMNS, []));
  for await (const page of pages(store, shown.source, shown.total)) {
    const text = toCsv(WARN_COLUMNS, page.map((r) => warnCsvRow(r, lang)));
    write(text.slice(text.indexOf('\n') + 1));
  }
}

function preamble(list: { asOf: string; scoring: ScoringRun; previous: ScoringRun | null; listed: number; matched: number; scored: number }, lang: OutputLang, saved?: SavedList): string {
  const en = lang === 'en';
  const since = list.previous
    ? en
      ? `change against the scoring as of ${list.previous.asOf}`
      : `变化对比 ${list.previous.asOf} 的评分`
    : en
      ? 'no earlier scoring to compare with'
      : '没有更早的评分可对比';
  const what = saved
    ? en
      ? `saved list ${saved.listId} "${saved.name}" (saved ${saved.createdAt}), `
      : `已保存名单 ${saved.listId}「${saved.name}」（保存于 ${saved.createdAt}）：`
    : '';
  return en
    ? `${what}early-warning list as of ${list.asOf} (scoring ${list.scoring.modelVersion}): ${list.listed} of ${list.matched} matching of ${list.scored} scored customers, by expected loss; ${since}\n\n`
    : `${what}${list.asOf} 预警名单（评分 ${list.scoring.modelVersion}）：已评分 ${list.scored} 户中符合条件 ${list.matched} 户，列出 ${list.listed} 户，按预期损失排序；${since}\n\n`;
}

async function writeTable(store: AnalyticsStore, shown: Shown, out: OutputContext, text: string): Promise<void> {
  printText(text);
  const rows: Record<string, string | number | null>[] = [];
  for await (const page of pages(store, shown.source, shown.total)) {
    for (const r of page) {
      const row = warnCsvRow(r, out.lang);
      rows.push({ ...row, change: r.change === null ? null : pick(CHANGE_WORDS[r.change], out.lang) });
    }
  }
  printRows(WARN_COLUMNS, rows, 'table', process.stdout, { money: ['customer_value', 'expected_loss'], currency: out.currency, percent: ['churn_probability'] });
}

/** Writes `--out`: CSV through toCsv, Parquet by the engine into its scratch folder, then moved into place whole. */
async function writeOut(store: AnalyticsStore, file: OutputFile, kind: OutKind, shown: Shown, lang: OutputLang): Promise<void> {
  if (kind === 'csv') {
    await writeCsv(store, shown, lang, (text) => file.write(text));
  } else {
    const path = await writeListParquet(store, shown.source, plays(lang));
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(1 << 20);
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, null);
        if (n === 0) break;
        file.write(buffer.subarray(0, n));
      }
    } finally {
      closeSync(fd);
    }
  }
  file.commit();
}

/** Prints a list (stdout in the format asked, or only the --out file unless a format is asked for too). */
async function emit(store: AnalyticsStore, shown: Shown, opts: WarnOptions, out: OutputContext, target: { file: OutputFile; kind: OutKind } | null, text: string): Promise<void> {
  if (target) await writeOut(store, target.file, target.kind, shown, out.lang);
  const printed = target === null || opts.json === true || opts.format !== undefined;
  if (!printed) return;
  if (out.format === 'json') await writeJson(store, shown, out, process.stdout);
  else if (out.format === 'csv') await writeCsv(store, shown, out.lang, (t) => process.stdout.write(t));
  else await writeTable(store, shown, out, text);
}

async function warn(opts: WarnOptions): Promise<void> {
  const out = resolveOutput(opts);
  const definitions = opts.segments === undefined ? undefined : loadDefinitions(opts.segments);
  if (definitions && opts.segment === undefined) throw new TenureError('USAGE', '--segments FILE gives the definitions --segment NAME picks from; give --segment too');
  const input = {
    ...(opts.asOf !== undefined ? { asOf: opts.asOf } : {}),
    minProbability: probabilityFlag(opts.minProbability),
    minValue: moneyFlag(opts.minValue),
    stages: listFlag<Stage>('--stage', opts.stage, STAGES),
    quadrants: listFlag<Quadrant>('--quadrant', opts.quadrant, QUADRANTS),
    tiers: listFlag<Tier>('--tier', opts.tier, TIERS, TIER_ALIASES),
    ...(opts.segment !== undefined ? { segment: opts.segment } : {}),
    ...(definitions ? { segmentDefinitions: definitions, segmentsSource: opts.segments } : {}),
    ...(opts.region !== undefined ? { region: opts.region } : {}),
    top: topFlag(opts.top),
  };
  if (opts.region !== undefined && opts.region.trim() === '') throw new TenureError('USAGE', '--region must name a region, e.g. 甘肃 or 甘肃/酒泉');
  // The destination is checked (and its temporary file created) before anything is computed or saved.
  const target = opts.out === undefined ? null : { kind: outKind(opts.out), file: OutputFile.open(opts.out, { what: '--out' }) };
  const run = async (store: AnalyticsStore) => {
    const list = await buildWarningList(store, input);
    const saved = opts.save === undefined ? undefined : await saveWarningList(store, list, opts.save);
    const shown: Shown = {
      header: { ...listHeader(list, list.listed, out), saved_list: saved ? savedListJson(saved) : null, out_file: opts.out ?? null },
      total: list.listed,
      source: { kind: 'built' },
    };
    await emit(store, shown, opts, out, target, preamble(list, out.lang));
    return { list, saved };
  };
  let result;
  try {
    result = opts.save === undefined ? await withStore(opts.db, run) : await withWritableStore(opts.db, run);
  } catch (err) {
    target?.file.abort();
    throw err;
  }
  const { list, saved } = result;
  process.stderr.write(
    `tenure: ${list.listed} of ${list.matched} matching customers listed (${list.scored} scored as of ${list.asOf}); ` +
      `${list.previous ? `change against the scoring as of ${list.previous.asOf}` : 'no earlier scoring to compare with'}\n`,
  );
  if (saved) process.stderr.write(`tenure: saved as list ${saved.listId} "${saved.name}" (${saved.members} members); target it with \`tenure campaign design --target ${saved.listId}\`\n`);
  if (opts.out !== undefined) process.stderr.write(`tenure: wrote ${list.listed} customers to ${opts.out}\n`);
}

async function show(id: string, opts: WarnOptions): Promise<void> {
  const out = resolveOutput(opts);
  const top = topFlag(opts.top);
  const target = opts.out === undefined ? null : { kind: outKind(opts.out), file: OutputFile.open(opts.out, { what: '--out' }) };
  try {
    await withStore(opts.db, async (store) => {
      const s = await savedList(store, id);
      const listed = top === undefined ? s.members : Math.min(top, s.members);
      const shown: Shown = { header: { list: savedListJson(s), ...listHeader(s, listed, out) }, total: listed, source: { kind: 'saved', listId: s.listId } };
      const text = preamble({ ...s, listed }, out.lang, s);
      await emit(store, shown, opts, out, target, text);
    });
  } catch (err) {
    target?.file.abort();
    throw err;
  }
}

async function lists(opts: WarnOptions): Promise<void> {
  const out = resolveOutput(opts);
  const all = await withStore(opts.db, (store) => savedLists(store));
  if (out.format === 'json') {
    printJson({ lists: all.map(savedListJson) });
    return;
  }
  const filterText = (f: FilterRecord) => Object.entries(f).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join(' ');
  printRows(
    ['list_id', 'name', 'created_at', 'as_of', 'members', 'filters', 'model_version', 'previous_as_of'],
    all.map((s) => ({ ...savedListJson(s), filters: filterText(s.filters) })),
    out.format,
  );
}

export function register(program: Command): void {
  const cmd = withCurrency(withFormat(
    program
      .command('warn')
      .description(
        'early-warning list: the scored customers ranked by expected loss = churn probability × value at stake, with stage, value quadrant and tier, region, top reasons, ' +
          "the quadrant's recommended play and what changed since the previous scoring (new on the list, risen or fell by a risk decile); needs `tenure score` for the month",
      )
      .option('--as-of <month>', "scoring month, YYYY-MM (default: the data's last billed month)")
      .option('--min-probability <p>', 'only customers with churn probability ≥ p (0–1)')
      .option('--min-value <amount>', 'only customers whose value at stake is ≥ amount')
      .option('--stage <stages>', 'only these lifecycle stages, e.g. C,D')
      .option('--quadrant <quadrants>', 'only these value-matrix quadrants, e.g. III,IV')
      .option('--tier <tiers>', `only these value tiers: ${TIERS.join(', ')} (or ${TIERS.map((t) => TIER_LABELS[t].zh).join(' ')})`)
      .option('--segment <name>', 'only the accounts of this segment of `tenure segments` in the month (a preset such as full-service or tier:gold, or one of --segments FILE)')
      .option('--segments <file>', 'own segment definitions (JSON, as tenure segments --segments) for --segment')
      .option('--region <region>', 'only this region or below it, e.g. 甘肃 or 甘肃/酒泉')
      .option('--top <n>', 'only the first n of the ranking')
      .option('--save <name>', 'keep the list in the store, dated and frozen, under a new id (WL1, WL2, …) that campaign design can --target')
      .option('--out <file>', 'write the list for the contact centre: FILE.csv or FILE.parquet (then stdout only with --json or --format)')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  )).action((opts: WarnOptions) => warn(opts));
  withFormat(
    cmd.command('lists').description('the saved early-warning lists: id, name, when saved, scoring month, filters, members').option('--db <path>', 'store'),
  ).action((_o: WarnOptions, c: Command) => lists(c.optsWithGlobals<WarnOptions>()));
  withCurrency(withFormat(
    cmd
      .command('show')
      .description('a saved early-warning list, exactly as it was saved')
      .argument('<id>', 'list id (tenure warn lists)')
      .option('--top <n>', 'only the first n members')
      .option('--out <file>', 'write it for the contact centre: FILE.csv or FILE.parquet')
      .option('--db <path>', 'store'),
  )).action((id: string, _o: WarnOptions, c: Command) => show(id, c.optsWithGlobals<WarnOptions>()));
}

