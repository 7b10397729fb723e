import type { Command } from 'commander';
import { TenureError } from '../../app/errors.ts';
import { forecastChurnFromStore } from '../../app/forecast/churn-forecast.ts';
import { withStore } from '../../app/lifecycle/context.ts';
import { printJson, printRows, printText, resolveOutput, withCurrency, withFormat, type FormatOptions } from '../output.ts';

interface ForecastOptions extends FormatOptions {
  horizon?: string;
  backtest?: string;
  by?: string;
  db?: string;
}

function wholeNumber(flag: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new TenureError('USAGE', `${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return Number(text);
}

async function churn(opts: ForecastOptions): Promise<void> {
  const out = resolveOutput(opts);
  const format = out.format;
  const horizon = wholeNumber('--horizon', opts.horizon, 1, 36);
  const backtest = wholeNumber('--backtest', opts.backtest, 1, 120);
  if (opts.by !== undefined && opts.by !== 'province') throw new TenureError('USAGE', `--by must be province, got "${opts.by}"`);
  const report = await withStore(opts.db, (store) =>
    forecastChurnFromStore(store, {
      ...(horizon !== undefined ? { horizon } : {}),
      ...(backtest !== undefined ? { backtest } : {}),
      byProvince: opts.by === 'province',
    }),
  );
  if (format === 'json') {
    printJson({ ...report, currency: out.currency });
    return;
  }
  const view = { money: ['expected_revenue_lost'], currency: out.currency };
  const columns = ['month', 'voluntary', 'involuntary', 'total', 'lower', 'upper', 'expected_revenue_lost'];
  const bu = report.bottom_up;
  const scoresEn = bu.used
    ? `blended with the churn model's scores as of ${bu.as_of} (${bu.model_version}, scored ${bu.scored_at})`
    : `not blended with the churn model: ${bu.not_used_reason}`;
  if (format === 'table') {
    const level = Math.round(report.level * 100);
    const scoresZh = bu.used ? `已与 ${bu.as_of} 的流失模型评分融合（${bu.model_version}，评分于 ${bu.scored_at}）` : `未与流失模型评分融合（${bu.not_used_reason}）`;
    printText(out.lang === 'en' ? `churn forecast (${level} % interval on the total), ${scoresEn}\n\n` : `流失预测（合计的 ${level}% 预测区间），${scoresZh}\n\n`);
  } else process.stderr.write(`tenure: churn forecast ${scoresEn}\n`);
  if (report.by_province) {
    const rows = [
      ...report.forecast.map((r) => ({ region: 'all', ...r })),
      ...report.by_province.flatMap((p) => p.forecast.map((r) => ({ region: p.province, ...r }))),
    ];
    printRows(['region', ...columns], rows, format, process.stdout, view);
  } else {
    printRows(columns, report.forecast, format, process.stdout, view);
  }
  if (format === 'table' && report.reconciliation) process.stdout.write(`\nprovinces reconciled to the total: ${report.reconciliation}\n`);
  if (format === 'table' && report.backtest) {
    const b = report.backtest;
    printText(
      out.lang === 'en'
        ? `\nbacktest over the last ${b.months} months (one step ahead): MAPE ${b.mape ?? 'n/a'} % vs seasonal naive ${b.naive_mape ?? 'n/a'} %${b.beats_naive ? ' (model better)' : ''}\n`
        : `\n最近 ${b.months} 个月回测（向前一步）：MAPE ${b.mape ?? '无'}%，季节性朴素法 ${b.naive_mape ?? '无'}%${b.beats_naive ? '（模型更优）' : ''}\n`,
    );
  }
}

export function register(program: Command): void {
  const forecast = program.command('forecast').description('forecasts for budgeting and planning');
  withCurrency(withFormat(
    forecast
      .command('churn')
      .description(
        'monthly voluntary and involuntary churn counts for the next months (seasonal exponential smoothing, ' +
          'blended with the churn model\'s customer probabilities when the base was scored as of the last month of history; ' +
          'scores of other months are not used), prediction intervals, expected revenue lost',
      )
      .option('--horizon <n>', 'months to forecast (default 6)')
      .option('--backtest <k>', 're-forecast the last K months from the data before each; prints MAPE next to seasonal naive (default 6 with ≥ 18 months of history)')
      .option('--by <level>', 'also forecast per region: province (each province forecast alone, then scaled proportionally so the provinces add up to the total)')
      .option('--db <path>', 'store (default ./tenure.duckdb or $TENURE_DB)'),
  )).action(churn);
}
