import { useMemo } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import { getJson } from '../api.ts';
import { useUi, type Ui } from '../context.tsx';
import type { Location } from '../router.ts';
import type { MessageKey } from '../i18n.ts';
import { useRequest } from '../use-request.ts';
import { Chart } from '../components/Chart.tsx';
import { DataTable, type Column } from '../components/DataTable.tsx';
import { Loaded } from '../components/State.tsx';
import '../components/analytics-charts.ts';
import '../analytics.css';
import { paretoPoints, segmentMonths, type SegmentsReport, type SegmentTrend, type ValueQuadrant, type ValueReport } from './analytics-data.ts';
import { choiceParam, label, MonthsForm, monthParam, setQuery, Stats } from './analytics-ui.tsx';

/**
 * The value page: the value matrix's quadrants with the seeds' strategy for each (the wording
 * comes from the API in the screen's language), the value tiers, the 80/20 curve, and segments
 * with their trends (the operator-profile presets, cable-TV's basic, new-video, netizen and
 * full-service among them). Filters in the URL: as_of, profile, segment (the drilled segment).
 */
const PROFILES = ['auto', 'cable', 'mobile', 'business', 'converged'] as const;
const TREND_MONTHS = 12;

export function Value({ loc }: { loc: Location }) {
  const ui = useUi();
  const { t, lang } = ui;
  const asOf = monthParam(loc.query, 'as_of');
  const profile = choiceParam(loc.query, 'profile', PROFILES) ?? 'auto';
  const value = useRequest(() => getJson<ValueReport>('/value', { as_of: asOf, lang }), `${asOf}|${lang}`);
  const segments = useRequest(() => getJson<SegmentsReport>('/segments', { as_of: asOf, profile, months: TREND_MONTHS, lang }), `${asOf}|${profile}|${lang}`);
  return (
    <div className="page">
      <h1>{t('value.title')}</h1>
      <MonthsForm key={`a${asOf}`} fields={[{ name: 'as_of', label: t('lifecycle.asOf'), value: asOf }]} onApply={(v) => setQuery(loc, v)} />
      <Loaded state={value} retry={value.retry}>
        {(v) => <ValueView ui={ui} data={v} />}
      </Loaded>
      <section>
        <h2>{t('value.segments')}</h2>
        <div className="filters">
          <label>
            {t('value.profile')}{' '}
            <select name="profile" value={profile} onChange={(e) => setQuery(loc, { profile: e.target.value === 'auto' ? undefined : e.target.value, segment: undefined })}>
              {PROFILES.map((p) => (
                <option key={p} value={p}>
                  {t(`value.profile.${p}` as MessageKey)}
                </option>
              ))}
            </select>
          </label>
        </div>
        <Loaded state={segments} retry={segments.retry}>
          {(s) => <SegmentsView ui={ui} data={s} loc={loc} />}
        </Loaded>
      </section>
    </div>
  );
}

/** Quadrants laid out as the matrix: potential up, current value right (II IV over I III). */
const MATRIX_ORDER = ['II', 'IV', 'I', 'III'] as const;

