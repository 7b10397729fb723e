/**
 * A tiny operator for the service reports' known-answer tests (service.test.ts works the figures
 * out by hand). Months 2024-01 … 2024-06; five accounts in two provinces.
 *
 *  id  joined      region  exit                         bills (revenue 10, calls 100 unless said)
 *  a1  2023-01-01  甘肃    —                            Jan–Jun, dropped 0, paid 10, overdue 0, x_outage_hours 1
 *  a2  2023-01-01  甘肃    2024-03-10 voluntary 205     Jan–Feb, dropped 10, x_outage_hours 5
 *  a3  2023-06-15  四川    2024-06-05 involuntary 335   Jan–Jun, dropped 1, paid 5, overdue 40 (business)
 *  a4  2023-06-01  四川    2024-04-05 voluntary 101     Jan–Mar, dropped 3, x_outage_hours 2
 *  a5  2024-02-10  甘肃    —                            Feb–Jun, no calls, nothing paid recorded
 *
 *  interactions: i1 a1 2024-01-05 complaint hotline resolved 4 · i2 a2 2024-01-20 complaint
 *  hotline unresolved 1 · i3 a2 2024-01-25 complaint online resolved 3 · i4 a4 2024-02-03
 *  complaint hall open · i5 a3 2024-02-10 inquiry online resolved 5
 *  subscriptions (active): a1 voice + broadband, a3 voice, a5 tv_basic
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MONTHS = ['01', '02', '03', '04', '05', '06'];

export function writeServiceFixture(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'customers.csv'),
    'customer_id,customer_type,join_date,region\n' +
      'a1,individual,2023-01-01,甘肃/酒泉\na2,individual,2023-01-01,甘肃/兰州\na3,business,2023-06-15,四川/成都\na4,individual,2023-06-01,四川/成都\na5,individual,2024-02-10,甘肃/酒泉\n',
  );
  writeFileSync(
    join(dir, 'churn_events.csv'),
    'customer_id,churn_date,churn_type,reason_code\na2,2024-03-10,voluntary,205\na3,2024-06-05,involuntary,335\na4,2024-04-05,voluntary,101\n',
  );
  const bills: string[] = [];
  const bill = (id: string, m: string, rest: string) => bills.push(`${id},2024-${m},10.00,${rest}`);
  for (const m of MONTHS) bill('a1', m, '10.00,0,100,0,1');
  for (const m of MONTHS.slice(0, 2)) bill('a2', m, ',,100,10,5');
  for (const m of MONTHS) bill('a3', m, '5.00,40,100,1,');
  for (const m of MONTHS.slice(0, 3)) bill('a4', m, ',,100,3,2');
  for (const m of MONTHS.slice(1)) bill('a5', m, ',,,,');
  writeFileSync(join(dir, 'monthly_usage.csv'), `customer_id,month,revenue,paid,overdue_days,calls,dropped_calls,x_outage_hours\n${bills.join('\n')}\n`);
  writeFileSync(
    join(dir, 'interactions.csv'),
    'interaction_id,customer_id,ts,channel,kind,topic,resolved,satisfaction\n' +
      'i1,a1,2024-01-05T10:00:00,hotline,complaint,,true,4\n' +
      'i2,a2,2024-01-20T10:00:00,hotline,complaint,,false,1\n' +
      'i3,a2,2024-01-25T09:00:00,online,complaint,,true,3\n' +
      'i4,a4,2024-02-03T10:00:00,hall,complaint,,,\n' +
      'i5,a3,2024-02-10T10:00:00,online,inquiry,,true,5\n',
  );
  writeFileSync(
    join(dir, 'subscriptions.csv'),
    'subscription_id,customer_id,product_id,category,start_date,end_date,monthly_fee\n' +
      's1,a1,V1,voice,2023-01-01,,10.00\ns2,a1,B1,broadband,2023-02-01,,20.00\ns3,a3,V1,voice,2023-06-15,,10.00\ns4,a5,T1,tv_basic,2024-02-10,,15.00\ns5,a2,V1,voice,2023-01-01,2024-03-10,10.00\n',
  );
}
