import type { Command } from 'commander';
import { listAudit, verifyAudit } from '../../app/auth/audit.ts';
import { withStore } from '../../app/lifecycle/context.ts';
import { TenureError } from '../../app/errors.ts';
import { EXIT_DATA_PROBLEMS } from '../errors.ts';
import { printJson, printRows, printText, resolveOutput, withFormat, type FormatOptions } from '../output.ts';

interface AuditOptions extends FormatOptions {
  db?: string;
  verify?: boolean;
  after: string;
  limit: string;
  actor?: string;
  action?: string;
}

const COLUMNS = ['seq', 'ts', 'actor', 'action', 'target', 'outcome', 'source', 'detail', 'prev_hash', 'hash'];

export function register(program: Command): void {
  withFormat(
    program
      .command('audit')
      .description('the audit trail of tenure serve and tenure user (logins, failed ones too, exports, personal-data views, refusals, user changes); --verify checks its hash chain (exit 1 when broken)')
      .option('--verify', 'check the hash chain of the whole trail instead of listing it')
      .option('--after <seq>', 'rows after this sequence number', '0')
      .option('--limit <n>', 'rows at most', '1000')
      .option('--actor <name>', 'only this actor')
      .option('--action <action>', 'only this action (login, login_failed, pii_view, export, forbidden, user_add, …)')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  ).action(async (opts: AuditOptions) => {
    const out = resolveOutput(opts);
    const after = Number(opts.after);
    const limit = Number(opts.limit);
    if (!Number.isInteger(after) || after < 0) throw new TenureError('USAGE', `--after must be a whole number, got "${opts.after}"`);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1_000_000) throw new TenureError('USAGE', `--limit must be a whole number from 1 to 1000000, got "${opts.limit}"`);
    if (opts.verify) {
      const v = await withStore(opts.db, (store) => verifyAudit(store));
      if (out.format === 'json') printJson(v);
      else if (out.format === 'csv') printRows(['rows', 'ok', 'broken_at', 'reason'], [{ ...v }], 'csv');
      else printText(v.ok ? `audit trail intact: ${v.rows} rows\n` : `audit trail BROKEN at row ${v.broken_at}: ${v.reason}\n`);
      if (!v.ok) process.exitCode = EXIT_DATA_PROBLEMS;
      return;
    }
    const rows = await withStore(opts.db, (store) => listAudit(store, { after, limit, ...(opts.actor === undefined ? {} : { actor: opts.actor }), ...(opts.action === undefined ? {} : { action: opts.action }) }));
    if (out.format === 'json') printJson(rows);
    else printRows(out.format === 'table' ? COLUMNS.slice(0, 8) : COLUMNS, rows, out.format);
  });
}
