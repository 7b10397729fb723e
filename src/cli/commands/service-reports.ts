/**
 * `tenure report complaints` and `tenure report service-quality` (issue 13.4). Both open the
 * store read-only; JSON is the whole report, CSV the main rows, a table the main rows followed
 * by the churn comparisons with their 95 % intervals.
 */
import { Option, type Command } from 'commander';
import { COMPLAINTS_BY, COMPLAINTS_COLUMNS, complaintsReport, DEFAULT_CHURN_WINDOW, DEFAULT_COMPLAINT_LOOKBACK, type StatusChurn } from '../../app/service/complaints.ts';
import { DEFAULT_BAND_EDGES, DEFAULT_CLAIM, DEFAULT_QUALITY_LOOKBACK, DEFAULT_SERVICE_GROUPS, SERVICE_QUALITY_COLUMNS, serviceQualityReport } from '../../app/service/service-quality.ts';
import { withStore } from '../../app/lifecycle/context.ts';
import { validateRange } from '../../app/reports/range.ts';
import { REGION_LEVELS } from '../../app/reports/churn-regions.ts';
import { complaintsJson, regionJson, serviceQualityJson } from '../../app/service/service-json.ts';
import { DEFAULT_SEGMENT_FIELD } from '../../app/service/common.ts';
import { DEFAULT_DB } from '../../app/store.ts';
import { labelLang, printJson, printRows, resolveOutput, withFormat, type Cell, type FormatOptions } from '../output.ts';

interface ComplaintsFlags extends FormatOptions {
  db?: string;
  from?: string;
  to?: string;
  by?: string;
  level?: string;
  segmentBy?: string;
  window?: string;
  lookback?: string;
}

interface ServiceQualityFlags extends FormatOptions {
  db?: string;
  from?: string;
  to?: string;
  level?: string;
  measure?: string[];
  serviceGroups?: string;
  claim?: string;
  bands?: string;
  window?: string;
  lookback?: string;
}

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
const pctCi = (ci: readonly [number, number] | null) => (ci === null ? '–' : `${(ci[0] * 100).toFixed(1)}–${(ci[1] * 100).toFixed(1)}%`);

function statusCells(s: StatusChurn): Record<string, Cell> {
  const g = s.groups;
  return {
    month: s.month ?? 'pooled',
    unresolved: `${pct(g.unresolved.rate)} (${pctCi(g.unresolved.ci)}) n=${g.unresolved.n}`,
    resolved: `${pct(g.resolved.rate)} (${pctCi(g.resolved.ci)}) n=${g.resolved.n}`,
    none: `${pct(g.none.rate)} (${pctCi(g.none.ci)}) n=${g.none.n}`,
    difference: `${pct(s.unresolved_vs_none.difference)} (${pctCi(s.unresolved_vs_none.ci)})`,
  };
}

async function runComplaints(opts: ComplaintsFlags): Promise<void> {
  const out = resolveOutput(opts);
  const lang = labelLang(out.lang);
  validateRange(opts);
  const r = await withStore(opts.db, (store) => complaintsReport(store, opts));
  const j = complaintsJson(r);
  const rows = j.rows;
  if (out.format === 'json') {
    printJson(j);
    return;
  }
  const cells = rows.map((x) => ({ ...x, month: x.month ?? 'all' }) as Record<string, Cell>);
  if (out.format === 'csv') {
    printRows(COMPLAINTS_COLUMNS, cells, 'csv');
    return;
  }
  printRows(COMPLAINTS_COLUMNS, cells.map((c) => ({ ...c, resolution_rate: pct(c.resolution_rate as number | null), repeat_30d_rate: pct(c.repeat_30d_rate as number | null) })), 'table');
  process.stdout.write(
    lang === 'en'
      ? `\nTime to resolve: the data has no resolution timestamp; median_days_to_resolve is the days from a contact not resolved then to the customer's next contact of the same kind marked resolved, within 30 days.\nChurn by complaint status (${r.churn.base}); rate (95 % Wilson interval), difference unresolved − none (Newcombe):\n`
      : `\n解决时长：数据中没有解决时间戳；median_days_to_resolve 为未当场解决的接触到该客户下一次同类且标为已解决的接触之间的天数（30 天内，中位数）。\n按投诉状态的流失率（基数为各月期初在网户；状态取该月之前 ${r.churn.lookback_months} 个月内的投诉；流失 = 该月起 ${r.churn.window_months} 个月内离网）；流失率（95% Wilson 区间），差值 = 未解决 − 无投诉（Newcombe 区间）：\n`,
  );
  const statusRows = [...r.churn.months, ...(r.churn.pooled ? [r.churn.pooled] : [])].map(statusCells);
  printRows(['month', 'unresolved', 'resolved', 'none', 'difference'], statusRows, 'table');
  if (r.churn.censored_months.length > 0) {
    process.stdout.write(
      lang === 'en'
        ? `not observed yet (the ${r.churn.window_months}-month window runs past the data): ${r.churn.censored_months.join(', ')}\n`
        : `尚未观察到（${r.churn.window_months} 个月的窗口超出数据）：${r.churn.censored_months.join('、')}\n`,
    );
  }
}

