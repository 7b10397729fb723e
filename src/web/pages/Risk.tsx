import { useState, type FormEvent } from 'react';
import * as echarts from 'echarts/core';
import { CustomChart } from 'echarts/charts';
import type { EChartsCoreOption } from 'echarts/core';
import { ApiFailure, getJson, postJson } from '../api.ts';
import { can, useUi, type Ui } from '../context.tsx';
import { hasKey } from '../i18n.ts';
import { hrefOf, navigate, type Location } from '../router.ts';
import { useRequest } from '../use-request.ts';
import { Chart } from '../components/Chart.tsx';
import { DataTable, type Column } from '../components/DataTable.tsx';
import { Loaded } from '../components/State.tsx';

// The error bars of the campaign chart are a custom series (registered once, beside Chart's own).
echarts.use([CustomChart]);

const STAGES = ['A', 'B', 'C', 'D', 'E'] as const;
const QUADRANTS = ['I', 'II', 'III', 'IV'] as const;
/** Rows of the list drawn on screen; the whole list is saved and exported by the API. */
const SHOWN = 200;

interface WarnRow {
  rank: number;
  customer_id: string;
  churn_probability: number;
  customer_value: number | null;
  expected_loss: number | null;
  lifecycle_stage: string | null;
  value_quadrant: string | null;
  value_tier: string | null;
  region: string | null;
  top_reasons: { rank: number; text: string }[];
  recommended_play: string | null;
  change: string | null;
}
interface WarnList {
  as_of: string;
  currency: string;
  scoring: { as_of: string; model_version: string } | null;
  previous_scoring: { as_of: string } | null;
  scored: number;
  matched: number;
  listed: number;
  customers: WarnRow[];
}
interface SavedList {
  list_id: string;
  name: string;
  created_at: string;
  as_of: string;
  filters: Record<string, unknown>;
  members: number;
}
interface Design {
  campaign_id: string;
  targets: number;
  excluded: { churned_before_start: number; no_consent: number };
  arms: { arm: string; share: number; members: number }[];
  balance: { arm: string; covariate: string; smd: number | null; imbalanced: boolean }[];
}
interface Arm {
  arm: string;
  members: number;
  churned: number | null;
  churn_rate: number | null;
  churn_rate_ci: [number, number] | null;
  uplift?: number | null;
  uplift_ci?: [number, number] | null;
  saved?: number | null;
  incremental_revenue?: number | null;
  cost: number | null;
  net_value?: number | null;
  roi?: number | null;
  verdict_text: string;
}
interface Campaign {
  campaign_id: string;
  name: string | null;
  start_date: string;
  status: 'open' | 'complete';
  months_open: number;
  contamination: number;
  arms: Arm[];
}
interface Winback {
  currency: string;
  from: string;
  to: string;
  churned: number;
  candidates: number;
  rate: { overall: number | null };
  accounts: { customer_id: string; churn_date: string; reason: string; competitor: string | null; value_lost: number | null; value_tier: string | null; likelihood: number | null; expected_recovery: number | null; revisit_date: string | null; plan: string }[];
}

/** The warning-list filters as they sit in the URL. */
interface Filters {
  min_probability?: string;
  stage?: string;
  quadrant?: string;
  segment?: string;
  top?: string;
}

function filtersOf(q: URLSearchParams): Filters {
  const pick = (k: string, ok: (v: string) => boolean) => {
    const v = q.get(k);
    return v !== null && v !== '' && ok(v) ? v : undefined;
  };
  const codes = (all: readonly string[]) => (v: string) => v.split(',').every((c) => all.includes(c));
  return {
    min_probability: pick('min_probability', (v) => /^(0(\.\d+)?|1(\.0+)?)$/.test(v)),
    stage: pick('stage', codes(STAGES)),
    quadrant: pick('quadrant', codes(QUADRANTS)),
    segment: pick('segment', () => true),
    top: pick('top', (v) => /^[1-9]\d{0,6}$/.test(v)),
  };
}

