import { useState, type FormEvent, type ReactNode } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import { ApiFailure, getJson, postJson } from '../api.ts';
import { can, useUi, type Ui } from '../context.tsx';
import { hasKey, type MessageKey } from '../i18n.ts';
import { navigate, type Location } from '../router.ts';
import { useRequest } from '../use-request.ts';
import { Chart } from '../components/Chart.tsx';
import { DataTable, type Column } from '../components/DataTable.tsx';
import { Loaded } from '../components/State.tsx';

type Row = Record<string, unknown>;

interface View {
  customer_id: string;
  as_of: string | null;
  currency: string;
  pii_masked: boolean;
  profile: Row | null;
  subscriptions: Row[];
  usage: Row[];
  interactions: Row[];
  lifecycle: { stage: string | null; name: string | null; relationship: string | null; rule: string | null; history: { month: string; stage: string; rule: string }[] };
  value: { current_value: number; potential: number; remaining_lifetime_months: number | null; quadrant: string; strategy: { value: string; investment: string; retention: string } } | null;
  churn_score: { model_version: string; as_of: string; churn_probability: number; expected_loss: number; top_reasons: { rank: number; text: string }[] } | null;
  churn_event: Row | null;
}

interface Nba {
  customer_id: string;
  action: string;
  offer_id: string | null;
  offer_name: string | null;
  why: string[];
  holdout: boolean;
  campaign_id: string | null;
  churn_probability: number | null;
  risk_decile: number | null;
}

interface Recorded {
  campaign_id: string;
  arm: string;
}

const OUTCOMES = ['accepted', 'declined', 'not_offered'] as const;
const PROFILE_FIELDS = ['name', 'phone', 'email', 'gender', 'birth_date', 'customer_type', 'industry', 'employees', 'region', 'join_date', 'acquisition_channel', 'marketing_consent'] as const;

const text = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'boolean' ? String(v) : String(v));
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function fieldValue(ui: Ui, key: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return '–';
  if (typeof v === 'boolean') return ui.t(v ? 'yes' : 'no');
  if (key.endsWith('_date') && /^\d{4}-\d{2}-\d{2}$/.test(String(v))) return ui.f.date(String(v));
  if (typeof v === 'number') return ui.f.integer(v);
  return String(v);
}

export function Customer({ loc }: { loc: Location }) {
  const ui = useUi();
  const { t } = ui;
  const id = (loc.query.get('id') ?? '').trim();
  const [draft, setDraft] = useState(id);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(loc.path, { id: draft.trim() || undefined });
  };
  return (
    <div className="page">
      <h1>{t('cust.title')}</h1>
      <form className="filters" onSubmit={submit} role="search">
        <label>
          {t('cust.search')} <input name="id" value={draft} onChange={(e) => setDraft(e.target.value)} autoComplete="off" />
        </label>
        <button type="submit">{t('cust.open')}</button>
      </form>
      {id === '' ? <p className="muted">{t('cust.prompt')}</p> : <CustomerView key={id} id={id} />}
    </div>
  );
}

function CustomerView({ id }: { id: string }) {
  const ui = useUi();
  const { lang } = ui;
  const [unmask, setUnmask] = useState(false);
  const path = `/customers/${encodeURIComponent(id)}`;
  const view = useRequest(() => getJson<View>(path, { lang, ...(unmask ? { unmask: 'true' } : {}) }), `${id}|${lang}|${unmask}`);
  return (
    <Loaded state={view} retry={view.retry}>
      {(v) => (
        <div className="customer">
          <Profile v={v} unmask={unmask} onToggle={() => setUnmask((u) => !u)} />
          <div className="grid2">
            <Risk v={v} />
            <NextBestAction id={id} />
          </div>
          <div className="grid2">
            <Lifecycle v={v} />
            <ValueCard v={v} />
          </div>
          <PointsAndCare id={id} />
          <Usage v={v} />
          <Products v={v} />
          <Interactions v={v} />
        </div>
      )}
    </Loaded>
  );
}

