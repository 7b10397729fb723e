import { Option, type Command } from 'commander';
import { scoreCustomers } from '../../app/churn-model/score.ts';
import { scoreContext } from '../../app/churn-model/score-context.ts';
import { TenureError } from '../../app/errors.ts';
import { DEFAULT_DB, openStore } from '../../store/open.ts';
import { printRows, resolveFormat, withFormat, type FormatOptions } from '../output.ts';

interface ScoreFlags extends FormatOptions {
  db?: string;
  asOf?: string;
  top?: string;
  lang?: 'zh' | 'en';
}

export const SCORE_COLUMNS = ['customer_id', 'churn_probability', 'expected_loss', 'lifecycle_stage', 'value_quadrant', 'top_reasons'] as const;

function topCount(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < 1) throw new TenureError('USAGE', `--top must be a whole number ≥ 1, got "${text}"`);
  return Number(text);
}

export function register(program: Command): void {
  withFormat(
    program
      .command('score')
      .description(
        'score the active base with the latest churn model: probability, expected loss, lifecycle stage, value quadrant, top reasons (highest risk first). ' +
          'expected_loss = churn probability within the model horizon × value at stake (tenure value\'s current value, 0 when negative)',
      )
      .option('--db <path>', `store (default $TENURE_DB or ${DEFAULT_DB})`)
      .option('--as-of <month>', 'month whose closing base is scored, YYYY-MM (default: latest month with data)')
      .option('--top <n>', 'print only the n highest-risk customers (all are stored)')
      .addOption(new Option('--lang <lang>', 'language of the reasons').choices(['zh', 'en']).default('zh')),
  ).action(async (flags: ScoreFlags) => {
    const format = resolveFormat(flags);
    const top = topCount(flags.top);
    const store = await openStore(flags.db);
    try {
      const run = await scoreCustomers(store, { ...(flags.asOf ? { asOf: flags.asOf } : {}), lang: flags.lang ?? 'zh' });
      const ranked = [...run.scores].sort((a, b) => b.churn_probability - a.churn_probability || a.customer_id.localeCompare(b.customer_id));
      const shown = top === undefined ? ranked : ranked.slice(0, top);
      const context = await scoreContext(store, run.asOf);
      process.stderr.write(`tenure: scored ${run.scores.length} customers as of ${run.asOf} with ${run.modelVersion}\n`);
      printRows(
        SCORE_COLUMNS,
        shown.map((s) => ({
          customer_id: s.customer_id,
          churn_probability: Number(s.churn_probability.toFixed(6)),
          expected_loss: s.expected_loss.toFixed(2),
          lifecycle_stage: context.get(s.customer_id)?.lifecycle_stage ?? null,
          value_quadrant: context.get(s.customer_id)?.value_quadrant ?? null,
          top_reasons: s.top_reasons.join('; '),
        })),
        format,
      );
    } finally {
      await store.close();
    }
  });
}
