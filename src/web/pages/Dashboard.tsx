import { lazy, Suspense, useMemo, useState, type FormEvent } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import { getAllRows } from '../api.ts';
import { useUi, type Ui } from '../context.tsx';
import { hasKey, type MessageKey } from '../i18n.ts';
import { navigate, type Location } from '../router.ts';
import { useRequest } from '../use-request.ts';
import { Chart } from '../components/Chart.tsx';
import { DataTable, type Column } from '../components/DataTable.tsx';
import { Loaded } from '../components/State.tsx';
import { groupTotals, levelBelow, reasonTotals, regionTotals, type GroupRow, type GroupTotal, type ReasonRow, type ReasonTotal, type RegionRow, type RegionTotal, type TotalsRow } from './dashboard-data.ts';

// The competitors, forecast and churn index panels: a chunk of their own, fetched after the churn table.
const ChurnOutlook = lazy(() => import('./ChurnOutlook.tsx').then((m) => ({ default: m.ChurnOutlook })));

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const monthParam = (q: URLSearchParams, name: string) => {
  const v = q.get(name);
  return v !== null && MONTH.test(v) ? v : undefined;
};

interface Reports {
  readonly totals: TotalsRow[];
  readonly reasons: ReasonRow[];
  readonly groups: GroupRow[];
}

/** A label of a coded value from the catalogue when it has one, else the code as the data gives it. */
function coded(ui: Ui, prefix: string, code: string | null): string {
  if (code === null) return ui.t('group.unknown');
  const key = `${prefix}.${code}`;
  return hasKey(key) ? ui.t(key) : code;
}

export function Dashboard({ loc }: { loc: Location }) {
  const ui = useUi();
  const { t, lang } = ui;
  const from = monthParam(loc.query, 'from');
  const to = monthParam(loc.query, 'to');
  const region = loc.query.get('region') ?? '';
  const range = { from, to, lang };
  const setQuery = (changes: Record<string, string | undefined>) => navigate(loc.path, { from, to, region: region || undefined, ...changes });

  const reports = useRequest<Reports>(async () => {
    const [totals, reasons, groups] = await Promise.all([
      getAllRows<TotalsRow>('/reports/churn-totals', range),
      getAllRows<ReasonRow>('/reports/churn-reasons', range),
      getAllRows<GroupRow>('/reports/churn-reason-groups', range),
    ]);
    return { totals, reasons, groups };
  }, `${from}|${to}|${lang}`);

  const level = levelBelow(region);
  const regions = useRequest(() => getAllRows<RegionRow>('/reports/churn-regions', { ...range, level }), `${from}|${to}|${lang}|${level}`);

  return (
    <div className="page">
      <h1>{t('dash.title')}</h1>
      <RangeFilter key={`${from}|${to}`} from={from} to={to} onApply={(a, b) => setQuery({ from: a, to: b })} />
      <Loaded state={reports} retry={reports.retry}>
        {(r) => <Reports ui={ui} data={r} />}
      </Loaded>
      <section className="regions">
        <h2>{t('dash.regions', { level: t(`level.${level}` as MessageKey) })}</h2>
        <p className="muted">{t('dash.regionsHint')}</p>
        <nav className="crumbs" aria-label={t('dash.regionPath')}>
          <span>{t('dash.regionPath')}: </span>
          <button type="button" className="link" onClick={() => setQuery({ region: undefined })} aria-current={region === '' ? 'page' : undefined}>
            {t('dash.regionTop')}
          </button>
          {region
            .split('/')
            .filter((p) => p !== '')
            .map((part, i, parts) => (
              <span key={i}>
                {' › '}
                <button type="button" className="link" onClick={() => setQuery({ region: parts.slice(0, i + 1).join('/') })} aria-current={i === parts.length - 1 ? 'page' : undefined}>
                  {part}
                </button>
              </span>
            ))}
        </nav>
        <Loaded state={regions} retry={regions.retry}>
          {(rows) => <Regions rows={rows} path={region} currency={rows[0] ? String((rows[0] as unknown as { currency: string }).currency) : 'CNY'} onDrill={level === 'district' ? undefined : (r) => setQuery({ region: r.region })} />}
        </Loaded>
      </section>
      {/* Competitors, forecast and churn index: their own requests, after the churn table's. */}
      {reports.status === 'loading' ? null : (
        <Suspense fallback={<p className="loading" role="status">{t('state.loading')}</p>}>
          <ChurnOutlook loc={loc} from={from} to={to} />
        </Suspense>
      )}
    </div>
  );
}

