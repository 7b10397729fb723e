import { describe, expect, it } from 'vitest';
import { fileSpec } from './spec.ts';
import { ROW_SCHEMAS, rowSchema, toLocalTimestamp } from './zod.ts';

describe('contract zod schemas', () => {
  it('types a good usage row: money stays exact text, blanks are null, x_ measures are numbers', () => {
    const row = ROW_SCHEMAS.monthly_usage.parse({ customer_id: 'C1', month: '2024-02', revenue: '0.10', cost: '', x_speed: '2.5' });
    expect(row).toMatchObject({ customer_id: 'C1', month: '2024-02', revenue: '0.10', cost: null, x_speed: 2.5 });
  });

  it('reports every bad cell with its reason, unknown columns and cross-column rules', () => {
    const result = ROW_SCHEMAS.monthly_usage.safeParse({
      customer_id: 'C1',
      month: '2024-13',
      revenue: '1.1234567',
      voice_minutes: '10',
      outgoing_minutes: '11',
      colour: 'red',
    });
    expect(result.success).toBe(false);
    const issues = result.error?.issues.map((i) => `${String(i.path[0])}: ${i.message.split(':')[0]}`);
    expect(issues).toEqual([
      'colour: unknown column colour',
      'month: invalid_month',
      'revenue: too_many_decimals',
      'outgoing_minutes: outgoing_minutes_exceeds_voice_minutes',
    ]);
  });

  it('converts offset timestamps to the operator zone and keeps local ones', () => {
    expect(toLocalTimestamp('2024-01-05T10:00:00Z', 'Asia/Shanghai')).toBe('2024-01-05 18:00:00');
    expect(toLocalTimestamp('2024-01-05 23:30-05:00', 'Asia/Shanghai')).toBe('2024-01-06 12:30:00');
    expect(toLocalTimestamp('2024-01-05 10:00', 'Asia/Shanghai')).toBe('2024-01-05 10:00:00');
    expect(toLocalTimestamp('2024-01-05 24:00', 'Asia/Shanghai')).toBeNull();
    const schema = rowSchema(fileSpec('interactions'), 'Europe/Berlin');
    expect(schema.parse({ interaction_id: 'I1', customer_id: 'C1', ts: '2024-07-01T12:00:00Z' }).ts).toBe('2024-07-01 14:00:00');
  });
});
