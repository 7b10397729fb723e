import { describe, expect, it } from 'vitest';
import { DuckDBStore } from '../../store/duckdb/duckdb-store.ts';
import { compileCondition, conditionHolds, type SegmentRecord } from './compile.ts';
import { parseSegmentDefinitions, PRESETS, type SegmentCondition } from './definitions.ts';

describe('segment definitions', () => {
  it('validate field kinds, names and duplicates', () => {
    expect(parseSegmentDefinitions(PRESETS).errors).toEqual([]);
    const bad = parseSegmentDefinitions([
      { name: 'a', when: { field: 'revenue', op: '>', value: 'high' } },
      { name: 'a', when: { holds: 'tv_basic' } },
    ]);
    expect(bad.definitions).toBeNull();
    expect(bad.errors.join('\n')).toMatch(/revenue is a number field/);
    expect(bad.errors.join('\n')).toMatch(/defined twice/);
    const unsafe = parseSegmentDefinitions([{ name: 'drop table', when: { field: 'nope', op: '=', value: 1 } }]);
    expect(unsafe.errors.join('\n')).toMatch(/segment names/);
    expect(unsafe.errors.length).toBeGreaterThan(1); // the unknown field too
  });

  it('compile to SQL that agrees with the TypeScript evaluation, values bound as parameters', async () => {
    const store = await DuckDBStore.open(':memory:');
    try {
      await store.run(`CREATE TABLE f (id INTEGER, customer_type VARCHAR, holds_voice BOOLEAN, holds_mobile_data BOOLEAN, province VARCHAR, region VARCHAR, revenue DOUBLE, data_mb DOUBLE, vod_orders DOUBLE, holds_tv_basic BOOLEAN, holds_tv_hd BOOLEAN, holds_broadband BOOLEAN, holds_bundle BOOLEAN, holds_vod BOOLEAN)`);
      const records: SegmentRecord[] = [];
      const provinces = ['甘肃', "O'Brien", 'x%_', null];
      for (let i = 0; i < 200; i++) {
        const p = provinces[i % 4] ?? null;
        records.push({
          id: i,
          customer_type: i % 10 === 0 ? 'business' : 'individual',
          holds_voice: i % 3 === 1,
          holds_mobile_data: i % 8 === 0,
          province: p,
          region: p === null ? null : `${p}/${i % 3 === 0 ? '酒泉' : '兰州'}/d${i % 5}`,
          revenue: i % 7 === 0 ? null : (i * 37) % 150,
          data_mb: (i * 7919) % 200000,
          vod_orders: i % 5 === 0 ? null : i % 3,
          holds_tv_basic: i % 2 === 0,
          holds_tv_hd: i % 3 === 0,
          holds_broadband: i % 4 < 2,
          holds_bundle: i % 9 === 0,
          holds_vod: i % 11 === 0 ? null : i % 6 === 0,
        });
      }
      const lit = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'string' ? `'${v.replaceAll("'", "''")}'` : String(v));
      await store.run(`INSERT INTO f VALUES ${records.map((r) => `(${['id', 'customer_type', 'holds_voice', 'holds_mobile_data', 'province', 'region', 'revenue', 'data_mb', 'vod_orders', 'holds_tv_basic', 'holds_tv_hd', 'holds_broadband', 'holds_bundle', 'holds_vod'].map((k) => lit(r[k])).join(', ')})`).join(', ')}`);
      const conditions: SegmentCondition[] = [
        ...PRESETS.filter((p) => !JSON.stringify(p.when).includes('value_tier')).map((p) => p.when),
        { field: 'province', op: '=', value: "O'Brien" },
        { field: 'province', op: '=', value: "x'); DROP TABLE f; --" },
        { field: 'region', prefix: '甘肃/酒泉' },
        { field: 'region', prefix: 'x%_' },
        { not: { field: 'revenue', op: '>', value: 50 } },
        { field: 'revenue', in: [0, 37, 74] },
        { any: [{ field: 'province', in: ['甘肃', 'x%_'] }, { all: [{ holds: 'tv_hd' }, { not: { holds_any: ['vod', 'bundle'] } }] }] },
      ];
      for (const c of conditions) {
        const params: (string | number)[] = [];
        const where = compileCondition(c, params);
        const rows = await store.query<{ id: number }>(`SELECT id FROM f WHERE ${where} ORDER BY id`, params);
        expect(rows.map((r) => r.id), JSON.stringify(c)).toEqual(records.filter((r) => conditionHolds(c, r)).map((r) => r.id));
      }
      // The injection attempt was a value, not SQL: the table is still there.
      expect((await store.query('SELECT count(*) AS n FROM f'))[0]?.n).toBe(200);
    } finally {
      await store.close();
    }
  });
});
