import type { Command } from 'commander';
import { customer360 } from '../../app/customer/customer360.ts';
import { withStore } from '../../app/lifecycle/context.ts';
import { ALL_PERSONAL_DATA, NO_PERSONAL_DATA } from '../../domain/privacy/masking.ts';
import type { Row } from '../../store/port.ts';
import { warnPartial } from '../partial.ts';
import { printJson, printRows, resolveFormat, withFormat, type FormatOptions } from '../output.ts';

interface CustomerOptions extends FormatOptions {
  asOf?: string;
  showPii?: boolean;
  db?: string;
}

function section(title: string, rows: readonly Row[]): void {
  process.stdout.write(`\n${title}\n`);
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const columns = Object.keys(rows[0] ?? {}).filter((c) => rows.some((r) => r[c] !== null && r[c] !== undefined));
  printRows(columns, rows, 'table');
}

async function customer(id: string, opts: CustomerOptions): Promise<void> {
  const format = resolveFormat(opts);
  // The person at the shell holds the store file, so --show-pii grants nothing they cannot
  // already read; it still says so on stderr. The API will take rights from the user's role.
  const rights = opts.showPii === true ? ALL_PERSONAL_DATA : NO_PERSONAL_DATA;
  if (rights.personalData) process.stderr.write(`tenure: showing personal data of ${id} unmasked (--show-pii)\n`);
  const view = await withStore(opts.db, (store) => customer360(store, { customerId: id, asOf: opts.asOf, rights }));
  warnPartial(view.partial_coverage);
  if (format === 'json') {
    printJson(view);
    return;
  }
  if (format === 'csv') {
    // One line per fact, for scripts that grep: section,key,value.
    const rows: Record<string, string>[] = [];
    const add = (sectionName: string, obj: Record<string, unknown> | null) => {
      if (obj) for (const [k, v] of Object.entries(obj)) rows.push({ section: sectionName, key: k, value: typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v ?? '') });
    };
    add('profile', view.profile);
    add('lifecycle', { stage: view.lifecycle.stage, rule: view.lifecycle.rule, history: view.lifecycle.history.map((h) => `${h.month}:${h.stage}`).join(' ') });
    add('value', view.value);
    add('churn_score', view.churn_score);
    add('churn_event', view.churn_event);
    printRows(['section', 'key', 'value'], rows, 'csv');
    return;
  }
  const l = view.lifecycle;
  process.stdout.write(`customer ${view.customer_id} as of ${view.as_of}${view.pii_masked ? ' (personal data masked; --show-pii to reveal)' : ''}\n`);
  section('profile', [view.profile]);
  process.stdout.write(
    `\nlifecycle: ${l.stage ?? '-'} ${l.name ?? ''} (${l.relationship ?? '-'}), rule ${l.rule ?? '-'}; history ${l.history.map((h) => `${h.month} ${h.stage}`).join(', ')}\n`,
  );
  if (view.value) {
    const v = view.value;
    process.stdout.write(
      `value: current ${v.current_value}, growth potential ${v.potential} (up-buy ${v.up_buy}, cross-buy ${v.cross_buy}, referral ${v.referral}); ` +
        `remaining lifetime ${v.remaining_lifetime_months} months; quadrant ${v.quadrant}: ${v.strategy.investment.en} / ${v.strategy.retention.en}\n`,
    );
  }
  if (view.churn_score) process.stdout.write(`churn score: ${String(view.churn_score.churn_probability)} (${String(view.churn_score.model_version)}, as of ${String(view.churn_score.as_of)}); reasons ${String(view.churn_score.top_reasons)}\n`);
  if (view.churn_event) process.stdout.write(`churned: ${String(view.churn_event.churn_date)} ${String(view.churn_event.churn_type)} — ${String(view.churn_event.reason ?? view.churn_event.reason_code)}\n`);
  section('subscriptions', view.subscriptions);
  section('usage (last 6 months)', view.usage);
  section('interactions (latest 20)', view.interactions);
}

export function register(program: Command): void {
  withFormat(
    program
      .command('customer')
      .description('360° view of one customer: profile, subscriptions, usage, interactions, lifecycle stage and history, value and quadrant, churn score, churn event')
      .argument('<id>', 'customer_id')
      .option('--as-of <month>', "month (YYYY-MM inside the data; default: the data's last billed month)")
      .option('--show-pii', 'show personal data unmasked (name, phone, email, birth date, full region, x_ attributes, interaction topics)')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  ).action(customer);
}
