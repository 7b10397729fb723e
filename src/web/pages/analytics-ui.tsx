import { useState, type FormEvent, type ReactNode } from 'react';
import { useUi, type Ui } from '../context.tsx';
import { hasKey } from '../i18n.ts';
import { navigate, type Location } from '../router.ts';

/** Shared bits of the analytics pages: URL filters, a month form, coded labels, stat figures. */
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export function monthParam(q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name);
  return v !== null && MONTH.test(v) ? v : undefined;
}

/** One of `allowed` from the query, else undefined. */
export function choiceParam<T extends string>(q: URLSearchParams, name: string, allowed: readonly T[]): T | undefined {
  const v = q.get(name);
  return v !== null && (allowed as readonly string[]).includes(v) ? (v as T) : undefined;
}

/** Navigates to the same page with the current query changed by `changes` (undefined removes a key). */
export function setQuery(loc: Location, changes: Readonly<Record<string, string | undefined>>): void {
  const next: Record<string, string | undefined> = Object.fromEntries(loc.query.entries());
  Object.assign(next, changes);
  navigate(loc.path, next);
}

/** A label of a coded value from the catalogue when it has one, else the code as the data gives it. */
export function label(ui: Ui, prefix: string, code: string | null | undefined, fallback?: string): string {
  if (code === null || code === undefined) return ui.t('group.unknown');
  const key = `${prefix}.${code}`;
  return hasKey(key) ? ui.t(key) : (fallback ?? code);
}

/** Month inputs (named by `names`) applied together; an empty input clears its filter. */
export function MonthsForm({ fields, onApply }: { fields: readonly { name: string; label: string; value: string | undefined }[]; onApply: (values: Record<string, string | undefined>) => void }) {
  const { t } = useUi();
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(fields.map((f) => [f.name, f.value ?? ''])));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onApply(Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v || undefined])));
  };
  return (
    <form className="filters" onSubmit={submit}>
      {fields.map((f) => (
        <label key={f.name}>
          {f.label} <input type="month" name={f.name} value={values[f.name] ?? ''} onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))} />
        </label>
      ))}
      <button type="submit">{t('filter.apply')}</button>
    </form>
  );
}

export function Stats({ items, testid }: { items: readonly { label: string; value: ReactNode; id?: string }[]; testid?: string }) {
  return (
    <div className="stat-row" data-testid={testid}>
      {items.map((s) => (
        <div className="stat" key={s.label}>
          <span>{s.label}</span>
          <strong data-testid={s.id}>{s.value}</strong>
        </div>
      ))}
    </div>
  );
}