function ValueView({ ui, data }: { ui: Ui; data: ValueReport }) {
  const { t, f } = ui;
  const currency = data.currency;
  const points = useMemo(() => paretoPoints(data.pareto), [data.pareto]);
  const byQuadrant = new Map(data.quadrants.map((q) => [q.quadrant, q]));
  const pareto: EChartsCoreOption = {
    tooltip: { trigger: 'axis', formatter: (ps: { value: [number, number] }[]) => { const v = ps[0]?.value; return v ? t('value.paretoPoint', { c: f.percent(v[0], 1), v: f.percent(v[1], 1) }) : ''; } },
    grid: { left: 60, right: 30, top: 30, bottom: 50 },
    xAxis: { type: 'value', min: 0, max: 1, name: t('value.topCustomers'), nameLocation: 'middle', nameGap: 30, axisLabel: { formatter: (v: number) => f.percent(v, 0) } },
    yAxis: { type: 'value', min: 0, max: 1, name: t('value.valueShare'), axisLabel: { formatter: (v: number) => f.percent(v, 0) } },
    series: [
      {
        name: t('value.pareto'),
        type: 'line',
        data: points,
        areaStyle: { opacity: 0.15 },
        markLine:
          data.pareto.fraction_for_target === null
            ? undefined
            : { symbol: 'none', lineStyle: { type: 'dashed', color: '#b42318' }, label: { formatter: '{b}' }, data: [{ name: f.percent(data.pareto.target, 0), yAxis: data.pareto.target }, { name: f.percent(data.pareto.fraction_for_target, 1), xAxis: data.pareto.fraction_for_target }] },
      },
      { name: t('value.equal'), type: 'line', data: [[0, 0], [1, 1]], symbol: 'none', lineStyle: { type: 'dotted', color: '#5a6478' } },
    ],
  };
  const tierRows = data.tiers;
  const tierChart: EChartsCoreOption = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [t('col.count'), t('value.valueShare')] },
    grid: { left: 60, right: 60, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: tierRows.map((r) => r.name) },
    yAxis: [{ type: 'value', name: t('col.count') }, { type: 'value', name: t('value.valueShare'), max: 1, axisLabel: { formatter: (v: number) => f.percent(v, 0) } }],
    series: [
      { name: t('col.count'), type: 'bar', data: tierRows.map((r) => r.customers) },
      { name: t('value.valueShare'), type: 'line', yAxisIndex: 1, data: tierRows.map((r) => r.value_share), tooltip: { valueFormatter: (v: number) => f.percent(v, 1) } },
    ],
  };
  const tierColumns: Column<ValueReport['tiers'][number]>[] = [
    { key: 'tier', label: t('value.tier'), show: (r) => r.name, raw: (r) => r.tier },
    { key: 'above', label: `${t('value.above')} (${currency})`, show: (r) => (r.above === null ? '–' : f.money(r.above, currency)), raw: (r) => r.above, numeric: true },
    { key: 'customers', label: t('col.count'), show: (r) => f.integer(r.customers), raw: (r) => r.customers, numeric: true },
    { key: 'value', label: `${t('value.value')} (${currency})`, show: (r) => f.money(r.value, currency), raw: (r) => r.value, numeric: true },
    { key: 'value_share', label: t('value.valueShare'), show: (r) => f.percent(r.value_share, 1), raw: (r) => r.value_share, numeric: true },
  ];
  const quadrantColumns: Column<ValueQuadrant>[] = [
    { key: 'quadrant', label: t('field.quadrant'), show: (q) => q.quadrant, raw: (q) => q.quadrant },
    { key: 'value', label: t('value.position'), show: (q) => q.value, raw: (q) => q.value },
    { key: 'customers', label: t('col.count'), show: (q) => f.integer(q.customers), raw: (q) => q.customers, numeric: true },
    { key: 'customer_share', label: t('col.share'), show: (q) => f.percent(q.customer_share, 1), raw: (q) => q.customer_share, numeric: true },
    { key: 'current_value', label: `${t('field.current_value')} (${currency})`, show: (q) => f.money(q.current_value, currency), raw: (q) => q.current_value, numeric: true },
    { key: 'potential', label: `${t('field.potential')} (${currency})`, show: (q) => f.money(q.potential, currency), raw: (q) => q.potential, numeric: true },
    { key: 'budget_share', label: t('value.budgetShare'), show: (q) => f.percent(q.budget_share, 1), raw: (q) => q.budget_share, numeric: true },
    { key: 'investment', label: t('value.investment'), show: (q) => q.investment, raw: (q) => q.investment },
    { key: 'retention', label: t('value.retention'), show: (q) => q.retention, raw: (q) => q.retention },
  ];
  return (
    <>
      <Stats
        items={[
          { label: t('lifecycle.asOfShown'), value: f.month(data.as_of), id: 'value-as-of' },
          { label: t('value.customers'), value: f.integer(data.customers), id: 'value-customers' },
          { label: `${t('value.totalCurrent')}`, value: f.money(data.totals.current_value, currency), id: 'value-total' },
          { label: `${t('value.totalPotential')}`, value: f.money(data.totals.potential, currency) },
        ]}
      />
      <h2>{t('value.matrix')}</h2>
      <p className="muted">{t('value.matrixHint', { cv: f.money(data.thresholds.current_value, currency), p: f.money(data.thresholds.potential, currency) })}</p>
      <div className="quadrants" data-testid="quadrants">
        {MATRIX_ORDER.map((name) => {
          const q = byQuadrant.get(name);
          if (!q) return <div key={name} />;
          return (
            <section className="quadrant" key={name} aria-labelledby={`quadrant-${name}`} data-quadrant={name}>
              <h3 id={`quadrant-${name}`}>{t('value.quadrant', { q: name })}</h3>
              <p>{q.value}</p>
              <p>
                <span data-testid={`quadrant-${name}-customers`}>{f.integer(q.customers)}</span> · {f.percent(q.customer_share, 1)} · {f.money(q.current_value, currency)}
              </p>
              <p>
                {t('value.investment')}: <span className="strategy">{q.investment}</span>
              </p>
              <p>
                {t('value.retention')}: <span className="strategy">{q.retention}</span>
              </p>
              <p className="muted">
                {t('value.budgetShare')}: {f.percent(q.budget_share, 1)}
              </p>
            </section>
          );
        })}
      </div>
      <DataTable id="value-quadrants" caption={t('value.matrix')} columns={quadrantColumns} rows={data.quadrants} filename={`value-quadrants_${data.as_of}`} />
      <div className="grid2">
        <div>
          <Chart id="chart-pareto" title={t('value.pareto')} option={pareto} filename={`value-pareto_${data.as_of}`} />
          <p data-testid="pareto-sentence">
            {data.pareto.fraction_for_target === null ? t('value.paretoNone') : t('value.paretoSentence', { c: f.percent(data.pareto.fraction_for_target, 1), v: f.percent(data.pareto.target, 0) })}
          </p>
        </div>
        <div>
          <Chart id="chart-tiers" title={t('value.tiers')} option={tierChart} filename={`value-tiers_${data.as_of}`} />
          <DataTable id="value-tiers" caption={t('value.tiers')} columns={tierColumns} rows={tierRows} filename={`value-tiers_${data.as_of}`} />
        </div>
      </div>
    </>
  );
}

