import type { Command } from 'commander';
import { runMainJob } from '../../app/main-job.ts';
import { DEMO_DEFAULTS } from '../../domain/demo/index.ts';
import { CHURN_REASONS_COLUMNS } from '../../app/reports/churn-reasons.ts';
import { CHURN_REGIONS_COLUMNS } from '../../app/reports/churn-regions.ts';
import { CHURN_TOTALS_COLUMNS } from '../../app/reports/churn-totals.ts';
import { VERDICT_TEXT } from '../../domain/campaigns/evaluation.ts';
import { DEFAULT_DB, openStore } from '../../app/store.ts';
import { firstRunAccount, type FirstAccount } from '../../app/auth/accounts.ts';
import { cliActor } from '../../app/auth/cli-actor.ts';
import { EXIT_DATA_PROBLEMS } from '../errors.ts';
import { DEFAULT_CURRENCY, labelLang, money, pick, printRows, printText, resolveCurrency, resolveLang, type Cell } from '../output.ts';

interface StartFlags {
  data?: string;
  db?: string;
  lang?: string;
  currency?: string;
  serve?: boolean;
  port: string;
  host: string;
}

function section(title: string): void {
  printText(`\n== ${title} ==\n`);
}

const TITLES = {
  import: { zh: '导入', en: 'import' },
  totals: { zh: '客户流失总数报告', en: 'churn totals' },
  reasons: { zh: '以原因代码分析损失', en: 'churn by reason code' },
  regions: { zh: '以地理位置分析损失', en: 'churn by province' },
  model: { zh: '流失预测模型', en: 'churn model' },
  risk: { zh: '高危客户预警', en: 'highest churn risk' },
  campaigns: { zh: '挽留活动成效（与对照组比较）', en: 'retention campaigns against their control groups' },
  points: { zh: '积分账户', en: 'loyalty points' },
} as const;

const pct = (x: number | null) => (x === null ? '' : `${(100 * x).toFixed(1)}%`);

/**
 * `npm start`: the main job for a person at a terminal, so it always prints tables. Scripts use
 * `tenure import` and `tenure report …`, which keep to the machine formats.
 */
