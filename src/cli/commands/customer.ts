import type { Command } from 'commander';
import { customer360 } from '../../app/customer/customer360.ts';
import { customerJson, MONEY_FIELDS } from '../../app/customer/customer-json.ts';
import { withStore } from '../../app/lifecycle/context.ts';
import { ALL_PERSONAL_DATA, NO_PERSONAL_DATA } from '../../domain/privacy/masking.ts';
import { warnPartial } from '../partial.ts';
import {
  pick,
  printJson,
  printRows,
  printText,
  resolveOutput,
  withCurrency,
  withFormat,
  type Cell,
  type FormatOptions,
  type OutputLang,
} from '../output.ts';

interface CustomerOptions extends FormatOptions {
  asOf?: string;
  showPii?: boolean;
  db?: string;
}

type CustomerJson = ReturnType<typeof customerJson>;

/**
 * The whole view as one long CSV a spreadsheet can filter and pivot: `section,item,field,value`,
 * one line per fact. `item` numbers the rows of list sections (subscriptions, usage,
 * interactions, lifecycle history, reasons) and is empty for single records; nested objects
 * give dotted field names (strategy.investment). Every section is there, empty ones as one
 * line with an empty field, so nothing is silently left out.
 */
export function customerCsvRows(j: CustomerJson): Record<string, Cell>[] {
  const rows: Record<string, Cell>[] = [];
  const scalar = (v: unknown): Cell => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : (v as Cell));
  const flat = (section: string, item: number | null, obj: Record<string, unknown>, prefix = '') => {
    for (const [k, v] of Object.entries(obj)) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && k !== 'x_attributes') flat(section, item, v as Record<string, unknown>, `${prefix}${k}.`);
      else rows.push({ section, item, field: `${prefix}${k}`, value: scalar(v) });
    }
  };
  const list = (section: string, items: readonly (Record<string, unknown> | null)[]) => {
    if (items.length === 0) rows.push({ section, item: null, field: null, value: null });
    items.forEach((it, i) => flat(section, i + 1, it ?? {}));
  };
  const one = (section: string, obj: Record<string, unknown> | null) => {
    if (obj === null) rows.push({ section, item: null, field: null, value: null });
    else flat(section, null, obj);
  };
  one('customer', { customer_id: j.customer_id, as_of: j.as_of, currency: j.currency, lang: j.lang, pii_masked: j.pii_masked });
  one('profile', j.profile);
  list('subscriptions', j.subscriptions);
  list('usage', j.usage);
  list('interactions', j.interactions);
  const { history, ...lifecycle } = j.lifecycle;
  one('lifecycle', lifecycle);
  list('lifecycle_history', history);
  one('value', j.value);
  if (j.churn_score) {
    const { top_reasons, ...score } = j.churn_score;
    one('churn_score', score);
    list('churn_reasons', top_reasons);
  } else one('churn_score', null);
  one('churn_event', j.churn_event);
  return rows;
}

const WORDS = {
  asOf: { zh: '截至', en: 'as of' },
  masked: { zh: '（个人信息已脱敏；--show-pii 显示）', en: ' (personal data masked; --show-pii to reveal)' },
  customer: { zh: '客户', en: 'customer' },
  profile: { zh: '客户资料', en: 'profile' },
  lifecycle: { zh: '生命周期', en: 'lifecycle' },
  rule: { zh: '规则', en: 'rule' },
  history: { zh: '历史', en: 'history' },
  value: { zh: '客户价值', en: 'value' },
  churnScore: { zh: '流失评分', en: 'churn score' },
  reasons: { zh: '原因', en: 'reasons' },
  churned: { zh: '已流失', en: 'churned' },
  subscriptions: { zh: '订购产品', en: 'subscriptions' },
  usage: { zh: '近 6 个月账单与使用', en: 'usage (last 6 months)' },
  interactions: { zh: '最近 20 次接触', en: 'interactions (latest 20)' },
  none: { zh: '（无）', en: '(none)' },
  quadrant: { zh: '象限', en: 'quadrant' },
} as const;

function tableSection(title: string, rows: readonly (Record<string, unknown> | null)[], lang: OutputLang, currency: string): void {
  printText(`\n${title}\n`);
  if (rows.length === 0) {
    printText(`${pick(WORDS.none, lang)}\n`);
    return;
  }
  const cells = rows.map((r) => Object.fromEntries(Object.entries(r ?? {}).map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : (v as Cell)])));
  const columns = Object.keys(cells[0] ?? {}).filter((c) => cells.some((r) => r[c] !== null && r[c] !== undefined));
  printRows(columns, cells, 'table', process.stdout, { money: columns.filter((c) => MONEY_FIELDS.has(c)), currency });
}

