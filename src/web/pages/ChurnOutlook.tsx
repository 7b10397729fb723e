import { useMemo } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import { ApiFailure, getAllRows, getJson } from '../api.ts';
import { useUi, type Ui } from '../context.tsx';
import type { Location } from '../router.ts';
import { useRequest } from '../use-request.ts';
import { Chart } from '../components/Chart.tsx';
import { DataTable, type Column } from '../components/DataTable.tsx';
import { Loaded } from '../components/State.tsx';
import '../components/analytics-charts.ts';
import '../analytics.css';
import { competitorTotals, forecastSeries, type ChurnForecast, type ChurnIndexReason, type ChurnIndexReport, type CompetitorRow, type CompetitorTotal, type ForecastMonth } from './analytics-data.ts';
import { choiceParam, label, setQuery, Stats } from './analytics-ui.tsx';

/**
 * The dashboard's panels after the churn table: losses by competitor over the dashboard's months,
 * the churn forecast with its interval and backtest, and the churn index by scope with its drivers.
 * Each loads on its own (after the dashboard's reports), each with its loading and error state.
 */
const HORIZONS = ['3', '6', '12'] as const;

export function ChurnOutlook({ loc, from, to }: { loc: Location; from: string | undefined; to: string | undefined }) {
  return (
    <>
      <Competitors from={from} to={to} />
      <Forecast loc={loc} />
      <ChurnIndex loc={loc} />
    </>
  );
}

function Competitors({ from, to }: { from: string | undefined; to: string | undefined }) {
  const ui = useUi();
  const { t, f, lang } = ui;
  const rows = useRequest(() => getAllRows<CompetitorRow>('/reports/churn-competitors', { from, to, lang }), `${from}|${to}|${lang}`);
  return (
    <section className="competitors">
      <h2>{t('forecast.competitors')}</h2>
      <Loaded state={rows} retry={rows.retry}>
        {(data) => {
          const totals = competitorTotals(data);
          const currency = data[0]?.currency ?? 'CNY';
          const months = [...new Set(data.map((r) => r.month))].sort();
          const file = `churn-competitors${months.length ? `_${months[0]}_${months[months.length - 1]}` : ''}`;
          const name = (c: CompetitorTotal) => c.competitor ?? t('forecast.noCompetitor');
          const shown = [...totals].reverse();
          const option: EChartsCoreOption = {
            tooltip: { trigger: 'axis' },
            legend: { top: 0, data: [t('col.voluntary'), t('col.involuntary')] },
            grid: { left: 130, right: 30, top: 30, bottom: 30 },
            xAxis: { type: 'value' },
            yAxis: { type: 'category', data: shown.map(name), axisLabel: { width: 120, overflow: 'truncate' } },
            series: [
              { name: t('col.voluntary'), type: 'bar', stack: 'exits', data: shown.map((c) => c.voluntary) },
              { name: t('col.involuntary'), type: 'bar', stack: 'exits', data: shown.map((c) => c.involuntary) },
            ],
          };
          const columns: Column<CompetitorTotal>[] = [
            { key: 'competitor', label: t('forecast.competitor'), show: name, raw: (c) => c.competitor },
            { key: 'voluntary', label: t('col.voluntary'), show: (c) => f.integer(c.voluntary), raw: (c) => c.voluntary, numeric: true },
            { key: 'involuntary', label: t('col.involuntary'), show: (c) => f.integer(c.involuntary), raw: (c) => c.involuntary, numeric: true },
            { key: 'count', label: t('col.count'), show: (c) => f.integer(c.count), raw: (c) => c.count, numeric: true },
            { key: 'share', label: t('forecast.shareOfVoluntary'), show: (c) => f.percent(c.share_of_voluntary, 1), raw: (c) => c.share_of_voluntary, numeric: true },
            { key: 'revenue_lost', label: `${t('col.revenue_lost')} (${currency})`, show: (c) => f.money(c.revenue_lost, currency), raw: (c) => c.revenue_lost, numeric: true },
            {
              key: 'groups',
              label: t('forecast.topGroups'),
              show: (c) => c.top_reason_groups.map((g) => `${label(ui, 'rg', g.reason_group)} ${f.integer(g.count)}`).join(lang === 'en' ? ', ' : '、'),
              raw: (c) => c.top_reason_groups.map((g) => `${g.reason_group ?? ''}:${g.count}`).join(' '),
            },
          ];
          return (
            <div className="grid2">
              <Chart id="chart-competitors" title={t('forecast.competitors')} option={option} height={Math.max(200, shown.length * 26 + 70)} filename={file} />
              <DataTable id="churn-competitors" caption={t('forecast.competitors')} columns={columns} rows={totals} filename={file} />
            </div>
          );
        }}
      </Loaded>
    </section>
  );
}