export function register(program: Command): void {
  program
    .command('start')
    .description('main job: import the data (the demo operator when none is given) and print the churn diagnosis')
    .option('--data <dir>', 'operator export in the data contract (default: generate the demo operator)')
    .option('--db <path>', `store (default $TENURE_DB or ${DEFAULT_DB})`)
    .option('--lang <lang>', 'language of titles, labels and reasons: zh-CN or en (default $TENURE_LANG or zh-CN)')
    .option('--currency <code>', `ISO 4217 code shown with every amount (default $TENURE_CURRENCY or ${DEFAULT_CURRENCY})`)
    .option('--serve', 'then serve the web console and the API on the store (tenure serve) until Ctrl-C; a store without accounts gets an admin account whose password is shown once')
    .option('--port <port>', 'with --serve: TCP port (0: any free port)', '8080')
    .option('--host <address>', 'with --serve: address to listen on (default loopback only)', '127.0.0.1')
    .action(async (flags: StartFlags) => {
      const lang = resolveLang(flags);
      const view = { money: ['arpu', 'revenue_lost', 'expected_loss'], currency: resolveCurrency(flags) };
      const t = (k: keyof typeof TITLES) => pick(TITLES[k], lang);
      const store = await openStore(flags.db, { access: 'read-write', create: true, readableDirectories: [flags.data ?? DEMO_DEFAULTS.outDir] });
      try {
        const result = await runMainJob(store, {
          ...(flags.data === undefined ? {} : { dataDir: flags.data }),
          log: (line) => process.stderr.write(`tenure: ${line}\n`),
          lang: labelLang(lang),
        });
        section(t('import'));
        printRows(
          ['file', 'read', 'accepted', 'rejected', 'inserted', 'updated', 'unchanged', 'status'],
          result.imported.files.map(({ errors: _errors, ...f }) => f),
          'table',
        );
        const rows = (r: readonly object[]) => r as readonly Record<string, Cell>[];
        section(t('totals'));
        printRows(CHURN_TOTALS_COLUMNS, rows(result.totals.rows), 'table', process.stdout, view);
        const last = result.totals.range.to;
        section(`${t('reasons')}, ${last}`);
        printRows(CHURN_REASONS_COLUMNS, rows(result.reasons.rows.filter((r) => r.month === last)), 'table', process.stdout, view);
        section(`${t('regions')}, ${last}`);
        printRows(CHURN_REGIONS_COLUMNS, rows(result.regions.rows.filter((r) => r.month === last)), 'table', process.stdout, view);
        if (result.model && result.scores) {
          const m = result.model.metrics;
          section(t('model'));
          printRows(
            ['holdout', 'horizon', 'auc', 'pr_auc', 'lift_top10', 'brier', 'tenure_only_auc'],
            [{ holdout: m.holdout, horizon: m.horizon, auc: m.model.auc.toFixed(3), pr_auc: m.model.pr_auc.toFixed(3), lift_top10: m.model.lift_top10.toFixed(2), brier: m.model.brier.toFixed(4), tenure_only_auc: m.tenure_only_auc.toFixed(3) }],
            'table',
          );
          section(`${t('risk')}, ${result.scores.asOf}`);
          const top = [...result.scores.scores].sort((a, b) => b.churn_probability - a.churn_probability).slice(0, 10);
          printRows(
            ['customer_id', 'churn_probability', 'expected_loss', 'top_reasons'],
            top.map((s) => ({ customer_id: s.customer_id, churn_probability: s.churn_probability.toFixed(3), expected_loss: money(s.expected_loss), top_reasons: s.top_reasons.join('; ') })),
            'table',
            process.stdout,
            view,
          );
        }
        if (result.campaigns) {
          // The retention loop in brief; `tenure campaign evaluate` has the money, reach and dilution.
          section(t('campaigns'));
          printRows(
            ['campaign_id', 'arm', 'members', 'churn_rate', 'uplift', 'uplift_ci', 'verdict'],
            result.campaigns.campaigns.flatMap((c) =>
              c.arms.map((a) => ({
                campaign_id: c.campaignId,
                arm: a.arm,
                members: a.members,
                churn_rate: pct(a.churnRate),
                uplift: pct(a.uplift),
                uplift_ci: a.upliftCi ? `${pct(a.upliftCi[0])} … ${pct(a.upliftCi[1])}` : '',
                verdict: c.status === 'open' ? '' : pick(VERDICT_TEXT[a.verdict], lang),
              })),
            ),
            'table',
          );
        }
        if (result.points) {
          const p = result.points;
          section(`${t('points')}, ${p.asOf}`);
          printRows(['kind', 'source', 'entries', 'points'], p.byKind, 'table');
          printText(
            labelLang(lang) === 'en'
              ? `${p.customers} customers hold ${p.balance} points; ${p.expiringSoon.points} points of ${p.expiringSoon.customers} customers expire within 90 days (tenure points expiring --within-days 90)\n`
              : `${p.customers} 位客户共持有积分 ${p.balance}；${p.expiringSoon.customers} 位客户的 ${p.expiringSoon.points} 积分将在 90 天内到期（tenure points expiring --within-days 90）\n`,
          );
        }
        process.stdout.write(`\nstore: ${store.location}   data: ${result.dataDir}\n`);
        if (result.imported.rejected > 0) {
          process.stderr.write(`tenure: ${result.imported.rejected} rows were rejected; see tenure import --rejects\n`);
          process.exitCode = EXIT_DATA_PROBLEMS;
        }
      } finally {
        await store.close();
      }
      if (flags.serve) await serveAfterStart(flags, labelLang(lang));
    });
}

/**
 * `tenure start --serve`: the console over the store the main job just filled. A store without
 * accounts gets its first admin here (app/auth firstRunAccount), shown once on standard error
 * beside the URL; the server itself is `tenure serve`'s, loaded only now.
 */
async function serveAfterStart(flags: StartFlags, lang: 'zh' | 'en'): Promise<void> {
  const store = await openStore(flags.db, { access: 'read-write' });
  let account: FirstAccount | null;
  try {
    account = await firstRunAccount(store, cliActor());
  } finally {
    await store.close();
  }
  const { serve } = await import('./serve.ts');
  await serve({
    ...(flags.db === undefined ? {} : { db: flags.db }),
    port: flags.port,
    host: flags.host,
    maxSessions: '8',
    ...(flags.currency === undefined ? {} : { currency: flags.currency }),
    onListening: (url) => {
      const en = lang === 'en';
      const lines = [en ? `web console: ${url}` : `网页控制台：${url}`];
      if (account) {
        lines.push(
          en
            ? `first account: user ${account.username}, password ${account.password} (shown once; change it with tenure user passwd ${account.username})`
            : `首个账户：用户名 ${account.username}，密码 ${account.password}（仅显示这一次；用 tenure user passwd ${account.username} 修改）`,
        );
      } else lines.push(en ? 'log in with an account of tenure user' : '请用 tenure user 创建的账户登录');
      lines.push(en ? 'Ctrl-C stops the server' : '按 Ctrl-C 停止服务');
      process.stderr.write(`${lines.map((l) => `tenure: ${l}`).join('\n')}\n`);
    },
  });
}
