import { useMemo } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import { getJson } from '../api.ts';
import { useUi, type Ui } from '../context.tsx';
import type { Location } from '../router.ts';
import { useRequest } from '../use-request.ts';
import { Chart } from '../components/Chart.tsx';
import { DataTable, type Column } from '../components/DataTable.tsx';
import { Loaded } from '../components/State.tsx';
import '../components/analytics-charts.ts';
import '../analytics.css';
import { heatCells, type LifecycleSnapshot, type LifecycleStage, type Patterns, type Transitions } from './analytics-data.ts';
import { choiceParam, MonthsForm, monthParam, setQuery, Stats } from './analytics-ui.tsx';

/**
 * The lifecycle page: the stage funnel A–E with the relationship stages (考察期, 形成期, 稳定期,
 * 退化期), the transition matrix between two months as a heat map (a stage's row drills into
 * where its customers went), the time spent in each stage, and the relationship patterns I–IV of
 * the relationships that ended. Filters in the URL: as_of (the funnel's month), from and to
 * (the month pair of the transitions and patterns), stage (the drilled row).
 */
const STAGES = ['A', 'B', 'C', 'D', 'E'] as const;

export function Lifecycle({ loc }: { loc: Location }) {
  const ui = useUi();
  const { t, lang } = ui;
  const asOf = monthParam(loc.query, 'as_of');
  const from = monthParam(loc.query, 'from');
  const to = monthParam(loc.query, 'to');
  const stage = choiceParam(loc.query, 'stage', STAGES);
  const snapshot = useRequest(() => getJson<LifecycleSnapshot>('/lifecycle', { as_of: asOf, lang }), `${asOf}|${lang}`);
  const transitions = useRequest(() => getJson<Transitions>('/lifecycle/transitions', { from, to, lang }), `${from}|${to}|${lang}`);
  const patterns = useRequest(() => getJson<Patterns>('/lifecycle/patterns', { from, to, lang }), `${from}|${to}|${lang}`);

  return (
    <div className="page">
      <h1>{t('lifecycle.title')}</h1>
      <section>
        <MonthsForm key={`a${asOf}`} fields={[{ name: 'as_of', label: t('lifecycle.asOf'), value: asOf }]} onApply={(v) => setQuery(loc, v)} />
        <Loaded state={snapshot} retry={snapshot.retry}>
          {(s) => <Funnel ui={ui} data={s} onStage={(st) => setQuery(loc, { stage: st })} />}
        </Loaded>
      </section>
      <section>
        <h2>{t('lifecycle.transitions')}</h2>
        <MonthsForm
          key={`t${from}|${to}`}
          fields={[
            { name: 'from', label: t('lifecycle.fromMonth'), value: from },
            { name: 'to', label: t('lifecycle.toMonth'), value: to },
          ]}
          onApply={(v) => setQuery(loc, v)}
        />
        <Loaded state={transitions} retry={transitions.retry}>
          {(tr) => <TransitionsView ui={ui} data={tr} stage={stage} onStage={(st) => setQuery(loc, { stage: st })} />}
        </Loaded>
      </section>
      <section>
        <h2>{t('lifecycle.patterns')}</h2>
        <Loaded state={patterns} retry={patterns.retry}>
          {(p) => <PatternsView ui={ui} data={p} />}
        </Loaded>
      </section>
    </div>
  );
}

