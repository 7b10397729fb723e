import type { Command } from 'commander';
import { careCalendar, type CareCalendar } from '../../app/care/care.ts';
import { CARE_COLUMNS, careIcs, careJson, careRowCells, careRowJson } from '../../app/care/care-json.ts';
import { OutputFile, SHARED_FILE } from '../../app/files/safe-write.ts';
import { withStore } from '../../app/lifecycle/with-store.ts';
import { TenureError } from '../../app/errors.ts';
import { OCCASIONS } from '../../domain/care/calendar.ts';
import { DEFAULT_CONTACT_POLICY, type ContactPolicy } from '../../domain/care/contact-policy.ts';
import { labelLang, printJson, printRows, resolveOutput, withFormat, writeCsvCells, type FormatOptions } from '../output.ts';

interface CareOptions extends FormatOptions {
  db?: string;
  from?: string;
  to?: string;
  segment?: string;
  promotion?: string;
  maxContacts: string;
  fatigueDays: string;
  unknownConsent: string;
  out?: string;
}

export { CARE_COLUMNS } from '../../app/care/care-json.ts';

const whole = (flag: string, text: string): number => {
  if (!/^[0-9]+$/.test(text)) throw new TenureError('USAGE', `${flag} must be a whole number, got "${text}"`);
  return Number(text);
};

/** The contact policy from the flags shared by care and nba. */
export function contactPolicyOf(opts: { maxContacts: string; fatigueDays: string; unknownConsent: string }): ContactPolicy {
  if (opts.unknownConsent !== 'deny' && opts.unknownConsent !== 'allow') throw new TenureError('USAGE', `--unknown-consent must be deny or allow, got "${opts.unknownConsent}"`);
  return { maxContacts: whole('--max-contacts', opts.maxContacts), windowDays: whole('--fatigue-days', opts.fatigueDays), unknownConsent: opts.unknownConsent };
}

/** Adds the contact-policy flags (consent and fatigue) to a command. */
export function withContactPolicy(cmd: Command): Command {
  return cmd
    .option('--max-contacts <n>', 'contact-fatigue limit: outbound contacts allowed in any window of --fatigue-days days', String(DEFAULT_CONTACT_POLICY.maxContacts))
    .option('--fatigue-days <n>', 'length of the contact-fatigue window in days', String(DEFAULT_CONTACT_POLICY.windowDays))
    .option('--unknown-consent <rule>', 'blank marketing_consent: deny (the contract default) or allow outbound contact', DEFAULT_CONTACT_POLICY.unknownConsent);
}

async function run(opts: CareOptions): Promise<void> {
  const out = resolveOutput(opts);
  const lang = labelLang(out.lang);
  const policy = contactPolicyOf(opts);
  const ext = opts.out?.toLowerCase().match(/\.(csv|ics)$/)?.[1];
  if (opts.out !== undefined && ext === undefined) throw new TenureError('USAGE', `--out must name a .csv or .ics file, got "${opts.out}"`);
  const file = opts.out !== undefined ? OutputFile.open(opts.out, { what: '--out', mode: SHARED_FILE }) : null;
  let c: CareCalendar;
  try {
    c = await withStore(opts.db, (store) =>
      careCalendar(store, {
        policy,
        lang,
        ...(opts.from === undefined ? {} : { from: opts.from }),
        ...(opts.to === undefined ? {} : { to: opts.to }),
        ...(opts.segment === undefined ? {} : { segment: opts.segment }),
        ...(opts.promotion === undefined ? {} : { promotion: opts.promotion }),
      }),
    );
  } catch (err) {
    file?.abort();
    throw err;
  }
  // CSV goes out as the rows come, in pieces (a million customers' calendar is never one string).
  function* cells() {
    for (const r of c.rows) yield careRowCells(r);
  }
  if (file) {
    if (ext === 'ics') file.write(careIcs(c, lang));
    else writeCsvCells(CARE_COLUMNS, cells(), (text) => file.write(text));
    file.commit();
  }
  if (out.format === 'json') {
    printJson(careJson(c));
    return;
  }
  if (out.format === 'csv') writeCsvCells(CARE_COLUMNS, cells(), (text) => process.stdout.write(text));
  else printRows(CARE_COLUMNS, c.rows.map(careRowJson), out.format, process.stdout, { percent: ['churn_probability'] });
  if (out.format === 'table') {
    process.stdout.write(
      lang === 'en'
        ? `\n${c.from}..${c.to}: ${c.counts.planned} planned, ${c.counts.deferred} deferred, ${c.counts.dropped} dropped (limit ${c.policy.maxContacts} contacts in ${c.policy.windowDays} days)\n`
        : `\n${c.from}..${c.to}：计划 ${c.counts.planned} 次，顺延 ${c.counts.deferred} 次，放弃 ${c.counts.dropped} 次（${c.policy.windowDays} 天内最多联系 ${c.policy.maxContacts} 次）\n`,
    );
  }
}

export function register(program: Command): void {
  withFormat(
    withContactPolicy(
      program
        .command('care')
        .description(
          `care calendar: occasions from the data (${OCCASIONS.join(', ')}) for live customers, prioritised by value tier and churn risk, under consent and the contact-fatigue limit (deferred or dropped with the reason), with a suggested script`,
        )
        .option('--from <date>', 'first day (YYYY-MM-DD; default the day after the data\'s last month)')
        .option('--to <date>', 'last day (YYYY-MM-DD; default 30 days from --from)')
        .option('--segment <name>', 'promotion notices for the members of this segment (tenure segments), on the first day')
        .option('--promotion <text>', 'what the promotion is, for the script (needs --segment)')
        .option('--out <file>', 'also write the calendar to a .csv file or an iCalendar .ics file (planned and deferred occasions)')
        .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
    ),
  ).action(run);
}
