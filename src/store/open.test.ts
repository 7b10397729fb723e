import { describe, expect, it } from 'vitest';
import { isClickHouseUrl } from './clickhouse/target.ts';
import { isClickHouseTarget, isPostgresTarget, storeTarget } from './open.ts';
import { isPostgresUrl } from './postgres/connection.ts';

describe('openStore engine selection', () => {
  it('names the engines by the same URL forms as their adapters, without loading them', () => {
    const targets = ['postgres://u@h/db', 'postgresql://h/db', 'POSTGRES://h/db', 'postgres:/h/db', 'clickhouse://h:8123/db', 'ClickHouse://h/db', 'clickhouse:h', './tenure.duckdb', '/tmp/postgres://x', 'C:\\\\data\\\\tenure.duckdb', ''];
    for (const t of targets) {
      expect(isPostgresTarget(t), t).toBe(isPostgresUrl(t));
      expect(isClickHouseTarget(t), t).toBe(isClickHouseUrl(t));
    }
    expect(targets.filter(isPostgresTarget)).toEqual(['postgres://u@h/db', 'postgresql://h/db', 'POSTGRES://h/db']);
    expect(targets.filter(isClickHouseTarget)).toEqual(['clickhouse://h:8123/db', 'ClickHouse://h/db']);
  });

  it('takes --db, else $TENURE_DB, else ./tenure.duckdb', () => {
    const saved = process.env.TENURE_DB;
    try {
      delete process.env.TENURE_DB;
      expect(storeTarget(undefined)).toBe('./tenure.duckdb');
      process.env.TENURE_DB = 'postgres://h/db';
      expect(storeTarget(undefined)).toBe('postgres://h/db');
      expect(storeTarget('x.duckdb')).toBe('x.duckdb');
    } finally {
      if (saved === undefined) delete process.env.TENURE_DB;
      else process.env.TENURE_DB = saved;
    }
  });
});
