import { describe, expect, it } from 'vitest';
import { addMonths, formatMonth, monthRange, monthsBetween, parseMonth, wholeMonthsBetweenDates } from './month.ts';

describe('month arithmetic', () => {
  it('round-trips and crosses year boundaries', () => {
    expect(formatMonth(parseMonth('2024-12'))).toBe('2024-12');
    expect(addMonths('2024-12', 1)).toBe('2025-01');
    expect(addMonths('2024-01', -1)).toBe('2023-12');
    expect(monthsBetween('2023-11', '2024-02')).toBe(3);
    expect(monthRange('2024-11', '2025-02')).toEqual(['2024-11', '2024-12', '2025-01', '2025-02']);
  });

  it('rejects malformed months', () => {
    expect(() => parseMonth('2024-13')).toThrow(RangeError);
    expect(() => parseMonth('2024-1')).toThrow(RangeError);
  });

  it('counts whole months between dates only once the day is reached', () => {
    expect(wholeMonthsBetweenDates('2024-01-31', '2024-02-29')).toBe(0);
    expect(wholeMonthsBetweenDates('2024-01-15', '2024-02-15')).toBe(1);
    expect(wholeMonthsBetweenDates('2023-06-10', '2024-06-09')).toBe(11);
  });
});