function Funnel({ ui, data, onStage }: { ui: Ui; data: LifecycleSnapshot; onStage: (stage: string) => void }) {
  const { t, f } = ui;
  const currency = data.currency;
  const stageName = (s: LifecycleStage) => `${s.stage} ${s.name}`;
  const option: EChartsCoreOption = {
    tooltip: { trigger: 'item', formatter: (p: { name: string; value: number }) => `${p.name}: ${f.integer(p.value)}` },
    series: [
      {
        name: t('lifecycle.funnel'),
        type: 'funnel',
        sort: 'none',
        left: '10%',
        width: '80%',
        top: 10,
        bottom: 10,
        minSize: '20%',
        gap: 2,
        cursor: 'pointer',
        label: { show: true, position: 'inside', formatter: (p: { name: string; value: number }) => `${p.name}  ${f.integer(p.value)}` },
        data: data.by_stage.map((s) => ({ name: stageName(s), value: s.customers })),
      },
    ],
  };
  const columns: Column<LifecycleStage>[] = [
    { key: 'stage', label: t('col.stage'), show: (s) => <button type="button" className="link" onClick={() => onStage(s.stage)}>{s.stage}</button>, raw: (s) => s.stage },
    { key: 'name', label: t('lifecycle.stageName'), show: (s) => s.name, raw: (s) => s.name },
    { key: 'relationship', label: t('lifecycle.relationship'), show: (s) => s.relationship, raw: (s) => s.relationship },
    { key: 'customers', label: t('col.count'), show: (s) => f.integer(s.customers), raw: (s) => s.customers, numeric: true },
    { key: 'share', label: t('col.share'), show: (s) => f.percent(s.share, 1), raw: (s) => s.share, numeric: true },
    { key: 'active_share', label: t('lifecycle.activeShare'), show: (s) => f.percent(s.active_share, 1), raw: (s) => s.active_share, numeric: true },
    { key: 'arpu', label: `${t('col.arpu')} (${currency})`, show: (s) => f.money(s.arpu, currency), raw: (s) => s.arpu, numeric: true },
    { key: 'margin', label: `${t('lifecycle.margin')} (${currency})`, show: (s) => f.money(s.margin, currency), raw: (s) => s.margin, numeric: true },
    { key: 'focus', label: t('lifecycle.focus'), show: (s) => s.focus, raw: (s) => s.focus },
  ];
  // The four relationship stages of an active customer (and the end), with their counts.
  const relationships = data.relationship_stages.map((r) => ({ ...r, customers: data.by_stage.find((s) => s.stage === r.stage)?.customers ?? 0 }));
  const relColumns: Column<(typeof relationships)[number]>[] = [
    { key: 'relationship', label: t('lifecycle.relationship'), show: (r) => r.relationship, raw: (r) => r.relationship },
    { key: 'stage', label: t('col.stage'), show: (r) => r.stage, raw: (r) => r.stage },
    { key: 'customers', label: t('col.count'), show: (r) => f.integer(r.customers), raw: (r) => r.customers, numeric: true },
  ];
  return (
    <>
      <Stats
        items={[
          { label: t('lifecycle.asOfShown'), value: f.month(data.as_of), id: 'lifecycle-as-of' },
          { label: t('lifecycle.customers'), value: f.integer(data.customers), id: 'lifecycle-customers' },
          { label: t('lifecycle.active'), value: f.integer(data.active_customers), id: 'lifecycle-active' },
        ]}
      />
      <div className="grid2">
        <Chart
          id="chart-funnel"
          title={t('lifecycle.funnel')}
          option={option}
          height={320}
          filename={`lifecycle-funnel_${data.as_of}`}
          onClick={(c) => {
            const s = data.by_stage[c.dataIndex];
            if (s) onStage(s.stage);
          }}
        />
        <DataTable id="relationship-stages" caption={t('lifecycle.relationshipStages')} columns={relColumns} rows={relationships} filename={`relationship-stages_${data.as_of}`} />
      </div>
      <DataTable id="lifecycle-stages" caption={t('lifecycle.stages', { month: f.month(data.as_of) })} columns={columns} rows={data.by_stage} filename={`lifecycle-stages_${data.as_of}`} />
    </>
  );
}

