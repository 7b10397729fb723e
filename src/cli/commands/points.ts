import { basename, dirname } from 'node:path';
import type { Command } from 'commander';
import { OutputFile } from '../../app/files/safe-write.ts';
import { appendAudit } from '../../app/auth/audit.ts';
import { cliActor } from '../../app/auth/cli-actor.ts';
import { TenureError } from '../../app/errors.ts';
import { importContractFile } from '../../app/import/import-dataset.ts';
import { rejectsRetentionDays } from '../../app/import/limits.ts';
import { withStore, withWritableStore } from '../../app/lifecycle/context.ts';
import { earnPoints } from '../../app/points/earn.ts';
import { loadPointsRules } from '../../app/points/rules-file.ts';
import { checkDate, expirePoints, operatorToday, pointsBalance, pointsExpiring, pointsStatement } from '../../app/points/ledger.ts';
import { rejectedRows } from '../../app/points/rejects.ts';
import { openStore } from '../../app/store.ts';
import { EXIT_DATA_PROBLEMS, EXIT_FATAL, EXIT_OK } from '../errors.ts';
import { labelLang, printJson, printRows, resolveFormat, resolveOutput, toCsv, withFormat, type FormatOptions } from '../output.ts';
import { safeMessage } from '../terminal.ts';
import { ALL_PERSONAL_DATA, NO_PERSONAL_DATA } from '../../domain/privacy/masking.ts';
import { maskedStatement, pointsBalanceJson, pointsExpiringJson, pointsStatementJson } from '../../app/points/points-json.ts';

interface PointsOptions extends FormatOptions {
  db?: string;
  asOf?: string;
  rules?: string;
  showPii?: boolean;
}

const KIND_ZH: Record<string, string> = { earn: '赚取', redeem: '兑换', adjust: '调整', expire: '过期', reversal: '冲正' };
const DB_HELP = 'store (default ./tenure.duckdb or $TENURE_DB)';
const AS_OF_HELP = 'operator local day YYYY-MM-DD, balances at its end (default today in $TENURE_TIMEZONE, Asia/Shanghai)';

const asOfOf = (opts: PointsOptions) => (opts.asOf === undefined ? operatorToday() : checkDate('--as-of', opts.asOf));

async function balance(customerId: string, opts: PointsOptions): Promise<void> {
  const out = resolveOutput(opts);
  const lang = labelLang(out.lang);
  const asOf = asOfOf(opts);
  const b = await withStore(opts.db, (store) => pointsBalance(store, customerId, asOf));
  if (out.format === 'json') printJson(pointsBalanceJson(b));
  else if (out.format === 'csv') printRows(['customer_id', 'as_of', 'balance', 'date', 'points'], b.expiring.map((e) => ({ customer_id: b.customerId, as_of: asOf, balance: b.balance, ...e })), 'csv');
  else {
    process.stdout.write(lang === 'en' ? `${b.customerId}: ${b.balance} points at the end of ${asOf}\n` : `${b.customerId}：截至 ${asOf} 日终积分 ${b.balance}\n`);
    printRows(['date', 'points'], b.expiring, 'table');
  }
  if (b.expiredNotPosted > 0) {
    process.stderr.write(
      lang === 'en'
        ? `tenure: ${b.expiredNotPosted} of these points expired on or before ${asOf} but no expiry run has taken them yet (tenure points expire --as-of ${asOf})\n`
        : `tenure：其中 ${b.expiredNotPosted} 分已于 ${asOf} 或之前到期，但尚未执行过期处理（tenure points expire --as-of ${asOf}）\n`,
    );
  }
}

async function statement(customerId: string, opts: PointsOptions): Promise<void> {
  const out = resolveOutput(opts);
  const lang = labelLang(out.lang);
  const asOf = asOfOf(opts);
  const rights = opts.showPii === true ? ALL_PERSONAL_DATA : NO_PERSONAL_DATA;
  if (rights.personalData) process.stderr.write(`tenure: showing the operator's transaction reasons of ${safeMessage(customerId)} unmasked (--show-pii)\n`);
  // An imported transaction's reason is the operator's free text (an adjustment may name a
  // complaint or a person): masked like every hidden column unless --show-pii. The product's own
  // rule and expiry texts are shown.
  const lines = maskedStatement(await withStore(opts.db, (store) => pointsStatement(store, customerId, asOf)), rights);
  if (out.format === 'json') {
    printJson(pointsStatementJson(customerId, asOf, lines));
    return;
  }
  const columns = ['ts', 'kind', 'points', 'balance', 'expires_on', 'source', 'source_ref', 'transaction_id', 'rule_id', 'reason'];
  const rows = out.format === 'table' && lang === 'zh' ? lines.map((l) => ({ ...l, kind: KIND_ZH[l.kind] ?? l.kind })) : lines;
  printRows(columns, rows, out.format);
}