const VERDICT_WORDS = {
  consistent: { zh: '与数据相符（在 95% 区间内）', en: 'consistent with the data (inside the 95 % interval)' },
  above_data: { zh: '高于数据（数据显示的服务相关占比更低）', en: 'above the data (the data shows a smaller service-related share)' },
  below_data: { zh: '低于数据（数据显示的服务相关占比更高）', en: 'below the data (the data shows a larger service-related share)' },
  undetermined: { zh: '无法判断（区间内没有自愿流失）', en: 'undetermined (no voluntary exits in the range)' },
} as const;

async function runServiceQuality(opts: ServiceQualityFlags): Promise<void> {
  const out = resolveOutput(opts);
  const lang = labelLang(out.lang);
  validateRange(opts);
  const input = {
    ...opts,
    measures: opts.measure ?? [],
    serviceGroups: opts.serviceGroups?.split(',').map((g) => g.trim()).filter((g) => g !== ''),
  };
  const r = await withStore(opts.db, (store) => serviceQualityReport(store, input, { refreshStale: true }));
  const j = serviceQualityJson(r);
  const rows = j.rows;
  if (out.format === 'json') {
    printJson(j);
    return;
  }
  const columns = [...SERVICE_QUALITY_COLUMNS, ...r.measures];
  if (out.format === 'csv') {
    printRows(columns, rows as Record<string, Cell>[], 'csv');
    return;
  }
  const pctRow = (x: ReturnType<typeof regionJson>) => ({ ...x, churn_rate: pct(x.churn_rate), dropped_call_rate: x.dropped_call_rate === null ? '–' : `${(x.dropped_call_rate * 100).toFixed(2)}%` }) as Record<string, Cell>;
  printRows(columns, rows.map(pctRow), 'table');
  const en = lang === 'en';
  process.stdout.write(en ? `\nRegions over ${r.from}..${r.to} (customer-months):\n` : `\n${r.from}..${r.to} 各地区合计（客户·月）：\n`);
  printRows(columns.filter((c) => c !== 'month'), r.regions.map(regionJson).map(pctRow), 'table');
  const corr = Object.entries(r.correlation_with_churn).map(([k, v]) => `${k} ${v === null ? '–' : v.toFixed(2)}`).join(', ');
  process.stdout.write(en ? `Spearman rank correlation with the churn rate across regions: ${corr}\n` : `各地区与流失率的 Spearman 秩相关：${corr}\n`);
  const s = r.service_share;
  process.stdout.write(
    en
      ? `\nService-related share of voluntary churn (reason groups ${s.service_groups.join(', ')}): ${s.range.service_related} of ${s.range.voluntary} = ${pct(s.range.share.rate)} (95 % ${pctCi(s.range.share.ci)}); the claim ${pct(s.claim)} is ${VERDICT_WORDS[s.verdict].en}\n`
      : `\n服务相关原因（原因组 ${s.service_groups.join('、')}）占自愿流失：${s.range.voluntary} 户中 ${s.range.service_related} 户 = ${pct(s.range.share.rate)}（95% ${pctCi(s.range.share.ci)}）；"${pct(s.claim)} 的流失源于服务不满" ${VERDICT_WORDS[s.verdict].zh}\n`,
  );
  const b = r.bands;
  process.stdout.write(
    en
      ? `\nChurn by dropped-call rate (${b.base}):\n`
      : `\n按掉话率分档的流失率（基数为 ${b.base_month ?? '–'} 期初在网户；按其之前 ${b.lookback_months} 个月账单的掉话数 / 通话数分档；流失 = 该月起 ${b.window_months} 个月内离网）：\n`,
  );
  printRows(
    ['band', 'accounts', 'churned', 'churn_rate', 'ci'],
    r.bands.rows.map((b) => ({ band: b.band, accounts: b.churn.n, churned: b.churn.k, churn_rate: pct(b.churn.rate), ci: pctCi(b.churn.ci) })),
    'table',
  );
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerServiceReports(report: Command): void {
  withFormat(
    report
      .command('complaints')
      .description(
        'complaints and service contacts: volume, resolution rate, days to a later resolution (the data has no resolution timestamp), repeats within 30 days and satisfaction by kind, channel, region or segment; churn of accounts with unresolved complaints against those without, per month on the opening base, with Wilson and Newcombe 95 % intervals',
      )
      .option('--from <month>', "first month, YYYY-MM, inside the data (default: the data's first billed month)")
      .option('--to <month>', "last month, YYYY-MM, inside the data (default: the data's last billed month)")
      .addOption(new Option('--by <group>', 'group rows by (kind: every interaction kind; the others: complaints only)').choices(COMPLAINTS_BY).default('kind'))
      .addOption(new Option('--level <level>', 'region level for --by region').choices(REGION_LEVELS).default('province'))
      .option('--segment-by <field>', `customer field for --by segment (customer_type, province, city, district, gender, acquisition_channel or an x_ attribute; default ${DEFAULT_SEGMENT_FIELD})`)
      .option('--window <months>', `churn window after each base month (default ${DEFAULT_CHURN_WINDOW})`)
      .option('--lookback <months>', `months of complaints before the base month that set its status (default ${DEFAULT_COMPLAINT_LOOKBACK})`)
      .option('--db <path>', `store to read (default $TENURE_DB or ${DEFAULT_DB})`),
  ).action(runComplaints);

  withFormat(
    report
      .command('service-quality')
      .description(
        `network quality against churn: dropped-call rate and the operator's x_ measures by region beside churn-regions' churn; the share of voluntary churn with service-related reason groups against the claim that ${DEFAULT_CLAIM * 100} % of churn comes from dissatisfaction with service; churn by dropped-call-rate band with Wilson 95 % intervals`,
      )
      .option('--from <month>', "first month, YYYY-MM, inside the data (default: the data's first billed month)")
      .option('--to <month>', "last month, YYYY-MM, inside the data (default: the data's last billed month)")
      .addOption(new Option('--level <level>', 'region level').choices(REGION_LEVELS).default('province'))
      .option('--measure <x_name>', 'an x_ measure of monthly_usage to show by region (repeatable), e.g. x_outage_hours', collect)
      .option('--service-groups <groups>', `reason groups that count as service-related (default ${DEFAULT_SERVICE_GROUPS.join(',')})`)
      .option('--claim <share>', `the claimed service-related share to check (default ${DEFAULT_CLAIM})`)
      .option('--bands <edges>', `upper edges of the dropped-call-rate bands (default ${DEFAULT_BAND_EDGES.join(',')})`)
      .option('--window <months>', `churn window after the base month (default ${DEFAULT_CHURN_WINDOW})`)
      .option('--lookback <months>', `months of bills before the base month that set its band (default ${DEFAULT_QUALITY_LOOKBACK})`)
      .option('--db <path>', `store to read (default $TENURE_DB or ${DEFAULT_DB})`),
  ).action(runServiceQuality);
}
