import type { Command } from 'commander';
import { TenureError } from '../../app/errors.ts';
import { DEMO_DEFAULTS, type DemoDatasetOptions, PROFILES, type Profile } from '../../domain/demo/index.ts';
import { writeDemoDataset } from '../../app/demo/write-dataset.ts';
import { parseMonth } from '../../domain/month.ts';

interface DemoFlags {
  out?: string;
  customers?: string;
  months?: string;
  seed?: string;
  profile?: string;
  endMonth?: string;
}

/** Large enough for any benchmark, small enough that a typo (an extra zero or two) is caught. */
const MAX_CUSTOMERS = 50_000_000;
const MAX_MONTHS = 240;

function wholeNumber(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new TenureError('USAGE', `${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return Number(text);
}

/** Turns the command's flags into generator options; every problem is a usage error (exit 2). */
export function parseDemoFlags(flags: DemoFlags): Required<Omit<DemoDatasetOptions, 'collectMemberTruth' | 'campaigns'>> {
  const profile = flags.profile ?? DEMO_DEFAULTS.profile;
  if (!(PROFILES as readonly string[]).includes(profile)) {
    throw new TenureError('USAGE', `--profile must be one of ${PROFILES.join(', ')}, got "${profile}"`);
  }
  const endMonth = flags.endMonth ?? DEMO_DEFAULTS.endMonth;
  try {
    parseMonth(endMonth);
  } catch {
    throw new TenureError('USAGE', `--end-month must be a month like 2025-12, got "${endMonth}"`);
  }
  const out = flags.out ?? DEMO_DEFAULTS.outDir;
  if (out.trim() === '') throw new TenureError('USAGE', '--out must name a folder');
  return {
    outDir: out,
    customers: wholeNumber('--customers', flags.customers, DEMO_DEFAULTS.customers, 1, MAX_CUSTOMERS),
    months: wholeNumber('--months', flags.months, DEMO_DEFAULTS.months, 1, MAX_MONTHS),
    seed: wholeNumber('--seed', flags.seed, DEMO_DEFAULTS.seed, 0, Number.MAX_SAFE_INTEGER),
    profile: profile as Profile,
    endMonth,
  };
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('write a synthetic operator data set in the data-contract format (deterministic per seed)')
    .option('--out <dir>', `output folder (default ${DEMO_DEFAULTS.outDir})`)
    .option('--customers <n>', `customer accounts to generate, win-backs included (default ${DEMO_DEFAULTS.customers})`)
    .option('--months <m>', `months of history, ending at --end-month (default ${DEMO_DEFAULTS.months})`)
    .option('--seed <s>', `random seed; the same flags give byte-identical files (default ${DEMO_DEFAULTS.seed})`)
    .option('--profile <profile>', `${PROFILES.join(' | ')} (default ${DEMO_DEFAULTS.profile})`)
    .option('--end-month <YYYY-MM>', `last month of the history (default ${DEMO_DEFAULTS.endMonth})`)
    .action(async (flags: DemoFlags) => {
      const options = parseDemoFlags(flags);
      const started = performance.now();
      const { files } = await writeDemoDataset(options);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const counts = Object.entries(files).map(([name, rows]) => `${name} ${rows}`).join(', ');
      process.stderr.write(
        `tenure demo: ${options.profile} operator, seed ${options.seed}, ${options.months} months to ${options.endMonth}: ${counts} (${seconds}s)\n`,
      );
      process.stdout.write(`${options.outDir}\n`);
    });
}
