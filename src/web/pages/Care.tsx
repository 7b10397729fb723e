import { useState, type FormEvent } from 'react';
import { ApiFailure, getJson } from '../api.ts';
import { can, useUi, type Ui } from '../context.tsx';
import { hasKey } from '../i18n.ts';
import { hrefOf, navigate, type Location } from '../router.ts';
import { useRequest } from '../use-request.ts';
import { DataTable, type Column } from '../components/DataTable.tsx';
import { Loaded } from '../components/State.tsx';
import { download } from '../components/download.ts';

export const OCCASIONS = ['birthday', 'anniversary', 'milestone', 'contract_expiry', 'discount_end', 'premium_service', 'promotion'] as const;
/** Occasions drawn on screen (the counts and the exports cover the whole calendar). */
const SHOWN = 1000;
const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export interface CareRow {
  customer_id: string;
  date: string;
  occasion: string;
  priority: number;
  status: 'planned' | 'deferred' | 'dropped';
  occasion_date: string;
  reason: string;
  value_tier: string | null;
  churn_probability: number | null;
  script: string;
}
export interface CareCalendar {
  from: string;
  to: string;
  policy: { max_contacts: number; window_days: number; unknown_consent: string };
  counts: { planned: number; deferred: number; dropped: number };
  occasions: CareRow[];
}
interface Expiring {
  as_of: string;
  within_days: number;
  customers: number;
  expiring: { customer_id: string; date: string; points: number; balance: number }[];
}
interface Statement {
  customer_id: string;
  as_of: string;
  balance: number;
  entries: { entry_id: number; ts: string; kind: string; points: number; balance: number; expires_on: string | null; source: string; reason: string | null }[];
}

const label = (ui: Ui, key: string, fallback: string) => (hasKey(key) ? ui.t(key) : fallback);
const dayParam = (q: URLSearchParams, k: string) => {
  const v = q.get(k);
  return v !== null && DAY.test(v) ? v : undefined;
};

export function Care({ loc }: { loc: Location }) {
  const { t } = useUi();
  const q = loc.query;
  const state = {
    from: dayParam(q, 'from'),
    to: dayParam(q, 'to'),
    kinds: (q.get('kinds') ?? '').split(',').filter((k) => (OCCASIONS as readonly string[]).includes(k)).join(',') || undefined,
    within: /^[1-9]\d{0,3}$/.test(q.get('within') ?? '') ? (q.get('within') as string) : undefined,
    as_of: dayParam(q, 'as_of'),
    customer: (q.get('customer') ?? '').trim() || undefined,
  };
  const setQuery = (changes: Partial<typeof state>) => navigate(loc.path, { ...state, ...changes });
  return (
    <div className="page">
      <h1>{t('care.title')}</h1>
      <CareCalendarView key={`${state.from}|${state.to}|${state.kinds}`} from={state.from} to={state.to} kinds={state.kinds} onApply={(c) => setQuery(c)} />
      <ExpiringPoints key={`${state.within}|${state.as_of}`} within={state.within ?? '30'} asOf={state.as_of} onApply={(within, as_of) => setQuery({ within, as_of })} hrefOfCustomer={(customer) => hrefOf(loc.path, { ...state, customer })} onPick={(customer) => setQuery({ customer })} />
      <PointsStatement key={state.customer ?? ''} customer={state.customer} onOpen={(customer) => setQuery({ customer })} />
    </div>
  );
}

async function fetchFile(path: string): Promise<Blob> {
  const res = await fetch(`/api/v1${path}`, { credentials: 'same-origin' });
  if (!res.ok) {
    let message = res.statusText;
    let code = 'HTTP';
    try {
      const b = (await res.json()) as { error?: { code?: string; message?: string } };
      message = b.error?.message ?? message;
      code = b.error?.code ?? code;
    } catch {
      // not JSON
    }
    throw new ApiFailure(res.status, code, message, res.headers.get('X-Request-Id'));
  }
  return res.blob();
}