function SegmentsView({ ui, data, loc }: { ui: Ui; data: SegmentsReport; loc: Location }) {
  const { t, f } = ui;
  const currency = data.currency;
  const names = data.trends.map((s) => s.segment);
  const chosen = choiceParam(loc.query, 'segment', names) ?? 'all';
  const months = segmentMonths(data, chosen);
  const segLabel = (s: string) => (s.startsWith('tier:') ? t('value.tierSegment', { tier: label(ui, 'value.tierName', s.slice(5)) }) : label(ui, 'value.seg', s));
  const option: EChartsCoreOption = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [t('value.size'), t('col.churn_rate')] },
    grid: { left: 60, right: 60, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: months.map((m) => f.month(m.month)) },
    yAxis: [{ type: 'value', name: t('value.size') }, { type: 'value', name: t('col.churn_rate'), axisLabel: { formatter: (v: number) => f.percent(v, 1) } }],
    series: [
      { name: t('value.size'), type: 'bar', data: months.map((m) => m.size) },
      { name: t('col.churn_rate'), type: 'line', yAxisIndex: 1, data: months.map((m) => m.churn_rate), tooltip: { valueFormatter: (v: number) => f.percent(v, 2) } },
    ],
  };
  const signed = (n: number | null, show: (n: number) => string) => (n === null ? '–' : `${n > 0 ? '+' : ''}${show(n)}`);
  const columns: Column<SegmentTrend>[] = [
    { key: 'segment', label: t('value.segment'), show: (s) => <button type="button" className="link" aria-pressed={s.segment === chosen} onClick={() => setQuery(loc, { segment: s.segment === 'all' ? undefined : s.segment })}>{segLabel(s.segment)}</button>, raw: (s) => s.segment },
    { key: 'size', label: t('value.size'), show: (s) => f.integer(s.size), raw: (s) => s.size, numeric: true },
    { key: 'size_change', label: t('value.sizeChange'), show: (s) => signed(s.size_change, f.integer), raw: (s) => s.size_change, numeric: true },
    { key: 'arpu', label: `${t('col.arpu')} (${currency})`, show: (s) => f.money(s.arpu, currency), raw: (s) => s.arpu, numeric: true },
    { key: 'churn_rate', label: t('col.churn_rate'), show: (s) => f.percent(s.churn_rate, 2), raw: (s) => s.churn_rate, numeric: true },
    { key: 'churn_rate_change', label: t('value.rateChange'), show: (s) => signed(s.churn_rate_change === null ? null : s.churn_rate_change * 100, (n) => `${f.decimal(n, 2)} pp`), raw: (s) => s.churn_rate_change, numeric: true },
    // The definition last: long text, after the figures.
    { key: 'description', label: t('value.description'), show: (s) => s.description, raw: (s) => s.description },
  ];
  const file = `segments_${data.from}_${data.to}`;
  return (
    <>
      <p className="range">{t('value.segmentsRange', { from: f.month(data.from), to: f.month(data.to) })}</p>
      <div className="grid2">
        <DataTable id="segments" caption={t('value.segmentTrends', { month: f.month(data.to) })} columns={columns} rows={data.trends} filename={file} />
        <Chart id="chart-segment" title={t('value.segmentTrend', { segment: segLabel(chosen) })} option={option} filename={`segment-${chosen.replace(':', '-')}_${data.from}_${data.to}`} />
      </div>
    </>
  );
}