async function expiring(opts: PointsOptions & { withinDays: string }): Promise<void> {
  const out = resolveOutput(opts);
  const asOf = asOfOf(opts);
  if (!/^[0-9]{1,4}$/.test(opts.withinDays) || Number(opts.withinDays) < 1) {
    throw new TenureError('USAGE', `--within-days must be a whole number of days from 1 to 9999, got "${opts.withinDays}"`);
  }
  const days = Number(opts.withinDays);
  const rows = await withStore(opts.db, (store) => pointsExpiring(store, asOf, days));
  if (out.format === 'json') printJson(pointsExpiringJson(asOf, days, rows));
  else printRows(['customer_id', 'date', 'points', 'balance'], rows, out.format);
}

async function postFile(file: string, opts: PointsOptions & { rejects?: string }): Promise<void> {
  const format = resolveFormat(opts);
  const rules = loadPointsRules(opts.rules);
  const retention = rejectsRetentionDays(undefined);
  const rejectsOut = opts.rejects !== undefined ? OutputFile.open(opts.rejects, { what: '--rejects' }) : null;
  let store;
  try {
    store = await openStore(opts.db, { access: 'read-write', readableDirectories: [dirname(file)] });
  } catch (err) {
    rejectsOut?.abort();
    throw err;
  }
  try {
    const report = await importContractFile(store, 'points_transactions', file, { pointsExpiryMonths: rules.expiry_months, rejectsRetentionDays: retention });
    const f = report.files[0];
    if (!f) throw new TenureError('INTERNAL', 'the file was not imported');
    const rejects = await rejectedRows(store, report.runId);
    // Ledger postings are audited: who posted which file, with what outcome.
    await appendAudit(store, {
      actor: cliActor(),
      action: 'points_post',
      target: basename(file),
      outcome: f.status === 'loaded' ? 'ok' : 'failed',
      source: 'cli',
      detail: JSON.stringify({ run_id: report.runId, sha256: f.sha256, read: f.read, accepted: f.accepted, rejected: f.rejected, inserted: f.inserted, updated: f.updated }),
    });
    if (rejectsOut) {
      rejectsOut.write(toCsv(['file', 'line', 'column', 'value', 'reason'], rejects.map((r) => ({ ...r, file }))));
      rejectsOut.commit();
    }
    const summary = { read: f.read, accepted: f.accepted, rejected: f.rejected, inserted: f.inserted, updated: f.updated, unchanged: f.unchanged, status: f.status };
    if (format === 'json') printJson({ file, ...summary, ...(f.errors.length ? { errors: f.errors } : {}), rejects: rejects.slice(0, 1000) });
    else printRows(['file', 'read', 'accepted', 'rejected', 'inserted', 'updated', 'unchanged', 'status'], [{ file, ...summary }], format);
    for (const e of f.errors) process.stderr.write(`${file}: schema error: ${e} (file not loaded)\n`);
    if (f.updated > 0) process.stderr.write(`${file}: ${f.updated} known transactions changed: each old posting reversed and the new one posted\n`);
    for (const r of rejects.slice(0, 20)) process.stderr.write(safeMessage(`${file}:${r.line}:${r.column || '(row)'}: ${r.reason}${r.value !== null ? ` (value ${JSON.stringify(r.value)})` : ''}\n`));
    if (f.rejected > 0) process.stderr.write(`${f.rejected} rows rejected${opts.rejects ? `; all written to ${opts.rejects}` : '; use --rejects FILE for the full list'}\n`);
    process.exitCode = f.status === 'schema_error' ? EXIT_FATAL : f.rejected > 0 ? EXIT_DATA_PROBLEMS : EXIT_OK;
  } finally {
    rejectsOut?.abort();
    await store.close();
  }
}