function CareCalendarView({ from, to, kinds, onApply }: { from: string | undefined; to: string | undefined; kinds: string | undefined; onApply: (c: { from?: string | undefined; to?: string | undefined; kinds?: string | undefined }) => void }) {
  const ui = useUi();
  const { t, f, lang } = ui;
  const [a, setA] = useState(from ?? '');
  const [b, setB] = useState(to ?? '');
  const [picked, setPicked] = useState<string[]>(kinds?.split(',') ?? []);
  const [failed, setFailed] = useState<ApiFailure | null>(null);
  const cal = useRequest(() => getJson<CareCalendar>('/care', { from, to, lang, limit: SHOWN }), `${from}|${to}|${lang}`);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply({ from: a || undefined, to: b || undefined, kinds: picked.length ? OCCASIONS.filter((o) => picked.includes(o)).join(',') : undefined });
  };
  const exportAs = async (format: 'csv' | 'ics', c: CareCalendar) => {
    setFailed(null);
    try {
      const blob = await fetchFile(hrefOf('/exports/care', { from: c.from, to: c.to, format, lang }));
      download(`care-${c.from}-${c.to}.${format}`, blob);
    } catch (err) {
      setFailed(err instanceof ApiFailure ? err : new ApiFailure(0, 'CLIENT', String(err), null));
    }
  };
  return (
    <section className="card" aria-labelledby="care-title">
      <h2 id="care-title">{t('care.calendar')}</h2>
      <form className="filters" onSubmit={submit} aria-label={t('care.calendar')}>
        <label>
          {t('care.from')} <input type="date" name="care_from" value={a} onChange={(e) => setA(e.target.value)} />
        </label>
        <label>
          {t('care.to')} <input type="date" name="care_to" value={b} onChange={(e) => setB(e.target.value)} />
        </label>
        <fieldset className="checks">
          <legend>{t('care.kinds')}</legend>
          {OCCASIONS.map((o) => (
            <label key={o}>
              <input type="checkbox" name="kind" value={o} checked={picked.includes(o)} onChange={() => setPicked((p) => (p.includes(o) ? p.filter((x) => x !== o) : [...p, o]))} /> {t(`occasion.${o}`)}
            </label>
          ))}
        </fieldset>
        <button type="submit">{t('filter.apply')}</button>
      </form>
      <Loaded state={cal} retry={cal.retry}>
        {(c) => {
          const shown = kinds ? c.occasions.filter((r) => kinds.split(',').includes(r.occasion)) : c.occasions;
          const total = c.counts.planned + c.counts.deferred + c.counts.dropped;
          const columns: Column<CareRow>[] = [
            { key: 'date', label: t('col.date'), show: (r) => f.date(r.date), raw: (r) => r.date },
            { key: 'customer_id', label: t('col.customer_id'), show: (r) => r.customer_id, raw: (r) => r.customer_id },
            { key: 'occasion', label: t('col.occasion'), show: (r) => label(ui, `occasion.${r.occasion}`, r.occasion), raw: (r) => r.occasion },
            { key: 'status', label: t('col.status'), show: (r) => label(ui, `status.${r.status}`, r.status), raw: (r) => r.status },
            { key: 'priority', label: t('col.priority'), show: (r) => f.decimal(r.priority, 2), raw: (r) => r.priority, numeric: true },
            { key: 'occasion_date', label: t('col.occasion_date'), show: (r) => f.date(r.occasion_date), raw: (r) => r.occasion_date },
            { key: 'value_tier', label: t('col.value_tier'), show: (r) => (r.value_tier === null ? '–' : label(ui, `tier.${r.value_tier}`, r.value_tier)), raw: (r) => r.value_tier },
            { key: 'churn_probability', label: t('col.churn_probability'), show: (r) => f.percent(r.churn_probability, 1), raw: (r) => r.churn_probability, numeric: true },
            { key: 'reason', label: t('col.care_reason'), show: (r) => r.reason || '–', raw: (r) => r.reason },
            { key: 'script', label: t('col.script'), show: (r) => r.script, raw: (r) => r.script },
          ];
          return (
            <>
              <p data-testid="care-counts">
                {t('care.counts', { from: f.date(c.from), to: f.date(c.to), planned: f.integer(c.counts.planned), deferred: f.integer(c.counts.deferred), dropped: f.integer(c.counts.dropped), max: f.integer(c.policy.max_contacts), days: f.integer(c.policy.window_days) })}
              </p>
              {total > c.occasions.length ? <p className="muted">{t('care.shownOf', { shown: f.integer(c.occasions.length), total: f.integer(total) })}</p> : null}
              {can(ui, 'export:bulk') ? (
                <div className="actions">
                  <button type="button" onClick={() => void exportAs('csv', c)} data-export="care-csv">
                    {t('care.exportCsv')}
                  </button>
                  <button type="button" onClick={() => void exportAs('ics', c)} data-export="care-ics">
                    {t('care.exportIcs')}
                  </button>
                </div>
              ) : null}
              {failed ? (
                <p className="error" role="alert">
                  {t('state.error', { status: failed.status || failed.code, message: failed.message })}
                </p>
              ) : null}
              <DataTable id="care-calendar" caption={t('care.calendar')} columns={columns} rows={shown} filename={`care-shown_${c.from}_${c.to}`} />
            </>
          );
        }}
      </Loaded>
    </section>
  );
}