const label = (ui: Ui, key: string, fallback: string) => (hasKey(key) ? ui.t(key) : fallback);
const failureOf = (err: unknown) => (err instanceof ApiFailure ? err : new ApiFailure(0, 'CLIENT', err instanceof Error ? err.message : String(err), null));

function Failure({ error }: { error: ApiFailure | null }) {
  const { t } = useUi();
  return error ? (
    <p className="error" role="alert">
      {t('state.error', { status: error.status || error.code, message: error.message })}
    </p>
  ) : null;
}

export function Risk({ loc }: { loc: Location }) {
  const ui = useUi();
  const { t } = ui;
  const filters = filtersOf(loc.query);
  const campaign = loc.query.get('campaign') ?? undefined;
  const setQuery = (changes: Record<string, string | undefined>) => navigate(loc.path, { ...filters, campaign, ...changes });
  const [listsVersion, setListsVersion] = useState(0);
  const [campaignsVersion, setCampaignsVersion] = useState(0);
  const lists = useRequest(() => getJson<{ lists: SavedList[] }>('/warn/lists'), String(listsVersion));
  return (
    <div className="page">
      <h1>{t('risk.title')}</h1>
      <WarnFilters key={JSON.stringify(filters)} filters={filters} onApply={(f) => setQuery({ ...f })} />
      <WarningList filters={filters} onSaved={() => setListsVersion((v) => v + 1)} />
      <Loaded state={lists} retry={lists.retry}>
        {(l) => (
          <>
            <SavedLists lists={l.lists} />
            {can(ui, 'customer:list') ? <CampaignDesign lists={l.lists} onDesigned={(id) => { setCampaignsVersion((v) => v + 1); setQuery({ campaign: id }); }} /> : null}
          </>
        )}
      </Loaded>
      <CampaignResults key={campaignsVersion} selected={campaign} onSelect={(id) => setQuery({ campaign: id })} />
      <WinbackList />
    </div>
  );
}

function WarnFilters({ filters, onApply }: { filters: Filters; onApply: (f: Filters) => void }) {
  const { t } = useUi();
  const [minP, setMinP] = useState(filters.min_probability ?? '');
  const [stages, setStages] = useState<string[]>(filters.stage?.split(',') ?? []);
  const [quadrants, setQuadrants] = useState<string[]>(filters.quadrant?.split(',') ?? []);
  const [segment, setSegment] = useState(filters.segment ?? '');
  const [top, setTop] = useState(filters.top ?? '');
  const toggle = (list: string[], set: (l: string[]) => void, code: string) => set(list.includes(code) ? list.filter((c) => c !== code) : [...list, code]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply({ min_probability: minP || undefined, stage: stages.length ? [...stages].sort().join(',') : undefined, quadrant: quadrants.length ? QUADRANTS.filter((q) => quadrants.includes(q)).join(',') : undefined, segment: segment.trim() || undefined, top: top || undefined });
  };
  return (
    <form className="filters" onSubmit={submit} aria-label={t('risk.filters')}>
      <label>
        {t('risk.minProbability')} <input type="number" name="min_probability" min={0} max={1} step={0.01} value={minP} onChange={(e) => setMinP(e.target.value)} />
      </label>
      <fieldset className="checks">
        <legend>{t('risk.stage')}</legend>
        {STAGES.map((s) => (
          <label key={s}>
            <input type="checkbox" name="stage" value={s} checked={stages.includes(s)} onChange={() => toggle(stages, setStages, s)} /> {s}
          </label>
        ))}
      </fieldset>
      <fieldset className="checks">
        <legend>{t('risk.quadrant')}</legend>
        {QUADRANTS.map((q) => (
          <label key={q}>
            <input type="checkbox" name="quadrant" value={q} checked={quadrants.includes(q)} onChange={() => toggle(quadrants, setQuadrants, q)} /> {q}
          </label>
        ))}
      </fieldset>
      <label>
        {t('risk.segment')} <input name="segment" value={segment} onChange={(e) => setSegment(e.target.value)} />
      </label>
      <label>
        {t('risk.top')} <input type="number" name="top" min={1} step={1} value={top} onChange={(e) => setTop(e.target.value)} />
      </label>
      <button type="submit">{t('filter.apply')}</button>
    </form>
  );
}

