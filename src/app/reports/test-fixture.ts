/**
 * A small operator, checked by hand in the report tests (churn-reports.test.ts has the
 * arithmetic). Months 2024-01 … 2024-05, 12 accounts in 2 provinces / 3 cities.
 *
 *  id   joined      region                 exit                         usage (revenue)
 *  c01  2023-05-10  甘肃/酒泉/肃州区        —                            Jan–May 50.00
 *  c02  2023-08-01  甘肃/酒泉/肃州区        2024-05-20 voluntary 101     Jan 99.00, Feb 10.00, Mar 10.00, Apr 10.01
 *  c03  2023-11-03  甘肃/酒泉/玉门市        2024-05-02 voluntary 102     Jan 20.00, Feb 20.00, Mar 20.01, Apr 20.00
 *  c04  2023-12-31  甘肃/兰州/城关区        2024-05-31 involuntary 335   Jan 5.00, Feb 0.00, Mar 7.00, Apr 7.01, May 3.00
 *  c05  2024-02-14  四川/成都/武侯区        2024-02-25 voluntary 103     none (joins and leaves in Feb)
 *  c06  2024-01-05  四川/成都/武侯区        2024-03-15 voluntary 205     Jan 40.00, Feb 45.00, Apr 12.50 (final bill)
 *  c07  2023-03-01  四川/成都/武侯区        —                            Jan, Mar, May 80.00 (gaps)
 *  c08  2024-03-01  甘肃/兰州/城关区        —                            Mar–May 25.00
 *  c09  2024-04-30  甘肃/酒泉/玉门市        —                            May 15.0025
 *  c10  2023-01-01  甘肃/兰州/城关区        2024-01-10 involuntary 380   Jan 8.00 (billed in the churn month)
 *  c11  2022-06-01  四川/成都/武侯区        2023-12-20 voluntary 101     Jan 6.00 (final bill after churn)
 *  c12  2024-02-10  四川 (province only)    —                            Mar–May 18.00
 */
import type { AnalyticsStore } from '../../store/port.ts';

const CUSTOMERS: [string, string, string, string | null, string | null][] = [
  ['c01', '2023-05-10', '甘肃', '酒泉', '肃州区'],
  ['c02', '2023-08-01', '甘肃', '酒泉', '肃州区'],
  ['c03', '2023-11-03', '甘肃', '酒泉', '玉门市'],
  ['c04', '2023-12-31', '甘肃', '兰州', '城关区'],
  ['c05', '2024-02-14', '四川', '成都', '武侯区'],
  ['c06', '2024-01-05', '四川', '成都', '武侯区'],
  ['c07', '2023-03-01', '四川', '成都', '武侯区'],
  ['c08', '2024-03-01', '甘肃', '兰州', '城关区'],
  ['c09', '2024-04-30', '甘肃', '酒泉', '玉门市'],
  ['c10', '2023-01-01', '甘肃', '兰州', '城关区'],
  ['c11', '2022-06-01', '四川', '成都', '武侯区'],
  ['c12', '2024-02-10', '四川', null, null],
];

const EXITS: [string, string, string, string][] = [
  ['c02', '2024-05-20', 'voluntary', '101'],
  ['c03', '2024-05-02', 'voluntary', '102'],
  ['c04', '2024-05-31', 'involuntary', '335'],
  ['c05', '2024-02-25', 'voluntary', '103'],
  ['c06', '2024-03-15', 'voluntary', '205'],
  ['c10', '2024-01-10', 'involuntary', '380'],
  ['c11', '2023-12-20', 'voluntary', '101'],
];

const USAGE: [string, string, string][] = [
  ...['01', '02', '03', '04', '05'].map((m): [string, string, string] => ['c01', m, '50.00']),
  ['c02', '01', '99.00'], ['c02', '02', '10.00'], ['c02', '03', '10.00'], ['c02', '04', '10.01'],
  ['c03', '01', '20.00'], ['c03', '02', '20.00'], ['c03', '03', '20.01'], ['c03', '04', '20.00'],
  ['c04', '01', '5.00'], ['c04', '02', '0.00'], ['c04', '03', '7.00'], ['c04', '04', '7.01'], ['c04', '05', '3.00'],
  ['c06', '01', '40.00'], ['c06', '02', '45.00'], ['c06', '04', '12.50'],
  ['c07', '01', '80.00'], ['c07', '03', '80.00'], ['c07', '05', '80.00'],
  ['c08', '03', '25.00'], ['c08', '04', '25.00'], ['c08', '05', '25.00'],
  ['c09', '05', '15.0025'],
  ['c10', '01', '8.00'],
  ['c11', '01', '6.00'],
  ['c12', '03', '18.00'], ['c12', '04', '18.00'], ['c12', '05', '18.00'],
];

const text = (v: string | null): string => (v === null ? 'NULL' : `'${v}'`);

export async function loadHandChecked(store: AnalyticsStore): Promise<void> {
  await store.run(
    `INSERT INTO customers (customer_id, customer_type, join_date, region, province, city, district) VALUES ${CUSTOMERS.map(
      ([id, joined, p, c, d]) =>
        `('${id}', 'individual', DATE '${joined}', '${[p, c, d].filter((x) => x !== null).join('/')}', ${text(p)}, ${text(c)}, ${text(d)})`,
    ).join(', ')}`,
  );
  await store.run(
    `INSERT INTO churn_events (customer_id, churn_date, churn_type, reason_code) VALUES ${EXITS.map(
      ([id, date, type, code]) => `('${id}', DATE '${date}', '${type}', '${code}')`,
    ).join(', ')}`,
  );
  await store.run(
    `INSERT INTO monthly_usage (customer_id, month, revenue) VALUES ${USAGE.map(
      ([id, m, revenue]) => `('${id}', DATE '2024-${m}-01', CAST('${revenue}' AS DECIMAL(18,6)))`,
    ).join(', ')}`,
  );
}