function TransitionsView({ ui, data, stage, onStage }: { ui: Ui; data: Transitions; stage: string | undefined; onStage: (stage: string | undefined) => void }) {
  const { t, f } = ui;
  const heat = useMemo(() => heatCells(data), [data]);
  const file = `lifecycle-transitions_${data.from}_${data.to}`;
  const option: EChartsCoreOption = {
    tooltip: {
      trigger: 'item',
      formatter: (p: { value: [number, number, number] }) => {
        const [j, i, n] = p.value;
        return t('lifecycle.cell', { from: data.stages[i] ?? '', to: data.stages[j] ?? '', n: f.integer(n), p: f.percent(data.probabilities[i]?.[j] ?? null, 1) });
      },
    },
    grid: { left: 80, right: 20, top: 30, bottom: 80 },
    xAxis: { type: 'category', data: [...data.stages], name: t('lifecycle.toStage', { month: f.month(data.to) }), nameLocation: 'middle', nameGap: 28, splitArea: { show: true } },
    yAxis: { type: 'category', data: [...data.stages], name: t('lifecycle.fromStage', { month: f.month(data.from) }), nameLocation: 'middle', nameGap: 50, inverse: true, splitArea: { show: true } },
    visualMap: { min: 0, max: Math.max(1, heat.max), calculable: false, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#f5f7fa', '#9ec5fe', '#1f5fbf'] } },
    series: [
      {
        name: t('lifecycle.transitions'),
        type: 'heatmap',
        cursor: 'pointer',
        data: heat.cells,
        label: { show: true, formatter: (p: { value: [number, number, number] }) => f.integer(p.value[2]) },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
      },
    ],
  };
  const rows = data.stages.map((s, i) => ({ stage: s, counts: data.counts[i] ?? [], probabilities: data.probabilities[i] ?? [] }));
  const columns: Column<(typeof rows)[number]>[] = [
    { key: 'from', label: t('lifecycle.fromTo'), show: (r) => <button type="button" className="link" onClick={() => onStage(r.stage)}>{r.stage}</button>, raw: (r) => r.stage },
    ...data.stages.map((s, j) => ({ key: s, label: s, show: (r: (typeof rows)[number]) => f.integer(r.counts[j] ?? 0), raw: (r: (typeof rows)[number]) => r.counts[j] ?? 0, numeric: true })),
    { key: 'total', label: t('lifecycle.rowTotal'), show: (r) => f.integer(r.counts.reduce((a, b) => a + b, 0)), raw: (r) => r.counts.reduce((a, b) => a + b, 0), numeric: true },
  ];
  const drilled = stage === undefined ? undefined : rows.find((r) => r.stage === stage);
  const drillRows = drilled ? data.stages.map((to, j) => ({ to, customers: drilled.counts[j] ?? 0, probability: drilled.probabilities[j] ?? null })) : [];
  const drillColumns: Column<(typeof drillRows)[number]>[] = [
    { key: 'to', label: t('lifecycle.toStage', { month: f.month(data.to) }), show: (r) => r.to, raw: (r) => r.to },
    { key: 'customers', label: t('col.count'), show: (r) => f.integer(r.customers), raw: (r) => r.customers, numeric: true },
    { key: 'probability', label: t('lifecycle.probability'), show: (r) => f.percent(r.probability, 1), raw: (r) => r.probability, numeric: true },
  ];
  const stayColumns: Column<Transitions['time_in_stage'][number]>[] = [
    { key: 'stage', label: t('col.stage'), show: (r) => r.stage, raw: (r) => r.stage },
    { key: 'months', label: t('lifecycle.stageMonths'), show: (r) => f.integer(r.months), raw: (r) => r.months, numeric: true },
    { key: 'spells', label: t('lifecycle.spells'), show: (r) => f.integer(r.spells), raw: (r) => r.spells, numeric: true },
    { key: 'mean', label: t('lifecycle.meanSpell'), show: (r) => f.decimal(r.mean_spell_months, 2), raw: (r) => r.mean_spell_months, numeric: true },
  ];
  const stay: EChartsCoreOption = {
    tooltip: { trigger: 'axis' },
    legend: { top: 0, data: [t('lifecycle.stageMonths'), t('lifecycle.spells')] },
    grid: { left: 50, right: 20, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: data.time_in_stage.map((r) => r.stage) },
    yAxis: { type: 'value' },
    series: [
      { name: t('lifecycle.stageMonths'), type: 'bar', data: data.time_in_stage.map((r) => r.months) },
      { name: t('lifecycle.spells'), type: 'bar', data: data.time_in_stage.map((r) => r.spells) },
    ],
  };
  return (
    <>
      <p className="range" data-testid="transition-months">
        {t('lifecycle.pair', { from: f.month(data.from), to: f.month(data.to) })}
      </p>
      <div className="grid2">
        <Chart
          id="chart-transitions"
          title={t('lifecycle.heatmap')}
          option={option}
          height={360}
          filename={file}
          onClick={(c) => {
            const cell = heat.cells[c.dataIndex];
            if (cell) onStage(data.stages[cell[1]]);
          }}
        />
        <div>
          <DataTable id="transition-matrix" caption={t('lifecycle.matrix')} columns={columns} rows={rows} filename={file} />
          {drilled ? (
            <div className="cell-detail" data-testid="stage-drill">
              <DataTable id="transition-drill" caption={t('lifecycle.drill', { stage: drilled.stage, from: f.month(data.from), to: f.month(data.to) })} columns={drillColumns} rows={drillRows} filename={`${file}_${drilled.stage}`} />
              <button type="button" onClick={() => onStage(undefined)}>
                {t('lifecycle.closeDrill')}
              </button>
            </div>
          ) : (
            <p className="muted">{t('lifecycle.drillHint')}</p>
          )}
        </div>
      </div>
      <h2>{t('lifecycle.history')}</h2>
      <div className="grid2">
        <Chart id="chart-time-in-stage" title={t('lifecycle.history')} option={stay} filename={`lifecycle-time-in-stage_${data.from}_${data.to}`} />
        <DataTable id="time-in-stage" caption={t('lifecycle.history')} columns={stayColumns} rows={data.time_in_stage} filename={`lifecycle-time-in-stage_${data.from}_${data.to}`} />
      </div>
    </>
  );
}

function PatternsView({ ui, data }: { ui: Ui; data: Patterns }) {
  const { t, f } = ui;
  const file = `lifecycle-patterns_${data.from}_${data.to}`;
  const option: EChartsCoreOption = {
    tooltip: { trigger: 'axis' },
    grid: { left: 190, right: 30, top: 10, bottom: 30 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', inverse: true, data: data.patterns.map((p) => `${p.pattern} ${p.name}`), axisLabel: { width: 180, overflow: 'truncate' } },
    series: [{ name: t('col.count'), type: 'bar', data: data.patterns.map((p) => p.customers) }],
  };
  const columns: Column<Patterns['patterns'][number]>[] = [
    { key: 'pattern', label: t('lifecycle.pattern'), show: (p) => p.pattern, raw: (p) => p.pattern },
    { key: 'name', label: t('lifecycle.patternName'), show: (p) => p.name, raw: (p) => p.name },
    { key: 'customers', label: t('col.count'), show: (p) => f.integer(p.customers), raw: (p) => p.customers, numeric: true },
    { key: 'observed_from_join', label: t('lifecycle.fromJoin'), show: (p) => f.integer(p.observed_from_join), raw: (p) => p.observed_from_join, numeric: true },
  ];
  return (
    <>
      <Stats
        items={[
          { label: t('lifecycle.patternMonths'), value: t('lifecycle.pair', { from: f.month(data.from), to: f.month(data.to) }) },
          { label: t('lifecycle.exits'), value: f.integer(data.exits), id: 'patterns-exits' },
          { label: t('lifecycle.unassigned'), value: f.integer(data.unassigned.customers), id: 'patterns-unassigned' },
        ]}
      />
      <p className="muted">{t('lifecycle.patternsHint', { n: f.integer(data.long_stability_months) })}</p>
      <div className="grid2">
        <Chart id="chart-patterns" title={t('lifecycle.patterns')} option={option} height={200} filename={file} />
        <div>
          <DataTable id="lifecycle-patterns" caption={t('lifecycle.patterns')} columns={columns} rows={data.patterns} filename={file} />
          {data.unassigned.customers > 0 ? (
            <ul className="muted">
              {data.unassigned.reasons
                .filter((r) => r.customers > 0)
                .map((r) => (
                  <li key={r.reason}>
                    {f.integer(r.customers)} · {r.description}
                  </li>
                ))}
            </ul>
          ) : null}
        </div>
      </div>
    </>
  );
}