function Forecast({ loc }: { loc: Location }) {
  const ui = useUi();
  const { t } = ui;
  const horizon = choiceParam(loc.query, 'horizon', HORIZONS) ?? '6';
  const req = useRequest(() => getJson<ChurnForecast>('/forecast/churn', { horizon, backtest: 6 }), horizon);
  return (
    <section className="forecast">
      <h2>{t('forecast.title')}</h2>
      <div className="filters">
        <label>
          {t('forecast.horizon')}{' '}
          <select name="horizon" value={horizon} onChange={(e) => setQuery(loc, { horizon: e.target.value })}>
            {HORIZONS.map((h) => (
              <option key={h} value={h}>
                {t('forecast.months', { n: h })}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Loaded state={req} retry={req.retry}>
        {(data) => <ForecastBody ui={ui} data={data} />}
      </Loaded>
    </section>
  );
}

function ForecastBody({ ui, data }: { ui: Ui; data: ChurnForecast }) {
  const { t, f } = ui;
  const s = useMemo(() => forecastSeries(data), [data]);
  const currency = data.currency;
  const level = f.percent(data.level, 0);
  const option: EChartsCoreOption = {
    tooltip: { trigger: 'axis', valueFormatter: (v: number | null) => (v === null || v === undefined ? '–' : f.decimal(v, 1)) },
    legend: { top: 0, data: [t('forecast.actual'), t('forecast.forecast'), t('forecast.interval', { level }), t('forecast.backtestLine')] },
    grid: { left: 50, right: 20, top: 50, bottom: 30 },
    xAxis: { type: 'category', data: s.months.map((m) => f.month(m)) },
    yAxis: { type: 'value', name: t('col.exits') },
    series: [
      { name: 'lower', type: 'line', stack: 'band', data: s.lower, lineStyle: { opacity: 0 }, symbol: 'none', tooltip: { show: false } },
      { name: t('forecast.interval', { level }), type: 'line', stack: 'band', data: s.band, lineStyle: { opacity: 0 }, symbol: 'none', areaStyle: { color: '#9ec5fe', opacity: 0.45 }, itemStyle: { color: '#9ec5fe' } },
      { name: t('forecast.actual'), type: 'line', data: s.actual, itemStyle: { color: '#1d2433' } },
      { name: t('forecast.forecast'), type: 'line', data: s.forecast, lineStyle: { type: 'dashed' }, itemStyle: { color: '#1f5fbf' } },
      { name: t('forecast.backtestLine'), type: 'line', data: s.backtest, lineStyle: { type: 'dotted' }, itemStyle: { color: '#d97706' } },
    ],
  };
  const columns: Column<ForecastMonth>[] = [
    { key: 'month', label: t('col.month'), show: (r) => f.month(r.month), raw: (r) => r.month },
    { key: 'voluntary', label: t('col.voluntary'), show: (r) => f.decimal(r.voluntary, 1), raw: (r) => r.voluntary, numeric: true },
    { key: 'involuntary', label: t('col.involuntary'), show: (r) => f.decimal(r.involuntary, 1), raw: (r) => r.involuntary, numeric: true },
    { key: 'total', label: t('forecast.total'), show: (r) => f.decimal(r.total, 1), raw: (r) => r.total, numeric: true },
    { key: 'lower', label: t('forecast.lower', { level }), show: (r) => f.decimal(r.lower, 1), raw: (r) => r.lower, numeric: true },
    { key: 'upper', label: t('forecast.upper', { level }), show: (r) => f.decimal(r.upper, 1), raw: (r) => r.upper, numeric: true },
    { key: 'expected_revenue_lost', label: `${t('forecast.revenueLost')} (${currency})`, show: (r) => f.money(r.expected_revenue_lost, currency), raw: (r) => r.expected_revenue_lost, numeric: true },
  ];
  const bt = data.backtest;
  const file = `churn-forecast${data.forecast[0] ? `_${data.forecast[0].month}_${data.forecast[data.forecast.length - 1]?.month}` : ''}`;
  return (
    <>
      {bt ? (
        <Stats
          testid="backtest"
          items={[
            { label: t('forecast.backtestMonths'), value: f.integer(bt.months), id: 'backtest-months' },
            { label: t('forecast.mape'), value: bt.mape === null ? '–' : `${f.decimal(bt.mape, 1)}%`, id: 'backtest-mape' },
            { label: t('forecast.naiveMape'), value: bt.naive_mape === null ? '–' : `${f.decimal(bt.naive_mape, 1)}%`, id: 'backtest-naive' },
            { label: t('forecast.verdict'), value: bt.beats_naive === null ? '–' : bt.beats_naive ? t('forecast.beatsNaive') : t('forecast.notBeatsNaive'), id: 'backtest-verdict' },
          ]}
        />
      ) : (
        <p className="muted">{t('forecast.noBacktest')}</p>
      )}
      <div className="grid2">
        <Chart id="chart-forecast" title={t('forecast.title')} option={option} filename={file} />
        <DataTable id="churn-forecast" caption={t('forecast.table', { level })} columns={columns} rows={data.forecast} filename={file} />
      </div>
    </>
  );
}

function ChurnIndex({ loc }: { loc: Location }) {
  const ui = useUi();
  const { t } = ui;
  const req = useRequest(async () => {
    try {
      return await getJson<ChurnIndexReport>('/churn-index');
    } catch (err) {
      // The store has no surveys: a fact about the data to say in words, not a failure.
      if (err instanceof ApiFailure && err.code === 'NO_DATA') return null;
      throw err;
    }
  }, 'churn-index');
  return (
    <section className="churn-index">
      <h2>{t('forecast.index')}</h2>
      <Loaded state={req} retry={req.retry}>
        {(data) =>
          data === null || data.scopes.length === 0 ? (
            <p className="note" role="note" data-testid="no-surveys">
              {t('forecast.noSurveys')}
            </p>
          ) : (
            <IndexBody ui={ui} data={data} loc={loc} />
          )
        }
      </Loaded>
    </section>
  );
}

function IndexBody({ ui, data, loc }: { ui: Ui; data: ChurnIndexReport; loc: Location }) {
  const { t, f } = ui;
  const scopes = data.scopes.map((s) => s.scope);
  const chosen = choiceParam(loc.query, 'ci_scope', scopes) ?? scopes[0] ?? 'all';
  const scope = data.scopes.find((s) => s.scope === chosen);
  const observed = data.observed?.scopes.find((s) => s.scope === chosen);
  const scopeLabel = (s: string) => label(ui, 'ci.scope', s);
  const option: EChartsCoreOption = {
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => f.decimal(v, 2) },
    grid: { left: 110, right: 30, top: 10, bottom: 30 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', data: [...scopes].reverse().map(scopeLabel), axisLabel: { width: 100, overflow: 'truncate' } },
    series: [
      {
        name: t('forecast.indexValue'),
        type: 'bar',
        cursor: 'pointer',
        data: [...data.scopes].reverse().map((s) => ({ value: s.index, itemStyle: s.scope === chosen ? { color: '#d97706' } : undefined })),
      },
    ],
  };
  const columns: Column<ChurnIndexReason>[] = [
    { key: 'reason', label: t('forecast.driver'), show: (r) => label(ui, 'ci.reason', r.reason), raw: (r) => r.reason },
    { key: 'contribution', label: t('forecast.contribution'), show: (r) => f.decimal(r.contribution, 2), raw: (r) => r.contribution, numeric: true },
    { key: 'share', label: t('col.share'), show: (r) => f.percent(r.share, 1), raw: (r) => r.share, numeric: true },
    { key: 'pressure', label: t('forecast.pressure'), show: (r) => f.decimal(r.pressure, 3), raw: (r) => r.pressure, numeric: true },
    { key: 'rating', label: t('forecast.rating'), show: (r) => f.decimal(r.rating, 1), raw: (r) => r.rating, numeric: true },
    { key: 'importance', label: t('forecast.importance'), show: (r) => f.decimal(r.importance, 1), raw: (r) => r.importance, numeric: true },
    { key: 'availability', label: t('forecast.availability'), show: (r) => f.decimal(r.availability, 1), raw: (r) => r.availability, numeric: true },
  ];
  const reversed = [...scopes].reverse();
  return (
    <>
      <p className="muted">{t('forecast.indexHint')}</p>
      <div className="grid2">
        <Chart
          id="chart-churn-index"
          title={t('forecast.indexByScope')}
          option={option}
          height={Math.max(200, scopes.length * 24 + 40)}
          filename="churn-index"
          onClick={(c) => {
            const s = reversed[c.dataIndex];
            if (s) setQuery(loc, { ci_scope: s });
          }}
        />
        <div>
          <div className="filters">
            {/* The select beside its label, not inside: the options are data (provinces, segments), not the label's words. */}
            <label htmlFor="ci-scope">{t('forecast.scope')}</label>
            <select id="ci-scope" name="ci_scope" value={chosen} onChange={(e) => setQuery(loc, { ci_scope: e.target.value })}>
                {scopes.map((s) => (
                  <option key={s} value={s}>
                    {scopeLabel(s)}
                  </option>
                ))}
              </select>
          </div>
          <Stats
            testid="index-scope"
            items={[
              { label: t('forecast.indexValue'), value: scope ? f.decimal(scope.index, 2) : '–', id: 'index-value' },
              ...(observed ? [{ label: t('forecast.observedRate', { from: f.month(data.observed?.from), to: f.month(data.observed?.to) }), value: f.percent(observed.window_churn_rate, 1), id: 'index-observed' }] : []),
            ]}
          />
          <DataTable id="churn-index-drivers" caption={t('forecast.drivers', { scope: scopeLabel(chosen) })} columns={columns} rows={scope?.reasons ?? []} filename={`churn-index-drivers_${chosen}`} />
        </div>
      </div>
    </>
  );
}
