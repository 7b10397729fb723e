import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createClient } from '@clickhouse/client';

/**
 * The two-shard ClickHouse cluster the tests run against, started by scripts/clickhouse-cluster.sh
 * (which `npm test` runs first, through scripts/setup-test-env.sh) and described in
 * $TENURE_TEST_CH_DIR/cluster.json. For tests only.
 */
export interface TestCluster {
  readonly cluster: string;
  /** A cluster of the first shard and a port no server listens on: a shard down. */
  readonly downCluster: { readonly name: string; readonly deadTcpPort: number };
  readonly shards: readonly { readonly name: string; readonly http: string; readonly tcpPort: number }[];
}

export const IN_CI = process.env.CI === 'true';

export function testCluster(): TestCluster | undefined {
  const file = `${process.env.TENURE_TEST_CH_DIR ?? '/tmp/tenure-test-ch'}/cluster.json`;
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as TestCluster;
  } catch {
    return undefined;
  }
}

/**
 * Why the ClickHouse tests cannot run, or undefined when they can. In CI (CI=true) the caller
 * fails instead of skipping: a missing cluster is a broken setup, not an optional part.
 */
export async function testClusterProblem(): Promise<string | undefined> {
  const c = testCluster();
  if (!c || c.shards.length === 0) return 'no ClickHouse test cluster (run `bash scripts/clickhouse-cluster.sh`, which `npm test` runs first)';
  for (const s of c.shards) {
    const client = createClient({ url: s.http, request_timeout: 5000 });
    try {
      const ping = await client.ping();
      if (!ping.success) return `the ClickHouse test shard ${s.name} at ${s.http} does not answer`;
    } finally {
      await client.close();
    }
  }
  return undefined;
}

/** The store URL of a new database name on the whole test cluster (the store creates it when opened with create). */
export function testStoreUrl(prefix = 'tenure_clickhouse'): { url: string; database: string; drop: () => Promise<void> } {
  const c = testCluster();
  if (!c) throw new Error('no ClickHouse test cluster');
  const database = `${prefix}_${randomBytes(6).toString('hex')}`;
  const hosts = c.shards.map((s) => new URL(s.http).host).join(',');
  return {
    url: `clickhouse://default@${hosts}/${database}?cluster=${c.cluster}`,
    database,
    drop: async () => {
      for (const s of c.shards) {
        const client = createClient({ url: s.http });
        try {
          await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
        } finally {
          await client.close();
        }
      }
    },
  };
}