function RangeFilter({ from, to, onApply }: { from: string | undefined; to: string | undefined; onApply: (from: string | undefined, to: string | undefined) => void }) {
  const { t } = useUi();
  const [a, setA] = useState(from ?? '');
  const [b, setB] = useState(to ?? '');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(a || undefined, b || undefined);
  };
  return (
    <form className="filters" onSubmit={submit}>
      <label>
        {t('filter.from')} <input type="month" name="from" value={a} onChange={(e) => setA(e.target.value)} />
      </label>
      <label>
        {t('filter.to')} <input type="month" name="to" value={b} onChange={(e) => setB(e.target.value)} />
      </label>
      <button type="submit">{t('filter.apply')}</button>
    </form>
  );
}

function Reports({ ui, data }: { ui: Ui; data: Reports }) {
  const { t, f } = ui;
  const currency = data.totals[0]?.currency ?? 'CNY';
  const months = data.totals.map((r) => r.month);
  const monthLabels = months.map((m) => f.month(m));
  const totalsColumns: Column<TotalsRow>[] = [
    { key: 'month', label: t('col.month'), show: (r) => f.month(r.month), raw: (r) => r.month },
    ...(['opening', 'gross_adds', 'pre_churn', 'voluntary', 'involuntary', 'closing'] as const).map((k) => ({ key: k, label: t(`col.${k}` as MessageKey), show: (r: TotalsRow) => f.integer(r[k]), raw: (r: TotalsRow) => r[k], numeric: true })),
    { key: 'churn_rate', label: t('col.churn_rate'), show: (r) => f.percent(r.churn_rate), raw: (r) => r.churn_rate, numeric: true },
    { key: 'arpu', label: `${t('col.arpu')} (${currency})`, show: (r) => f.money(r.arpu, currency), raw: (r) => r.arpu, numeric: true },
    { key: 'revenue_lost', label: `${t('col.revenue_lost')} (${currency})`, show: (r) => f.money(r.revenue_lost, currency), raw: (r) => r.revenue_lost, numeric: true },
  ];
  const reasons = useMemo(() => reasonTotals(data.reasons), [data.reasons]);
  const groups = useMemo(() => groupTotals(data.groups), [data.groups]);
  const reasonLabel = (r: ReasonTotal) => `${r.reason_code} ${r.reason ?? ''}`.trim();

  const rateArpu: EChartsCoreOption = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [t('col.churn_rate'), t('col.arpu')] },
    grid: { left: 60, right: 70, top: 60, bottom: 30 },
    xAxis: { type: 'category', data: monthLabels },
    yAxis: [
      { type: 'value', name: t('col.churn_rate'), axisLabel: { formatter: (v: number) => f.percent(v, 1) } },
      { type: 'value', name: `${t('col.arpu')} (${currency})`, scale: true },
    ],
    series: [
      { name: t('col.churn_rate'), type: 'line', data: data.totals.map((r) => r.churn_rate), tooltip: { valueFormatter: (v: number) => f.percent(v) } },
      { name: t('col.arpu'), type: 'line', yAxisIndex: 1, data: data.totals.map((r) => r.arpu), tooltip: { valueFormatter: (v: number) => f.money(v, currency) } },
    ],
  };
  const revenue: EChartsCoreOption = {
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => f.money(v, currency) },
    grid: { left: 80, right: 20, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: monthLabels },
    yAxis: { type: 'value', name: currency },
    series: [{ name: t('col.revenue_lost'), type: 'bar', data: data.totals.map((r) => r.revenue_lost) }],
  };
  const top = reasons.slice(0, 15).reverse();
  const reasonBars: EChartsCoreOption = {
    tooltip: { trigger: 'axis' },
    grid: { left: 160, right: 30, top: 10, bottom: 30 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', data: top.map(reasonLabel), axisLabel: { width: 150, overflow: 'truncate' } },
    series: [{ name: t('col.count'), type: 'bar', data: top.map((r) => r.count) }],
  };
  const groupBars: EChartsCoreOption = {
    tooltip: { trigger: 'axis' },
    grid: { left: 110, right: 30, top: 10, bottom: 30 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', data: [...groups].reverse().map((g) => coded(ui, 'rg', g.reason_group)) },
    series: [{ name: t('col.count'), type: 'bar', data: [...groups].reverse().map((g) => g.count) }],
  };
  const rangeText = months.length ? t('dash.range', { from: f.month(months[0]), to: f.month(months[months.length - 1]) }) : '';
  const file = (name: string) => `${name}${months.length ? `_${months[0]}_${months[months.length - 1]}` : ''}`;

  const reasonColumns: Column<ReasonTotal>[] = [
    { key: 'reason_code', label: t('col.reason_code'), show: (r) => r.reason_code, raw: (r) => r.reason_code },
    { key: 'reason', label: t('col.reason'), show: (r) => r.reason ?? '', raw: (r) => r.reason },
    { key: 'churn_type', label: t('col.churn_type'), show: (r) => coded(ui, 'churnType', r.churn_type), raw: (r) => r.churn_type },
    { key: 'reason_group', label: t('col.reason_group'), show: (r) => coded(ui, 'rg', r.reason_group), raw: (r) => r.reason_group },
    { key: 'count', label: t('col.count'), show: (r) => f.integer(r.count), raw: (r) => r.count, numeric: true },
    { key: 'revenue_lost', label: `${t('col.revenue_lost')} (${currency})`, show: (r) => f.money(r.revenue_lost, currency), raw: (r) => r.revenue_lost, numeric: true },
  ];
  const groupColumns: Column<GroupTotal>[] = [
    { key: 'reason_group', label: t('col.reason_group'), show: (r) => coded(ui, 'rg', r.reason_group), raw: (r) => r.reason_group },
    { key: 'churn_type', label: t('col.churn_type'), show: (r) => coded(ui, 'churnType', r.churn_type), raw: (r) => r.churn_type },
    { key: 'category', label: t('col.category'), show: (r) => coded(ui, 'category', r.category), raw: (r) => r.category },
    { key: 'count', label: t('col.count'), show: (r) => f.integer(r.count), raw: (r) => r.count, numeric: true },
    { key: 'share', label: t('col.share'), show: (r) => f.percent(r.share, 1), raw: (r) => r.share, numeric: true },
    { key: 'revenue_lost', label: `${t('col.revenue_lost')} (${currency})`, show: (r) => f.money(r.revenue_lost, currency), raw: (r) => r.revenue_lost, numeric: true },
  ];

  return (
    <>
      <p className="range" data-testid="range">
        {rangeText}
      </p>
      <DataTable id="churn-totals" caption={t('dash.totals')} columns={totalsColumns} rows={data.totals} filename={file('churn-totals')} />
      <div className="grid2">
        <Chart id="chart-rate-arpu" title={t('dash.rateArpu')} option={rateArpu} filename={file('churn-rate-arpu')} />
        <Chart id="chart-revenue-lost" title={t('dash.revenueLost')} option={revenue} filename={file('revenue-lost')} />
      </div>
      <div className="grid2">
        <div>
          <Chart id="chart-reasons" title={t('dash.reasons')} option={reasonBars} height={Math.max(200, top.length * 24 + 40)} filename={file('churn-reasons')} />
          <DataTable id="churn-reasons" caption={`${t('dash.reasons')} · ${rangeText}`} columns={reasonColumns} rows={reasons} filename={file('churn-reasons')} />
        </div>
        <div>
          <Chart id="chart-groups" title={t('dash.groups')} option={groupBars} height={Math.max(200, groups.length * 28 + 40)} filename={file('churn-reason-groups')} />
          <DataTable id="churn-reason-groups" caption={`${t('dash.groups')} · ${rangeText}`} columns={groupColumns} rows={groups} filename={file('churn-reason-groups')} />
        </div>
      </div>
    </>
  );
}

function Regions({ rows, path, currency, onDrill }: { rows: RegionRow[]; path: string; currency: string; onDrill: ((r: RegionTotal) => void) | undefined }) {
  const { t, f } = useUi();
  const totals = useMemo(() => regionTotals(rows, path), [rows, path]);
  const top = totals.slice(0, 20).reverse();
  const option: EChartsCoreOption = {
    tooltip: { trigger: 'axis' },
    grid: { left: 120, right: 30, top: 10, bottom: 30 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', data: top.map((r) => r.name), axisLabel: { width: 110, overflow: 'truncate' } },
    series: [{ name: t('col.exits'), type: 'bar', data: top.map((r) => r.exits), cursor: onDrill ? 'pointer' : 'default' }],
  };
  const columns: Column<RegionTotal>[] = [
    { key: 'region', label: t('col.region'), show: (r) => (onDrill ? <button type="button" className="link" onClick={() => onDrill(r)}>{r.name}</button> : r.name), raw: (r) => r.region },
    { key: 'opening', label: t('col.opening'), show: (r) => f.integer(r.opening), raw: (r) => r.opening, numeric: true },
    { key: 'exits', label: t('col.exits'), show: (r) => f.integer(r.exits), raw: (r) => r.exits, numeric: true },
    { key: 'churn_rate', label: t('col.churn_rate'), show: (r) => f.percent(r.churn_rate), raw: (r) => r.churn_rate, numeric: true },
    { key: 'revenue_lost', label: `${t('col.revenue_lost')} (${currency})`, show: (r) => f.money(r.revenue_lost, currency), raw: (r) => r.revenue_lost, numeric: true },
  ];
  const file = `churn-regions${path ? `_${path.replaceAll('/', '-')}` : ''}`;
  return (
    <div className="grid2">
      <Chart id="chart-regions" title={t('col.exits')} option={option} height={Math.max(200, top.length * 24 + 40)} filename={file} onClick={onDrill ? (c) => { const hit = top[c.dataIndex]; if (hit) onDrill(hit); } : undefined} />
      <DataTable id="churn-regions" caption={t('col.region')} columns={columns} rows={totals} filename={file} />
    </div>
  );
}
