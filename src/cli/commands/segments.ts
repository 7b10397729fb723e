import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { TenureError } from '../../app/errors.ts';
import { withStore } from '../../app/lifecycle/context.ts';
import { segmentReport } from '../../app/segments/segments.ts';
import { parseSegmentDefinitions, SEGMENT_PROFILES, type SegmentDefinition, type SegmentProfile } from '../../domain/segments/definitions.ts';
import { printJson, printRows, resolveFormat, withFormat, type FormatOptions } from '../output.ts';

interface SegmentsOptions extends FormatOptions {
  asOf?: string;
  months?: string;
  segments?: string;
  monthly?: boolean;
  profile?: string;
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

function loadDefinitions(path: string | undefined): readonly SegmentDefinition[] | undefined {
  if (path === undefined) return undefined;
  if (!existsSync(path)) throw new TenureError('FILE_NOT_FOUND', `no such segments file: ${path}`, { file: path });
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new TenureError('SCHEMA', `not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { file: path });
  }
  const { definitions, errors } = parseSegmentDefinitions(json);
  if (!definitions) throw new TenureError('SCHEMA', `invalid segment definitions: ${errors.join('; ')}`, { file: path });
  return definitions;
}

async function segments(opts: SegmentsOptions): Promise<void> {
  const format = resolveFormat(opts);
  if (opts.months !== undefined && !/^[0-9]+$/.test(opts.months)) throw new TenureError('USAGE', `--months must be a whole number, got "${opts.months}"`);
  const definitions = loadDefinitions(opts.segments);
  const profiles = parseProfiles(opts.profile);
  if (definitions && profiles) throw new TenureError('USAGE', '--profile chooses presets; it does not apply to --segments FILE');
  const report = await withStore(opts.db, (store) =>
    segmentReport(store, {
      asOf: opts.asOf,
      ...(definitions ? { definitions } : {}),
      ...(profiles ? { profiles } : {}),
      ...(opts.months !== undefined ? { months: Number(opts.months) } : {}),
    }),
  );
  if (format === 'json') {
    printJson(report);
    return;
  }
  if (opts.monthly) {
    printRows(['segment', 'month', 'size', 'share', 'arpu', 'churned', 'churn_rate'], report.months, format);
    return;
  }
  if (format === 'table') {
    const profiles = report.profiles ? `presets for ${report.profiles.join(', ') || 'no detected profile'}; ` : '';
    process.stdout.write(`segments in ${report.to} (${profiles}changes since ${report.from}; --monthly for every month)\nbase: ${report.definition}\n\n`);
  }
  printRows(['segment', 'size', 'size_change', 'arpu', 'churn_rate', 'churn_rate_change', 'description'], report.trends, format);
}

export function register(program: Command): void {
  withFormat(
    program
      .command('segments')
      .description(
        'segment sizes, ARPU, churn rate and trend per month. Base: the opening accounts of each month; churn_rate = exits in the month / opening, ' +
          "as in report churn-totals. Presets per operator profile (business, converged, cable, mobile; a bundle counts by what else is held, " +
          "since the data does not say what it contains) form one partition closed by an 'other' row, and the value tiers another; or --segments FILE",
      )
      .option('--as-of <month>', 'latest month (YYYY-MM; default: the latest month with data)')
      .option('--months <n>', 'months of history up to --as-of (default 3)')
      .option('--segments <file>', 'segment definitions (JSON array of {name, description, when}; see src/domain/segments/definitions.ts)')
      .option('--monthly', 'print every month instead of the latest month with its change')
      .option('--profile <list>', `preset profiles to show: auto (those with members) or a comma list of ${SEGMENT_PROFILES.join(', ')}; accounts of the others fall in other`, 'auto')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  ).action(segments);
}