function Card({ title, children, id }: { title: string; children: ReactNode; id: string }) {
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function Facts({ items }: { items: readonly (readonly [string, ReactNode])[] }) {
  return (
    <dl className="facts">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Profile({ v, unmask, onToggle }: { v: View; unmask: boolean; onToggle: () => void }) {
  const ui = useUi();
  const { t } = ui;
  const p = v.profile ?? {};
  const event = v.churn_event;
  return (
    <Card title={`${t('cust.profile')} · ${v.customer_id}`} id="profile">
      <p className={v.pii_masked ? 'badge' : 'badge warn'}>{v.pii_masked ? t('cust.masked') : t('cust.unmasked')}</p>
      {can(ui, 'pii:unmask') ? (
        <button type="button" onClick={onToggle}>
          {unmask ? t('cust.mask') : t('cust.unmask')}
        </button>
      ) : null}
      <Facts items={PROFILE_FIELDS.filter((k) => k in p).map((k) => [t(`field.${k}` as MessageKey), fieldValue(ui, k, p[k])] as const)} />
      {event ? <p className="alert">{t('cust.churned', { date: ui.f.date(text(event.churn_date)), reason: text(event.reason) || text(event.reason_code) })}</p> : null}
    </Card>
  );
}

function Risk({ v }: { v: View }) {
  const { t, f } = useUi();
  const s = v.churn_score;
  return (
    <Card title={t('cust.score')} id="risk">
      {s === null ? (
        <p className="muted">{t('cust.noScore')}</p>
      ) : (
        <>
          <p className="big" data-testid="churn-probability">
            {f.percent(s.churn_probability, 1)}
          </p>
          <Facts
            items={[
              [t('field.expected_loss'), f.money(s.expected_loss, v.currency)],
              [t('field.as_of'), f.month(s.as_of)],
              [t('field.model_version'), s.model_version],
            ]}
          />
          <h3>{t('cust.reasons')}</h3>
          <ol>
            {s.top_reasons.map((r) => (
              <li key={r.rank}>{r.text}</li>
            ))}
          </ol>
        </>
      )}
    </Card>
  );
}

function NextBestAction({ id }: { id: string }) {
  const ui = useUi();
  const { t, f, lang } = ui;
  const path = `/customers/${encodeURIComponent(id)}/nba`;
  const nba = useRequest(() => getJson<Nba>(path, { lang }), `${id}|${lang}`);
  const [recorded, setRecorded] = useState<{ outcome: string; r: Recorded } | null>(null);
  const [failed, setFailed] = useState<ApiFailure | null>(null);
  const [busy, setBusy] = useState(false);
  const record = async (n: Nba, outcome: (typeof OUTCOMES)[number]) => {
    setBusy(true);
    setFailed(null);
    try {
      const r = await postJson<Recorded>(`${path}/outcome`, { outcome, ...(n.offer_id === null ? {} : { offer_id: n.offer_id }) });
      setRecorded({ outcome, r });
    } catch (err) {
      setFailed(err instanceof ApiFailure ? err : new ApiFailure(0, 'CLIENT', String(err), null));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t('cust.nba')} id="nba">
      <Loaded state={nba} retry={nba.retry}>
        {(n) => (
          <>
            <p className="big" data-testid="nba-action">
              {hasKey(`action.${n.action}`) ? t(`action.${n.action}` as MessageKey) : n.action}
            </p>
            <Facts
              items={[
                [t('field.offer'), n.offer_name ?? '–'],
                [t('field.churn_probability'), f.percent(n.churn_probability, 1)],
                [t('field.risk_decile'), n.risk_decile === null ? '–' : f.integer(n.risk_decile)],
              ]}
            />
            {n.holdout ? <p className="muted">{t('cust.nbaHoldout')}</p> : null}
            <h3>{t('cust.nbaWhy')}</h3>
            <ul>
              {n.why.map((w, i) => (
                <li key={i}>{w}</li>
              ))}
            </ul>
            {can(ui, 'nba:record') && (n.offer_id !== null || n.holdout) ? (
              <div className="actions" role="group" aria-label={t('cust.record')}>
                <span>{t('cust.record')}: </span>
                {OUTCOMES.map((o) => (
                  <button key={o} type="button" disabled={busy} onClick={() => void record(n, o)}>
                    {t(`outcome.${o}`)}
                  </button>
                ))}
              </div>
            ) : null}
            {recorded ? (
              <p className="ok" role="status">
                {t('cust.recorded', { outcome: t(`outcome.${recorded.outcome}` as MessageKey), campaign: recorded.r.campaign_id, arm: recorded.r.arm })}
              </p>
            ) : null}
            {failed ? (
              <p className="error" role="alert">
                {t('state.error', { status: failed.status || failed.code, message: failed.message })}
              </p>
            ) : null}
          </>
        )}
      </Loaded>
    </Card>
  );
}

interface PointsBalance {
  balance: number;
  as_of: string;
  expiring: { date: string; points: number }[];
  expired_not_posted: number;
}
interface CareDates {
  from: string;
  to: string;
  occasions: { date: string; occasion: string; status: string; reason: string; script: string }[];
}

/** console-b: the points balance and the care dates of this customer (read beside the 360 document, which has neither). */
function PointsAndCare({ id }: { id: string }) {
  const ui = useUi();
  const { t, f, lang } = ui;
  const base = `/customers/${encodeURIComponent(id)}`;
  const points = useRequest(() => getJson<PointsBalance>(`${base}/points`), id);
  const care = useRequest(() => getJson<CareDates>(`${base}/care`, { lang }), `${id}|${lang}`);
  const coded = (key: string, code: string) => (hasKey(key) ? t(key) : code);
  return (
    <Card title={t('cust.pointsCare')} id="points-care">
      <div className="grid2">
        <Loaded state={points} retry={points.retry}>
          {(p) => (
            <Facts
              items={[
                [t('points.balance'), <span data-testid="points-balance">{f.integer(p.balance)}</span>],
                [t('points.nextExpiry'), p.expiring.length ? p.expiring.slice(0, 3).map((e) => `${f.integer(e.points)} · ${f.date(e.date)}`).join(lang === 'en' ? '; ' : '；') : '–'],
                [t('points.expiredNotPosted'), f.integer(p.expired_not_posted)],
                [t('points.asOf'), f.date(p.as_of)],
              ]}
            />
          )}
        </Loaded>
        <Loaded state={care} retry={care.retry}>
          {(c) => (
            <div>
              <h3>
                {t('cust.careDates')} · {f.date(c.from)} – {f.date(c.to)}
              </h3>
              {c.occasions.length === 0 ? (
                <p className="muted">{t('cust.noCare')}</p>
              ) : (
                <ul data-testid="care-dates">
                  {c.occasions.map((o, i) => (
                    <li key={i}>
                      {f.date(o.date)} · {coded(`occasion.${o.occasion}`, o.occasion)} · {coded(`status.${o.status}`, o.status)}
                      {o.reason ? ` (${o.reason})` : ''}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </Loaded>
      </div>
    </Card>
  );
}

function Lifecycle({ v }: { v: View }) {
  const { t, f } = useUi();
  const l = v.lifecycle;
  const columns: Column<{ month: string; stage: string; rule: string }>[] = [
    { key: 'month', label: t('col.month'), show: (r) => f.month(r.month), raw: (r) => r.month },
    { key: 'stage', label: t('col.stage'), show: (r) => r.stage, raw: (r) => r.stage },
    { key: 'rule', label: t('col.rule'), show: (r) => r.rule, raw: (r) => r.rule },
  ];
  return (
    <Card title={t('cust.stage')} id="lifecycle">
      <p className="big">{l.stage === null ? '–' : `${l.stage} · ${l.name ?? ''}`}</p>
      {l.relationship ? <p>{l.relationship}</p> : null}
      <DataTable id="stage-history" caption={t('cust.stageHistory')} columns={columns} rows={l.history} filename={`stage-history_${v.customer_id}`} />
    </Card>
  );
}

function ValueCard({ v }: { v: View }) {
  const { t, f } = useUi();
  const val = v.value;
  return (
    <Card title={t('cust.value')} id="value">
      {val === null ? (
        <p className="muted">{t('cust.noValue')}</p>
      ) : (
        <Facts
          items={[
            [t('field.current_value'), f.money(val.current_value, v.currency)],
            [t('field.potential'), f.money(val.potential, v.currency)],
            [t('field.remaining_lifetime_months'), f.decimal(val.remaining_lifetime_months, 1)],
            [t('field.quadrant'), val.quadrant],
            [t('field.strategy'), `${val.strategy.value}; ${val.strategy.investment}; ${val.strategy.retention}`],
          ]}
        />
      )}
    </Card>
  );
}

function Usage({ v }: { v: View }) {
  const { t, f } = useUi();
  const months = v.usage.map((u) => text(u.month));
  const series: { key: string; label: MessageKey }[] = [
    { key: 'revenue', label: 'cust.usageRevenue' },
    { key: 'voice_minutes', label: 'cust.usageVoice' },
    { key: 'data_mb', label: 'cust.usageData' },
    { key: 'tv_hours', label: 'cust.usageTv' },
  ];
  const shown = series.filter((s) => v.usage.some((u) => num(u[s.key]) !== null));
  const spark = (key: string): EChartsCoreOption => ({
    tooltip: { trigger: 'axis' },
    grid: { left: 4, right: 4, top: 8, bottom: 4 },
    xAxis: { type: 'category', show: false, data: months.map((m) => f.month(m)) },
    yAxis: { type: 'value', show: false, scale: true },
    series: [{ type: 'line', data: v.usage.map((u) => num(u[key])), symbol: 'none', areaStyle: { opacity: 0.15 } }],
  });
  return (
    <Card title={t('cust.usage')} id="usage">
      {shown.length === 0 ? (
        <p className="muted">{t('sparkline.none')}</p>
      ) : (
        <div className="sparks">
          {shown.map((s) => (
            <Chart key={s.key} id={`spark-${s.key}`} compact title={`${t(s.label)} · ${f.month(months[0])} – ${f.month(months[months.length - 1])}`} option={spark(s.key)} height={70} filename={`${s.key}_${v.customer_id}`} />
          ))}
        </div>
      )}
    </Card>
  );
}

function Products({ v }: { v: View }) {
  const ui = useUi();
  const { t, f } = ui;
  const columns: Column<Row>[] = [
    { key: 'product_id', label: t('col.product_id'), show: (r) => text(r.product_id), raw: (r) => r.product_id },
    { key: 'category', label: t('col.category_product'), show: (r) => text(r.category), raw: (r) => r.category },
    { key: 'start_date', label: t('col.start_date'), show: (r) => f.date(text(r.start_date) || null), raw: (r) => r.start_date },
    { key: 'end_date', label: t('col.end_date'), show: (r) => f.date(text(r.end_date) || null), raw: (r) => r.end_date },
    { key: 'contract_end_date', label: t('col.contract_end_date'), show: (r) => f.date(text(r.contract_end_date) || null), raw: (r) => r.contract_end_date },
    { key: 'monthly_fee', label: `${t('col.monthly_fee')} (${v.currency})`, show: (r) => f.money(num(r.monthly_fee), v.currency), raw: (r) => r.monthly_fee, numeric: true },
  ];
  return <DataTable id="products" caption={t('cust.products')} columns={columns} rows={v.subscriptions} filename={`products_${v.customer_id}`} />;
}

function Interactions({ v }: { v: View }) {
  const ui = useUi();
  const { t, f } = ui;
  const columns: Column<Row>[] = [
    { key: 'ts', label: t('col.ts'), show: (r) => `${f.date(text(r.ts))} ${text(r.ts).slice(11, 16)}`, raw: (r) => r.ts },
    { key: 'channel', label: t('col.channel'), show: (r) => text(r.channel), raw: (r) => r.channel },
    { key: 'kind', label: t('col.kind'), show: (r) => text(r.kind), raw: (r) => r.kind },
    { key: 'topic', label: t('col.topic'), show: (r) => text(r.topic), raw: (r) => r.topic },
    { key: 'resolved', label: t('col.resolved'), show: (r) => (r.resolved === null || r.resolved === undefined ? '–' : t(r.resolved ? 'yes' : 'no')), raw: (r) => r.resolved },
    { key: 'satisfaction', label: t('col.satisfaction'), show: (r) => (r.satisfaction === null || r.satisfaction === undefined ? '–' : text(r.satisfaction)), raw: (r) => r.satisfaction, numeric: true },
  ];
  return <DataTable id="interactions" caption={t('cust.interactions')} columns={columns} rows={v.interactions} filename={`interactions_${v.customer_id}`} />;
}
