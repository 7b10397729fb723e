import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { TenureError } from '../../app/errors.ts';
import { withStore } from '../../app/lifecycle/context.ts';
import { BY_FIELDS, MAX_BY_VALUES, segmentReport } from '../../app/segments/segments.ts';
import { segmentsJson } from '../../app/segments/segments-json.ts';
import { parseSegmentDefinitions, SEGMENT_PROFILES, type SegmentDefinition, type SegmentProfile } from '../../domain/segments/definitions.ts';
import { printJson, printRows, printText, resolveOutput, withCurrency, withFormat, type FormatOptions } from '../output.ts';

interface SegmentsOptions extends FormatOptions {
  asOf?: string;
  months?: string;
  segments?: string;
  monthly?: boolean;
  profile?: string;
  by?: string;
  db?: string;
}

function parseProfiles(text: string | undefined): SegmentProfile[] | undefined {
  if (text === undefined || text === 'auto') return undefined;
  const list = text.split(',').map((p) => p.trim());
  for (const p of list) {
    if (!(SEGMENT_PROFILES as readonly string[]).includes(p)) throw new TenureError('USAGE', `--profile must be auto or a list of ${SEGMENT_PROFILES.join(', ')}, got "${p}"`);
  }
  return list as SegmentProfile[];
}

/** Own segment definitions from a `--segments FILE` (JSON); problems name the file. */
export function loadDefinitions(path: string | undefined): readonly SegmentDefinition[] | undefined {
  if (path === undefined) return undefined;
  if (!existsSync(path)) throw new TenureError('FILE_NOT_FOUND', `no such segments file: ${path}`, { file: path });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TenureError('BAD_INPUT', `cannot read the segments file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: path });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TenureError('SCHEMA', `not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { file: path });
  }
  const { definitions, errors } = parseSegmentDefinitions(json);
  if (!definitions) throw new TenureError('SCHEMA', `invalid segment definitions: ${errors.join('; ')}`, { file: path });
  return definitions;
}

async function segments(opts: SegmentsOptions): Promise<void> {
  const out = resolveOutput(opts);
  const format = out.format;
  if (opts.months !== undefined && !/^[0-9]+$/.test(opts.months)) throw new TenureError('USAGE', `--months must be a whole number, got "${opts.months}"`);
  const definitions = loadDefinitions(opts.segments);
  const profiles = parseProfiles(opts.profile);
  if (definitions && profiles) throw new TenureError('USAGE', '--profile chooses presets; it does not apply to --segments FILE');
  if (opts.by !== undefined && (definitions || profiles)) throw new TenureError('USAGE', '--by makes its own segments; it does not combine with --segments or --profile');
  const report = await withStore(opts.db, (store) =>
    segmentReport(store, {
      asOf: opts.asOf,
      ...(definitions ? { definitions } : {}),
      ...(profiles ? { profiles } : {}),
      ...(opts.by !== undefined ? { by: opts.by } : {}),
      ...(opts.months !== undefined ? { months: Number(opts.months) } : {}),
    }),
  );
  const j = segmentsJson(report, out);
  if (format === 'json') {
    printJson(j);
    return;
  }
  const trends = j.trends;
  const view = { money: ['arpu'], currency: out.currency, percent: ['share'] };
  if (opts.monthly) {
    printRows(['segment', 'month', 'size', 'share', 'arpu', 'churned', 'churn_rate'], report.months, format, process.stdout, view);
    return;
  }
  if (format === 'table') {
    const detected = report.profiles ? report.profiles.join(', ') : null;
    printText(
      out.lang === 'en'
        ? `segments in ${report.to} (${detected !== null ? `presets for ${detected || 'no detected profile'}; ` : ''}changes since ${report.from}; --monthly for every month)\nbase: ${report.definition}\n\n`
        : `${report.to} 的细分客户群（${detected !== null ? `预设：${detected || '未识别到业务类型'}；` : ''}与 ${report.from} 相比的变化；--monthly 列出每个月）\n基数：每月期初在网账户；流失率 = 当月离网数 / 期初数（与 report churn-totals 相同）\n\n`,
    );
  }
  printRows(['segment', 'size', 'size_change', 'arpu', 'churn_rate', 'churn_rate_change', 'description'], trends, format, process.stdout, view);
}

export function register(program: Command): void {
  withCurrency(withFormat(
    program
      .command('segments')
      .description(
        'segment sizes, ARPU, churn rate and trend per month. Base: the opening accounts of each month; churn_rate = exits in the month / opening, ' +
          "as in report churn-totals. Presets per operator profile (business, converged, cable, mobile; a bundle counts by what else is held, " +
          "since the data does not say what it contains) form one partition closed by an 'other' row, and the value tiers another; or --segments FILE",
      )
      .option('--as-of <month>', "latest month (YYYY-MM inside the data; default: the data's last billed month)")
      .option('--months <n>', "months of history up to --as-of, all inside the data (default 3, fewer when the data starts later)")
      .option('--segments <file>', 'segment definitions (JSON array of {name, description, when}; see src/domain/segments/definitions.ts)')
      .option('--monthly', 'print every month instead of the latest month with its change')
      .option('--by <field>', `one segment per value of a customer field (${BY_FIELDS.join(', ')}) or an x_ attribute of customers (at most ${MAX_BY_VALUES} values), other for blanks; e.g. --by x_segment`)
      .option('--profile <list>', `preset profiles to show: auto (those with members) or a comma list of ${SEGMENT_PROFILES.join(', ')}; accounts of the others fall in other`, 'auto')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  )).action(segments);
}
