import type { ReactNode } from 'react';
import { useUi } from '../context.tsx';
import { download, toCsv } from './download.ts';

export interface Column<R> {
  readonly key: string;
  readonly label: string;
  /** The cell as shown (formatted for the language). */
  readonly show: (row: R) => ReactNode;
  /** The cell in the CSV: the plain value (numbers unformatted, so a spreadsheet can add them). */
  readonly raw: (row: R) => unknown;
  readonly numeric?: boolean;
}

/** A table with its caption and a CSV export of exactly its rows and columns (headers in the screen's language). */
export function DataTable<R>({ id, caption, columns, rows, filename, onRowClick }: { id: string; caption: string; columns: readonly Column<R>[]; rows: readonly R[]; filename: string; onRowClick?: (row: R) => void }) {
  const { t } = useUi();
  const exportCsv = () => {
    const text = toCsv(
      columns.map((c) => c.label),
      rows.map((r) => columns.map((c) => c.raw(r))),
    );
    // A byte order mark so spreadsheet programs read the Chinese labels as UTF-8.
    download(`${filename}.csv`, new Blob(['\ufeff', text], { type: 'text/csv;charset=utf-8' }));
  };
  return (
    <section className="table-block" aria-labelledby={`${id}-caption`}>
      <div className="block-head">
        <h3 id={`${id}-caption`}>{caption}</h3>
        <button type="button" onClick={exportCsv} data-export="csv">
          {t('export.csv')}
        </button>
      </div>
      {rows.length === 0 ? (
        <p className="muted">{t('state.empty')}</p>
      ) : (
        // Focusable, so a keyboard can scroll a table wider or longer than its box.
        <div className="table-scroll" tabIndex={0} role="region" aria-labelledby={`${id}-caption`}>
          <table id={id}>
            <thead>
              <tr>
                {columns.map((c) => (
                  <th key={c.key} scope="col" className={c.numeric ? 'num' : undefined}>
                    {c.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i} className={onRowClick ? 'clickable' : undefined} onClick={onRowClick ? () => onRowClick(r) : undefined}>
                  {columns.map((c) => (
                    <td key={c.key} className={c.numeric ? 'num' : undefined}>
                      {c.show(r)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