function WarningList({ filters, onSaved }: { filters: Filters; onSaved: () => void }) {
  const ui = useUi();
  const { t, f, lang } = ui;
  const list = useRequest(() => getJson<WarnList>('/warn', { ...filters, lang, limit: SHOWN }), `${JSON.stringify(filters)}|${lang}`);
  const [name, setName] = useState('');
  const [saved, setSaved] = useState<SavedList | null>(null);
  const [failed, setFailed] = useState<ApiFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFailed(null);
    setSaved(null);
    try {
      const body = {
        name: name.trim(),
        lang,
        ...(filters.min_probability ? { min_probability: Number(filters.min_probability) } : {}),
        ...(filters.stage ? { stage: filters.stage.split(',') } : {}),
        ...(filters.quadrant ? { quadrant: filters.quadrant.split(',') } : {}),
        ...(filters.segment ? { segment: filters.segment } : {}),
        ...(filters.top ? { top: Number(filters.top) } : {}),
      };
      const r = await postJson<{ saved_list: SavedList }>('/warn/lists', body);
      setSaved(r.saved_list);
      onSaved();
    } catch (err) {
      setFailed(failureOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="warn-title">
      <h2 id="warn-title">{t('risk.list')}</h2>
      <Loaded state={list} retry={list.retry}>
        {(l) => {
          const currency = l.currency;
          const columns: Column<WarnRow>[] = [
            { key: 'rank', label: t('col.rank'), show: (r) => f.integer(r.rank), raw: (r) => r.rank, numeric: true },
            { key: 'customer_id', label: t('col.customer_id'), show: (r) => <a href={hrefOf('/customers', { id: r.customer_id })} onClick={(e) => { e.preventDefault(); navigate('/customers', { id: r.customer_id }); }}>{r.customer_id}</a>, raw: (r) => r.customer_id },
            { key: 'churn_probability', label: t('col.churn_probability'), show: (r) => f.percent(r.churn_probability, 1), raw: (r) => r.churn_probability, numeric: true },
            { key: 'expected_loss', label: `${t('col.expected_loss')} (${currency})`, show: (r) => f.money(r.expected_loss, currency), raw: (r) => r.expected_loss, numeric: true },
            { key: 'customer_value', label: `${t('col.customer_value')} (${currency})`, show: (r) => f.money(r.customer_value, currency), raw: (r) => r.customer_value, numeric: true },
            { key: 'lifecycle_stage', label: t('col.lifecycle_stage'), show: (r) => r.lifecycle_stage ?? '–', raw: (r) => r.lifecycle_stage },
            { key: 'value_quadrant', label: t('col.value_quadrant'), show: (r) => r.value_quadrant ?? '–', raw: (r) => r.value_quadrant },
            { key: 'top_reasons', label: t('col.top_reasons'), show: (r) => r.top_reasons.map((x) => x.text).join(lang === 'en' ? '; ' : '；') || '–', raw: (r) => r.top_reasons.map((x) => x.text).join('; ') },
            { key: 'recommended_play', label: t('col.recommended_play'), show: (r) => r.recommended_play ?? '–', raw: (r) => r.recommended_play },
            { key: 'change', label: t('col.change'), show: (r) => (r.change ? label(ui, `change.${r.change}`, r.change) : '–'), raw: (r) => r.change },
          ];
          return (
            <>
              <p data-testid="warn-summary">
                {l.scoring ? t('risk.summary', { asOf: f.month(l.scoring.as_of), model: l.scoring.model_version, scored: f.integer(l.scored), matched: f.integer(l.matched), listed: f.integer(l.listed) }) : null}{' '}
                {l.previous_scoring ? null : t('risk.noPrevious')}
              </p>
              {l.listed > l.customers.length ? <p className="muted">{t('risk.shownOf', { shown: f.integer(l.customers.length), listed: f.integer(l.listed) })}</p> : null}
              <DataTable id="warn-list" caption={t('risk.list')} columns={columns} rows={l.customers} filename={`warn_${l.as_of}`} />
              {can(ui, 'customer:list') ? (
                <form className="filters" onSubmit={(e) => void save(e)}>
                  <label>
                    {t('risk.saveName')} <input name="list_name" value={name} onChange={(e) => setName(e.target.value)} maxLength={60} required />
                  </label>
                  <button type="submit" disabled={busy || name.trim() === ''}>
                    {t('risk.save')}
                  </button>
                </form>
              ) : null}
              {saved ? (
                <p className="ok" role="status">
                  {t('risk.saved', { id: saved.list_id, name: saved.name, members: f.integer(saved.members) })}
                </p>
              ) : null}
              <Failure error={failed} />
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

function filterText(filters: Record<string, unknown>): string {
  return Object.entries(filters)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(' ');
}

function SavedLists({ lists }: { lists: SavedList[] }) {
  const { t, f } = useUi();
  const columns: Column<SavedList>[] = [
    { key: 'list_id', label: t('col.list_id'), show: (r) => r.list_id, raw: (r) => r.list_id },
    { key: 'name', label: t('col.name'), show: (r) => r.name, raw: (r) => r.name },
    { key: 'created_at', label: t('col.created_at'), show: (r) => `${f.date(r.created_at)} ${r.created_at.slice(11, 16)}`, raw: (r) => r.created_at },
    { key: 'as_of', label: t('col.as_of'), show: (r) => f.month(r.as_of), raw: (r) => r.as_of },
    { key: 'members', label: t('col.members'), show: (r) => f.integer(r.members), raw: (r) => r.members, numeric: true },
    { key: 'filters', label: t('col.filters'), show: (r) => filterText(r.filters) || '–', raw: (r) => JSON.stringify(r.filters) },
  ];
  return <DataTable id="saved-lists" caption={t('risk.savedLists')} columns={columns} rows={lists} filename="warn-lists" />;
}

function CampaignDesign({ lists, onDesigned }: { lists: SavedList[]; onDesigned: (id: string) => void }) {
  const ui = useUi();
  const { t, f } = ui;
  const today = new Date().toISOString().slice(0, 10);
  const [form, setForm] = useState({ id: '', name: '', start: today, target: lists.at(-1)?.list_id ?? '', offers: '', control: '0.2', seed: '1', horizon: '3' });
  const [design, setDesign] = useState<Design | null>(null);
  const [failed, setFailed] = useState<ApiFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((s) => ({ ...s, [k]: e.target.value }));
  const target = form.target || (lists.at(-1)?.list_id ?? '');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setFailed(null);
    setDesign(null);
    try {
      const control = Number(form.control);
      const offers = form.offers.split(/[,，\s]+/).filter((o) => o !== '');
      // The offers share what the control leaves, equally (the last one takes the rounding).
      const each = offers.length ? Math.round(((1 - control) / offers.length) * 1e6) / 1e6 : 0;
      const arms = [{ arm: 'control', share: control }, ...offers.map((o, i) => ({ arm: o, share: i === offers.length - 1 ? Math.round((1 - control - each * (offers.length - 1)) * 1e6) / 1e6 : each }))];
      const d = await postJson<Design>('/campaigns', { id: form.id.trim(), ...(form.name.trim() ? { name: form.name.trim() } : {}), start: form.start, target_list: target, arms, seed: Number(form.seed), horizon: Number(form.horizon) });
      setDesign(d);
      onDesigned(d.campaign_id);
    } catch (err) {
      setFailed(failureOf(err));
    } finally {
      setBusy(false);
    }
  };
  const armColumns: Column<Design['arms'][number]>[] = [
    { key: 'arm', label: t('col.arm'), show: (r) => r.arm, raw: (r) => r.arm },
    { key: 'share', label: t('col.armShare'), show: (r) => f.percent(r.share, 1), raw: (r) => r.share, numeric: true },
    { key: 'members', label: t('col.members'), show: (r) => f.integer(r.members), raw: (r) => r.members, numeric: true },
  ];
  const balanceColumns: Column<Design['balance'][number]>[] = [
    { key: 'arm', label: t('col.arm'), show: (r) => r.arm, raw: (r) => r.arm },
    { key: 'covariate', label: t('col.covariate'), show: (r) => label(ui, `covariate.${r.covariate}`, r.covariate), raw: (r) => r.covariate },
    { key: 'smd', label: t('col.smd'), show: (r) => f.decimal(r.smd, 3), raw: (r) => r.smd, numeric: true },
    { key: 'imbalanced', label: t('col.balance'), show: (r) => (r.imbalanced ? <strong className="alert">{t('campaign.imbalanced')}</strong> : t('campaign.balanced')), raw: (r) => r.imbalanced },
  ];
  return (
    <section className="card" aria-labelledby="design-title">
      <h2 id="design-title">{t('campaign.design')}</h2>
      {lists.length === 0 ? (
        <p className="muted">{t('campaign.noLists')}</p>
      ) : (
        <form className="filters" onSubmit={(e) => void submit(e)}>
          <label>
            {t('campaign.id')} <input name="campaign_id" value={form.id} onChange={set('id')} required pattern="[A-Za-z0-9_.\-]{1,64}" />
          </label>
          <label>
            {t('campaign.name')} <input name="campaign_name" value={form.name} onChange={set('name')} />
          </label>
          <label>
            {t('campaign.target')}{' '}
            <select name="target_list" value={target} onChange={set('target')}>
              {lists.map((l) => (
                <option key={l.list_id} value={l.list_id}>
                  {l.list_id} · {l.name} ({f.integer(l.members)})
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('campaign.start')} <input type="date" name="start" value={form.start} onChange={set('start')} required />
          </label>
          <label>
            {t('campaign.offers')} <input name="offers" value={form.offers} onChange={set('offers')} required />
          </label>
          <label>
            {t('campaign.controlShare')} <input type="number" name="control_share" min={0.01} max={0.99} step={0.01} value={form.control} onChange={set('control')} required />
          </label>
          <label>
            {t('campaign.seed')} <input type="number" name="seed" min={0} step={1} value={form.seed} onChange={set('seed')} />
          </label>
          <label>
            {t('campaign.horizon')} <input type="number" name="horizon" min={1} max={120} step={1} value={form.horizon} onChange={set('horizon')} />
          </label>
          <button type="submit" disabled={busy}>
            {t('campaign.submit')}
          </button>
        </form>
      )}
      <Failure error={failed} />
      {design ? (
        <>
          <p className="ok" role="status">
            {t('campaign.designed', { id: design.campaign_id, targets: f.integer(design.targets), assigned: f.integer(design.arms.reduce((s, a) => s + a.members, 0)), gone: f.integer(design.excluded.churned_before_start), consent: f.integer(design.excluded.no_consent) })}
          </p>
          <div className="grid2">
            <DataTable id="design-arms" caption={t('campaign.arms')} columns={armColumns} rows={design.arms} filename={`campaign-arms_${design.campaign_id}`} />
            <DataTable id="design-balance" caption={t('campaign.balance')} columns={balanceColumns} rows={design.balance} filename={`campaign-balance_${design.campaign_id}`} />
          </div>
        </>
      ) : null}
    </section>
  );
}

function CampaignResults({ selected, onSelect }: { selected: string | undefined; onSelect: (id: string) => void }) {
  const ui = useUi();
  const { t, f, lang } = ui;
  const all = useRequest(() => getJson<{ currency: string; campaigns: Campaign[] }>('/campaigns', { lang }), lang);
  return (
    <section className="card" aria-labelledby="results-title">
      <h2 id="results-title">{t('campaign.results')}</h2>
      <Loaded state={all} retry={all.retry}>
        {(r) => {
          if (r.campaigns.length === 0) return <p className="muted">{t('campaign.none')}</p>;
          const c = r.campaigns.find((x) => x.campaign_id === selected) ?? (r.campaigns.at(-1) as Campaign);
          const currency = r.currency;
          const open = c.status === 'open';
          const columns: Column<Arm>[] = [
            { key: 'arm', label: t('col.arm'), show: (a) => a.arm, raw: (a) => a.arm },
            { key: 'members', label: t('col.members'), show: (a) => f.integer(a.members), raw: (a) => a.members, numeric: true },
            { key: 'churned', label: t('col.churned'), show: (a) => f.integer(a.churned), raw: (a) => a.churned, numeric: true },
            { key: 'churn_rate', label: t('col.churn_rate'), show: (a) => f.percent(a.churn_rate), raw: (a) => a.churn_rate, numeric: true },
            { key: 'churn_rate_ci', label: t('col.churn_rate_ci'), show: (a) => (a.churn_rate_ci ? `${f.percent(a.churn_rate_ci[0])} … ${f.percent(a.churn_rate_ci[1])}` : '–'), raw: (a) => a.churn_rate_ci?.join(' … ') },
            { key: 'uplift', label: t('col.uplift'), show: (a) => f.percent(a.uplift ?? null), raw: (a) => a.uplift, numeric: true },
            { key: 'uplift_ci', label: t('col.uplift_ci'), show: (a) => (a.uplift_ci ? `${f.percent(a.uplift_ci[0])} … ${f.percent(a.uplift_ci[1])}` : '–'), raw: (a) => a.uplift_ci?.join(' … ') },
            { key: 'saved', label: t('col.saved'), show: (a) => f.decimal(a.saved ?? null, 1), raw: (a) => a.saved, numeric: true },
            { key: 'incremental_revenue', label: `${t('col.incremental_revenue')} (${currency})`, show: (a) => f.money(a.incremental_revenue ?? null, currency), raw: (a) => a.incremental_revenue, numeric: true },
            { key: 'cost', label: `${t('col.cost')} (${currency})`, show: (a) => f.money(a.cost, currency), raw: (a) => a.cost, numeric: true },
            { key: 'net_value', label: `${t('col.net_value')} (${currency})`, show: (a) => f.money(a.net_value ?? null, currency), raw: (a) => a.net_value, numeric: true },
            { key: 'roi', label: t('col.roi'), show: (a) => f.decimal(a.roi ?? null, 2), raw: (a) => a.roi, numeric: true },
            { key: 'verdict', label: t('col.verdict'), show: (a) => (open ? '–' : a.verdict_text), raw: (a) => (open ? '' : a.verdict_text) },
          ];
          const offers = c.arms.filter((a) => a.arm !== 'control');
          const option: EChartsCoreOption = {
            tooltip: { trigger: 'axis' },
            legend: { top: 0, data: [t('campaign.uplift'), t('campaign.roi')] },
            grid: { left: 70, right: 70, top: 40, bottom: 30 },
            xAxis: { type: 'category', data: offers.map((a) => a.arm) },
            yAxis: [
              { type: 'value', name: t('campaign.uplift'), axisLabel: { formatter: (v: number) => f.percent(v, 0) } },
              { type: 'value', name: t('campaign.roi') },
            ],
            series: [
              { name: t('campaign.uplift'), type: 'bar', data: offers.map((a) => a.uplift ?? null), barMaxWidth: 60, tooltip: { valueFormatter: (v: number) => f.percent(v) } },
              {
                name: 'ci',
                type: 'custom',
                tooltip: { show: false },
                data: offers.map((a, i) => [i, a.uplift_ci?.[0] ?? null, a.uplift_ci?.[1] ?? null]),
                renderItem: (_: unknown, api: { value: (i: number) => number; coord: (p: [number, number]) => [number, number]; size: (p: [number, number]) => [number, number] }) => {
                  const lo = api.value(1);
                  const hi = api.value(2);
                  if (lo === null || hi === null || Number.isNaN(lo) || Number.isNaN(hi)) return null;
                  const a = api.coord([api.value(0), lo]);
                  const b = api.coord([api.value(0), hi]);
                  const w = api.size([1, 0])[0] * 0.15;
                  const style = { stroke: '#1d2433', lineWidth: 1.5 };
                  return {
                    type: 'group',
                    children: [
                      { type: 'line', shape: { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }, style },
                      { type: 'line', shape: { x1: a[0] - w, y1: a[1], x2: a[0] + w, y2: a[1] }, style },
                      { type: 'line', shape: { x1: b[0] - w, y1: b[1], x2: b[0] + w, y2: b[1] }, style },
                    ],
                  };
                },
                z: 10,
              },
              { name: t('campaign.roi'), type: 'line', yAxisIndex: 1, data: offers.map((a) => a.roi ?? null), symbolSize: 10 },
            ],
          };
          return (
            <>
              <label>
                {t('campaign.pick')}{' '}
                <select name="campaign" value={c.campaign_id} onChange={(e) => onSelect(e.target.value)}>
                  {r.campaigns.map((x) => (
                    <option key={x.campaign_id} value={x.campaign_id}>
                      {x.campaign_id}
                      {x.name && x.name !== x.campaign_id ? ` · ${x.name}` : ''}
                    </option>
                  ))}
                </select>
              </label>
              <p data-testid="campaign-status">
                {f.date(c.start_date)} · {open ? t('campaign.status.open', { months: c.months_open }) : t('campaign.status.complete')}
              </p>
              <DataTable id="campaign-arms" caption={`${t('campaign.results')} · ${c.campaign_id}`} columns={columns} rows={c.arms} filename={`campaign_${c.campaign_id}`} />
              {offers.some((a) => a.uplift !== null && a.uplift !== undefined) ? (
                <Chart id="chart-campaign-uplift" title={t('campaign.upliftChart')} option={option} filename={`campaign-uplift_${c.campaign_id}`} />
              ) : (
                <p className="muted" data-testid="campaign-no-results">
                  {t('campaign.noResults')}
                </p>
              )}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

function WinbackList() {
  const ui = useUi();
  const { t, f, lang } = ui;
  const wb = useRequest(() => getJson<Winback>('/winback', { lang, top: 50, limit: 50 }), lang);
  return (
    <section className="card" aria-labelledby="winback-title">
      <h2 id="winback-title">{t('winback.title')}</h2>
      <Loaded state={wb} retry={wb.retry}>
        {(w) => {
          const currency = w.currency;
          const columns: Column<Winback['accounts'][number]>[] = [
            { key: 'customer_id', label: t('col.customer_id'), show: (r) => r.customer_id, raw: (r) => r.customer_id },
            { key: 'churn_date', label: t('col.churn_date'), show: (r) => f.date(r.churn_date), raw: (r) => r.churn_date },
            { key: 'reason', label: t('col.reason'), show: (r) => r.reason || '–', raw: (r) => r.reason },
            { key: 'competitor', label: t('col.competitor'), show: (r) => r.competitor ?? '–', raw: (r) => r.competitor },
            { key: 'value_lost', label: `${t('col.value_lost')} (${currency})`, show: (r) => f.money(r.value_lost, currency), raw: (r) => r.value_lost, numeric: true },
            { key: 'likelihood', label: t('col.likelihood'), show: (r) => f.percent(r.likelihood, 1), raw: (r) => r.likelihood, numeric: true },
            { key: 'expected_recovery', label: `${t('col.expected_recovery')} (${currency})`, show: (r) => f.money(r.expected_recovery, currency), raw: (r) => r.expected_recovery, numeric: true },
            { key: 'revisit_date', label: t('col.revisit_date'), show: (r) => f.date(r.revisit_date), raw: (r) => r.revisit_date },
            { key: 'plan', label: t('col.plan'), show: (r) => r.plan, raw: (r) => r.plan },
          ];
          return (
            <>
              <p data-testid="winback-summary">{t('winback.summary', { from: f.month(w.from), to: f.month(w.to), churned: f.integer(w.churned), candidates: f.integer(w.candidates), rate: f.percent(w.rate.overall, 1) })}</p>
              <DataTable id="winback" caption={t('winback.title')} columns={columns} rows={w.accounts} filename={`winback_${w.from}_${w.to}`} />
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

