import type { Command } from 'commander';
import { copyStoreToServer } from '../../app/store-copy.ts';
import { storeTarget } from '../../app/store.ts';
import { printJson, printRows, resolveOutput, withFormat, type FormatOptions } from '../output.ts';

interface CopyOptions extends FormatOptions {
  db?: string;
  into: string;
}

async function copy(opts: CopyOptions): Promise<void> {
  const out = resolveOutput(opts);
  const result = await copyStoreToServer(storeTarget(opts.db), opts.into, (table, rows) => {
    if (out.format === 'table') process.stderr.write(`  ${table}: ${rows} rows\n`);
  });
  if (out.format === 'json') {
    printJson(result);
    return;
  }
  printRows(['table', 'rows'], result.tables, out.format, process.stdout);
  if (out.format === 'table') process.stdout.write(`\n${result.rows} rows copied to ${result.to} in ${result.seconds} s\n`);
}

export function register(program: Command): void {
  const store = program.command('store').description('manage the store: move an embedded store to a PostgreSQL server');
  withFormat(
    store
      .command('copy')
      .description('copy the embedded DuckDB store (--db) into a new PostgreSQL store (--into), all or nothing')
      .requiredOption('--into <url>', 'target PostgreSQL store: postgres://user@host:port/database (a new, empty database)')
      .option('--db <path>', 'the DuckDB store to copy (default ./tenure.duckdb or $TENURE_DB)'),
  ).action(copy);
}
