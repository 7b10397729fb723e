import type { Command } from 'commander';
import { withStore, withWritableStore } from '../../app/lifecycle/with-store.ts';
import { operatorTimezone } from '../../app/import/import-dataset.ts';
import { nbaContext, nextBestAction, NBA_OUTCOMES, recordNbaOutcome, type NbaOutcome } from '../../app/nba/nba.ts';
import { TenureError } from '../../app/errors.ts';
import { nbaJson } from '../../app/nba/nba-json.ts';
import { labelLang, printJson, printRows, resolveOutput, withFormat, type FormatOptions } from '../output.ts';
import { contactPolicyOf, withContactPolicy } from './care.ts';

interface PolicyFlags {
  maxContacts: string;
  fatigueDays: string;
  unknownConsent: string;
}

interface NbaOptions extends FormatOptions, PolicyFlags {
  db?: string;
  date?: string;
}

interface RecordOptions extends FormatOptions, PolicyFlags {
  db?: string;
  offer?: string;
  outcome?: string;
  ts?: string;
  channel?: string;
}

async function show(customerId: string, opts: NbaOptions): Promise<void> {
  const out = resolveOutput(opts);
  const lang = labelLang(out.lang);
  const policy = contactPolicyOf(opts);
  const r = await withStore(opts.db, async (store) => nextBestAction(await nbaContext(store, { policy, timezone: operatorTimezone() }), customerId, { lang, ...(opts.date === undefined ? {} : { date: opts.date }) }));
  const json = nbaJson(r);

  if (out.format === 'json') {
    printJson(json);
    return;
  }
  printRows(['customer_id', 'action', 'offer_id', 'offer_name', 'why'], [{ ...json, why: r.decision.why.join(lang === 'en' ? '; ' : '；') }], out.format);
}

async function record(customerId: string, opts: RecordOptions): Promise<void> {
  const out = resolveOutput(opts);
  if (opts.outcome === undefined || !(NBA_OUTCOMES as readonly string[]).includes(opts.outcome)) {
    throw new TenureError('USAGE', `--outcome must be one of ${NBA_OUTCOMES.join(', ')}, got "${opts.outcome ?? ''}"`);
  }
  const policy = contactPolicyOf(opts);
  const r = await withWritableStore(opts.db, async (store) =>
    recordNbaOutcome(await nbaContext(store, { policy, timezone: operatorTimezone() }), {
      customerId,
      outcome: opts.outcome as NbaOutcome,
      ...(opts.offer === undefined ? {} : { offerId: opts.offer }),
      ...(opts.ts === undefined ? {} : { ts: opts.ts }),
      ...(opts.channel === undefined ? {} : { channel: opts.channel }),
    }),
  );
  const json = { customer_id: r.customerId, campaign_id: r.campaignId, arm: r.arm, ts: r.ts, response: r.response, holdout: r.holdout, contamination: r.contamination, new_campaign: r.newCampaign };
  if (out.format === 'json') printJson(json);
  else printRows(Object.keys(json), [json], out.format);
  if (r.contamination) process.stderr.write(`note: ${r.customerId} is in the holdout of ${r.campaignId}; an offer made anyway is kept in the control arm and counted as contamination\n`);
}

export function register(program: Command): void {
  const nba = withFormat(
    withContactPolicy(
      program
        .command('nba')
        .description('the one next best action for an agent now (retention_offer, cross_sell, up_sell, care_note, nothing) with the reasons; `nba record` keeps the outcome')
        .argument('<customer>', 'customer_id')
        .option('--date <date>', 'the day of the call (YYYY-MM-DD; default today in the operator time zone $TENURE_TIMEZONE)')
        .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
    ),
  ).action(show);
  withFormat(
    withContactPolicy(
      nba
        .command('record')
        .description("records the agent's outcome in the month's NBA campaign (campaign_members), so `tenure campaign evaluate` measures the programme against its holdout")
        .argument('<customer>', 'customer_id')
        .option('--offer <id>', 'offer_id the agent presented (optional for a holdout customer)')
        .option('--outcome <outcome>', `${NBA_OUTCOMES.join(' | ')}`)
        .option('--ts <timestamp>', 'when (YYYY-MM-DD HH:MM[:SS][Z|±HH:MM]; no offset = operator local time; default now)')
        .option('--channel <channel>', 'contact channel (as interactions, plus sms)', 'hotline')
        .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
    ),
  ).action((customer: string, _o: RecordOptions, c: Command) => record(customer, c.optsWithGlobals<RecordOptions>()));
}
