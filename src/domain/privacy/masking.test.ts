import { describe, expect, it } from 'vitest';
import { FILES } from '../../contract/spec.ts';
import { ageBand, ALL_PERSONAL_DATA, mask, maskRow, MASKED, NO_PERSONAL_DATA, treatmentOf } from './masking.ts';

const none = NO_PERSONAL_DATA;

describe('masking policy', () => {
  it('free text and dates are hidden unless decided otherwise: a new personal column is masked by default', () => {
    expect(treatmentOf('customers', 'national_id')).toBe('hidden');
    expect(treatmentOf('customers', 'x_idcard')).toBe('hidden');
    expect(treatmentOf('customers', 'x_attributes')).toBe('attributes');
    expect(treatmentOf('interactions', 'x_attributes')).toBe('attributes');
    expect(treatmentOf('monthly_usage', 'x_speed')).toBe('shown'); // numeric measures by contract
    // Every contract column of kind string or date has been decided one way or the other, and
    // numbers and enumerations are shown: the list below is the policy in one place.
    const decided = FILES.flatMap((f) => f.columns.filter((c) => c.kind === 'string' || c.kind === 'date').map((c) => `${f.name}.${c.name}:${treatmentOf(f.name, c.name)}`));
    expect(decided.filter((d) => !d.endsWith(':shown'))).toEqual([
      'customers.region:region',
      'customers.birth_date:hidden',
      'customers.name:name',
      'customers.phone:phone',
      'customers.email:email',
      'interactions.topic:hidden',
      'points_transactions.reason:hidden',
    ]);
    for (const f of FILES) for (const c of f.columns) if (c.kind !== 'string' && c.kind !== 'date') expect(treatmentOf(f.name, c.name)).toBe('shown');
  });

  it('shows at most the last 4 digits of a phone, whatever its length', () => {
    expect(mask('customers', 'phone', '13812345678', none)).toBe('****5678');
    expect(mask('customers', 'phone', '87654321', none)).toBe('****4321');
    expect(mask('customers', 'phone', '+86 (0937) 263-1234', none)).toBe('****1234');
    expect(mask('customers', 'phone', '1234567', none)).toBe('****');
    expect(mask('customers', 'phone', '110', none)).toBe('****');
  });

  it('names, e-mails, regions, birth dates, attributes', () => {
    expect(mask('customers', 'name', '欧阳娜娜', none)).toBe('欧**');
    expect(mask('customers', 'name', '王', none)).toBe('王**');
    expect(mask('customers', 'email', 'wang.xiaoming@corp.example.cn', none)).toBe('w***@corp.example.cn');
    expect(mask('customers', 'email', 'not-an-address', none)).toBe(MASKED);
    expect(mask('customers', 'region', '甘肃/酒泉/肃州区', none)).toBe(`甘肃/${MASKED}`);
    expect(mask('customers', 'region', '甘肃', none)).toBe('甘肃');
    expect(mask('customers', 'birth_date', '1987-06-05', none)).toBe(MASKED);
    expect(mask('customers', 'x_attributes', '{"x_tier":"gold","x_note":null}', none)).toBe('{"x_tier":"***","x_note":null}');
    expect(mask('customers', 'x_attributes', 'not json', none)).toBe(MASKED);
  });

  it('blank stays blank, shown fields and rights pass values through, rows are masked field by field', () => {
    expect(mask('customers', 'name', null, none)).toBeNull();
    expect(mask('customers', 'name', '', none)).toBe('');
    expect(mask('customers', 'customer_id', 'C1', none)).toBe('C1');
    expect(mask('customers', 'name', '王小明', ALL_PERSONAL_DATA)).toBe('王小明');
    expect(maskRow('customers', { customer_id: 'C1', phone: '13812345678', employees: 12, unknown_store_column: 'x' }, none)).toEqual({
      customer_id: 'C1',
      phone: '****5678',
      employees: 12,
      unknown_store_column: MASKED,
    });
  });

  it('an age shows as its decade', () => {
    expect([ageBand(17), ageBand(20), ageBand(64), ageBand(69.9), ageBand(95), ageBand(Number.NaN)]).toEqual(['<20', '20–29', '60–69', '60–69', '90+', MASKED]);
  });
});