function printTable(j: CustomerJson, lang: OutputLang): void {
  const w = (k: keyof typeof WORDS) => pick(WORDS[k], lang);
  const sep = lang === 'en' ? ': ' : '：';
  printText(`${w('customer')} ${j.customer_id} ${w('asOf')} ${j.as_of}${j.pii_masked ? w('masked') : ''}\n`);
  tableSection(w('profile'), [j.profile], lang, j.currency);
  const l = j.lifecycle;
  printText(
    `\n${w('lifecycle')}${sep}${l.stage ?? '-'} ${l.name ?? ''} (${l.relationship ?? '-'}), ${w('rule')} ${l.rule ?? '-'}; ` +
      `${w('history')} ${l.history.map((h) => `${h.month} ${h.stage}`).join(', ')}\n`,
  );
  if (j.value) {
    const v = j.value;
    const line =
      lang === 'en'
        ? `current ${v.current_value} ${j.currency}, growth potential ${v.potential} ${j.currency} (up-buy ${v.up_buy}, cross-buy ${v.cross_buy}, referral ${v.referral}); remaining lifetime ${v.remaining_lifetime_months} months`
        : `当前价值 ${v.current_value} ${j.currency}，增值潜力 ${v.potential} ${j.currency}（追加销售 ${v.up_buy}，交叉销售 ${v.cross_buy}，推荐 ${v.referral}）；剩余生命期 ${v.remaining_lifetime_months} 个月`;
    printText(`${w('value')}${sep}${line}; ${w('quadrant')} ${v.quadrant}: ${v.strategy.investment} / ${v.strategy.retention}\n`);
  }
  const s = j.churn_score;
  if (s) {
    printText(
      `${w('churnScore')}${sep}${String(s.churn_probability)} (${String(s.model_version)}, ${w('asOf')} ${String(s.as_of)}); ` +
        `${w('reasons')}: ${s.top_reasons.map((r) => r.text).join('; ')}\n`,
    );
    // Reasons are worded when scored; say so rather than mix languages without a word.
    if (lang === 'en' && s.top_reasons.some((r) => /[\u3400-\u9fff]/.test(r.text))) printText('(the reasons were worded in Chinese when scored; `tenure score --lang en` words them in English)\n');
    if (lang === 'zh-CN' && s.top_reasons.length > 0 && s.top_reasons.every((r) => !/[\u3400-\u9fff]/.test(r.text))) printText('（原因在评分时以英文生成；`tenure score` 默认以中文生成）\n');
  }
  const e = j.churn_event;
  if (e) printText(`${w('churned')}${sep}${String(e.churn_date)} ${String(e.churn_type)} — ${String(e.reason ?? e.reason_code)}\n`);
  tableSection(w('subscriptions'), j.subscriptions, lang, j.currency);
  tableSection(w('usage'), j.usage, lang, j.currency);
  tableSection(w('interactions'), j.interactions, lang, j.currency);
}

async function customer(id: string, opts: CustomerOptions): Promise<void> {
  const out = resolveOutput(opts);
  // The person at the shell holds the store file, so --show-pii grants nothing they cannot
  // already read; it still says so on stderr. The API will take rights from the user's role.
  const rights = opts.showPii === true ? ALL_PERSONAL_DATA : NO_PERSONAL_DATA;
  if (rights.personalData) process.stderr.write(`tenure: showing personal data of ${id} unmasked (--show-pii)\n`);
  const view = await withStore(opts.db, (store) => customer360(store, { customerId: id, asOf: opts.asOf, rights }));
  warnPartial(view.partial_coverage);
  const j = customerJson(view, out);
  if (out.format === 'json') printJson(j);
  else if (out.format === 'csv') printRows(['section', 'item', 'field', 'value'], customerCsvRows(j), 'csv');
  else printTable(j, out.lang);
}

export function register(program: Command): void {
  withCurrency(withFormat(
    program
      .command('customer')
      .description(
        '360° view of one customer: profile, subscriptions, usage, interactions, lifecycle stage and history, value and quadrant, churn score, churn event ' +
          '(CSV: one section,item,field,value line per fact, every section included)',
      )
      .argument('<id>', 'customer_id')
      .option('--as-of <month>', "month (YYYY-MM inside the data; default: the data's last billed month)")
      .option('--show-pii', 'show personal data unmasked (name, phone, email, birth date, full region, x_ attributes, interaction topics)')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  )).action(customer);
}