function ExpiringPoints({ within, asOf, onApply, hrefOfCustomer, onPick }: { within: string; asOf: string | undefined; onApply: (within: string | undefined, asOf: string | undefined) => void; hrefOfCustomer: (id: string) => string; onPick: (id: string) => void }) {
  const { t, f } = useUi();
  const [days, setDays] = useState(within);
  const [day, setDay] = useState(asOf ?? '');
  const exp = useRequest(() => getJson<Expiring>('/points/expiring', { within_days: within, as_of: asOf, limit: SHOWN }), `${within}|${asOf}`);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(days || undefined, day || undefined);
  };
  const columns: Column<Expiring['expiring'][number]>[] = [
    { key: 'customer_id', label: t('col.customer_id'), show: (r) => <a href={hrefOfCustomer(r.customer_id)} onClick={(e) => { e.preventDefault(); onPick(r.customer_id); }}>{r.customer_id}</a>, raw: (r) => r.customer_id },
    { key: 'date', label: t('col.expiry_date'), show: (r) => f.date(r.date), raw: (r) => r.date },
    { key: 'points', label: t('col.points'), show: (r) => f.integer(r.points), raw: (r) => r.points, numeric: true },
    { key: 'balance', label: t('points.balance'), show: (r) => f.integer(r.balance), raw: (r) => r.balance, numeric: true },
  ];
  return (
    <section className="card" aria-labelledby="expiring-title">
      <h2 id="expiring-title">{t('points.expiring')}</h2>
      <form className="filters" onSubmit={submit} aria-label={t('points.expiring')}>
        <label>
          {t('points.within')} <input type="number" name="within_days" min={1} max={9999} value={days} onChange={(e) => setDays(e.target.value)} />
        </label>
        <label>
          {t('points.asOf')} <input type="date" name="points_as_of" value={day} onChange={(e) => setDay(e.target.value)} />
        </label>
        <button type="submit">{t('filter.apply')}</button>
      </form>
      <Loaded state={exp} retry={exp.retry}>
        {(x) => (
          <>
            <p data-testid="expiring-summary">{t('points.expiringSummary', { asOf: f.date(x.as_of), days: f.integer(x.within_days), customers: f.integer(x.customers) })}</p>
            <DataTable id="points-expiring" caption={t('points.expiring')} columns={columns} rows={x.expiring} filename={`points-expiring_${x.as_of}_${x.within_days}`} />
          </>
        )}
      </Loaded>
    </section>
  );
}

function PointsStatement({ customer, onOpen }: { customer: string | undefined; onOpen: (id: string | undefined) => void }) {
  const { t } = useUi();
  const [draft, setDraft] = useState(customer ?? '');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onOpen(draft.trim() || undefined);
  };
  return (
    <section className="card" aria-labelledby="statement-title">
      <h2 id="statement-title">{t('points.statement')}</h2>
      <form className="filters" onSubmit={submit} role="search" aria-label={t('points.statement')}>
        <label>
          {t('points.customer')} <input name="points_customer" value={draft} onChange={(e) => setDraft(e.target.value)} autoComplete="off" />
        </label>
        <button type="submit">{t('points.open')}</button>
      </form>
      {customer === undefined ? <p className="muted">{t('points.prompt')}</p> : <StatementTable id={customer} />}
    </section>
  );
}

export function StatementTable({ id }: { id: string }) {
  const ui = useUi();
  const { t, f } = ui;
  const st = useRequest(() => getJson<Statement>(`/customers/${encodeURIComponent(id)}/points/statement`), id);
  const columns: Column<Statement['entries'][number]>[] = [
    { key: 'ts', label: t('col.ts'), show: (r) => f.date(r.ts), raw: (r) => r.ts },
    { key: 'kind', label: t('col.entry_kind'), show: (r) => label(ui, `entry.${r.kind}`, r.kind), raw: (r) => r.kind },
    { key: 'points', label: t('col.points'), show: (r) => f.integer(r.points), raw: (r) => r.points, numeric: true },
    { key: 'balance', label: t('points.balance'), show: (r) => f.integer(r.balance), raw: (r) => r.balance, numeric: true },
    { key: 'expires_on', label: t('col.expires_on'), show: (r) => f.date(r.expires_on), raw: (r) => r.expires_on },
    { key: 'source', label: t('col.source'), show: (r) => label(ui, `source.${r.source}`, r.source), raw: (r) => r.source },
    { key: 'reason', label: t('col.care_reason'), show: (r) => r.reason ?? '–', raw: (r) => r.reason },
  ];
  return (
    <Loaded state={st} retry={st.retry}>
      {(s) => (
        <>
          <p data-testid="statement-balance">{t('points.balanceLine', { asOf: f.date(s.as_of), balance: f.integer(s.balance) })}</p>
          <DataTable id="points-statement" caption={`${t('points.statement')} · ${s.customer_id}`} columns={columns} rows={s.entries} filename={`points-statement_${s.customer_id}_${s.as_of}`} />
        </>
      )}
    </Loaded>
  );
}