async function expire(opts: PointsOptions): Promise<void> {
  const format = resolveFormat(opts);
  const asOf = asOfOf(opts);
  const run = await withWritableStore(opts.db, async (store) => {
    const r = await expirePoints(store, asOf);
    await appendAudit(store, { actor: cliActor(), action: 'points_expire', target: r.asOf, outcome: 'ok', source: 'cli', detail: JSON.stringify({ run_id: r.runId, lots: r.lots, customers: r.customers, points: r.points }) });
    return r;
  });
  const row = { as_of: run.asOf, lots: run.lots, customers: run.customers, points: run.points, run_id: run.runId };
  if (format === 'json') printJson(row);
  else printRows(['as_of', 'lots', 'customers', 'points', 'run_id'], [row], format);
}

async function earn(opts: PointsOptions & { month: string }): Promise<void> {
  const format = resolveFormat(opts);
  const rules = loadPointsRules(opts.rules);
  const run = await withWritableStore(opts.db, async (store) => {
    const r = await earnPoints(store, opts.month, rules);
    await appendAudit(store, { actor: cliActor(), action: 'points_earn', target: r.month, outcome: 'ok', source: 'cli', detail: JSON.stringify({ run_id: r.runId, entries: r.entries, points: r.points }) });
    return r;
  });
  if (format === 'json') printJson({ month: run.month, entries: run.entries, points: run.points, rules: run.rules, run_id: run.runId });
  else printRows(['rule_id', 'entries', 'points'], run.rules, format);
}

export function register(program: Command): void {
  const points = program.command('points').description('loyalty points ledger: append-only entries, FIFO redemption and expiry, balances derived from the entries');
  withFormat(
    points
      .command('balance')
      .description('balance at the end of a day and the points still held by expiry day: {"customer_id","balance","expiring":[{"date","points"}],…}')
      .argument('<customer>', 'customer_id')
      .option('--as-of <date>', AS_OF_HELP)
      .option('--db <path>', DB_HELP),
  ).action(balance);
  withFormat(
    points
      .command('statement')
      .description('every ledger entry of a customer in time order with the running balance, and who or what posted it')
      .argument('<customer>', 'customer_id')
      .option('--as-of <date>', AS_OF_HELP)
      .option('--show-pii', "show the operator's free-text reasons of imported transactions unmasked")
      .option('--db <path>', DB_HELP),
  ).action(statement);
  withFormat(
    points
      .command('expiring')
      .description('customers whose points expire within N days after the as-of day (for care to call first), soonest first')
      .requiredOption('--within-days <n>', 'days after --as-of')
      .option('--as-of <date>', AS_OF_HELP)
      .option('--db <path>', DB_HELP),
  ).action(expiring);
  withFormat(
    points
      .command('post')
      .description('post a points_transactions file (contract columns) to the ledger: idempotent by transaction_id; a changed row reverses the old posting; a redeem above the balance at its ts is rejected (insufficient_points); exit 1 when rows are rejected')
      .argument('<file>', 'points_transactions CSV, CSV.gz or Parquet (any file name)')
      .option('--rejects <file>', 'write every rejected row as CSV: file,line,column,value,reason')
      .option('--rules <file>', 'points rules JSON (expiry_months of imported earns; default $TENURE_POINTS_RULES or the built-in rules)')
      .option('--db <path>', DB_HELP),
  ).action(postFile);
  withFormat(
    points
      .command('expire')
      .description('expire, FIFO by earn date, the points whose expiry day is on or before the as-of day; idempotent')
      .option('--as-of <date>', AS_OF_HELP)
      .option('--db <path>', DB_HELP),
  ).action(expire);
  withFormat(
    points
      .command('earn')
      .description('monthly earning run: post the earning rules for a billed month (per currency unit billed, on-time payment, tenure milestones, accepted offers, member days); re-running a month posts nothing new')
      .requiredOption('--month <month>', 'billed month YYYY-MM')
      .option('--rules <file>', 'points rules JSON (default $TENURE_POINTS_RULES or the built-in rules)')
      .option('--db <path>', DB_HELP),
  ).action(earn);
}
