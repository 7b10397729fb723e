import type { Command } from 'commander';
import { scoreCustomers, type CustomerScore } from '../../app/churn-model/score.ts';
import { scoreContext } from '../../app/churn-model/score-context.ts';
import { TenureError } from '../../app/errors.ts';
import { DEFAULT_DB, openStore } from '../../app/store.ts';
import { warnPartial } from '../partial.ts';
import { fraction, labelLang, money, printJson, printRows, resolveOutput, withCurrency, withFormat, type FormatOptions } from '../output.ts';

interface ScoreFlags extends FormatOptions {
  db?: string;
  asOf?: string;
  top?: string;
}

export const SCORE_COLUMNS = ['customer_id', 'churn_probability', 'expected_loss', 'lifecycle_stage', 'value_quadrant', 'top_reasons'] as const;

function topCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < 1) throw new TenureError('USAGE', `--top must be a whole number ≥ 1, got "${text}"`);
  return Number(text);
}

/** One reason of a score, as machine output gives it: rank 1 raises the risk most. */
export interface ScoreReason {
  readonly rank: number;
  readonly feature: string;
  readonly text: string;
}

export const scoreReasons = (s: CustomerScore): ScoreReason[] =>
  s.top_reasons.map((text, i) => ({ rank: i + 1, feature: s.top_features[i] ?? '', text }));

export function register(program: Command): void {
  withCurrency(withFormat(
    program
      .command('score')
      .description(
        'score the active base with the latest churn model: probability, expected loss, lifecycle stage, value quadrant, top reasons (highest risk first). ' +
          'expected_loss = churn probability within the model horizon × value at stake (tenure value\'s current value, 0 when negative)',
      )
      .option('--db <path>', `store (default $TENURE_DB or ${DEFAULT_DB})`)
      .option('--as-of <month>', 'month whose closing base is scored, YYYY-MM (default: latest month with data)')
      .option('--top <n>', 'print only the n highest-risk customers (all are stored)'),
  )).action(async (flags: ScoreFlags) => {
    const out = resolveOutput(flags);
    const top = topCount(flags.top);
    const store = await openStore(flags.db, { access: 'read-write' });
    try {
      // The reasons are worded (and stored) in the output's language.
      const run = await scoreCustomers(store, { ...(flags.asOf ? { asOf: flags.asOf } : {}), lang: labelLang(out.lang) });
      const ranked = [...run.scores].sort((a, b) => b.churn_probability - a.churn_probability || a.customer_id.localeCompare(b.customer_id));
      const shown = top === undefined ? ranked : ranked.slice(0, top);
      const context = await scoreContext(store, run.asOf);
      process.stderr.write(`tenure: scored ${run.scores.length} customers as of ${run.asOf} with ${run.modelVersion}\n`);
      warnPartial(run.partial_coverage);
      const rows = shown.map((s) => ({
        customer_id: s.customer_id,
        churn_probability: fraction(s.churn_probability),
        expected_loss: money(s.expected_loss),
        lifecycle_stage: context.get(s.customer_id)?.lifecycle_stage ?? null,
        value_quadrant: context.get(s.customer_id)?.value_quadrant ?? null,
      }));
      if (out.format === 'json') {
        // Reasons as an array of objects, not one joined string; each row names its currency.
        printJson(rows.map((r, i) => ({ ...r, top_reasons: scoreReasons(shown[i] as CustomerScore), currency: out.currency })));
        return;
      }
      printRows(
        SCORE_COLUMNS,
        rows.map((r, i) => ({ ...r, top_reasons: (shown[i] as CustomerScore).top_reasons.join('; ') })),
        out.format,
        process.stdout,
        { money: ['expected_loss'], currency: out.currency },
      );
    } finally {
      await store.close();
    }
  });
}
