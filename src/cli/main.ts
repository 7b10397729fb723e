import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.ts';
import { describeError } from './errors.ts';
import { setEngineFlags } from '../store/duckdb/settings.ts';

export function buildProgram(): Command {
  const program = new Command()
    .name('tenure')
    .description('Tenure: customer lifecycle and churn management for telecom, broadband and cable-TV operators')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride()
    // Engine limits for every store-backed command; the TENURE_* variables set the same (store/duckdb/settings.ts).
    .option('--memory-limit <size>', 'DuckDB memory limit, e.g. 8GB (default: a sixth of RAM, or $TENURE_MEMORY_LIMIT)')
    .option('--threads <n>', 'DuckDB threads (default: the cores available, or $TENURE_THREADS)')
    .option('--temp-dir <dir>', 'where DuckDB spills beyond the memory limit (default: next to the store, or $TENURE_TEMP_DIR)');
  program.hook('preAction', () => setEngineFlags(program.opts<{ memoryLimit?: string; threads?: string; tempDir?: string }>()));
  for (const register of COMMANDS) register(program);
  return program;
}

/** Runs the CLI; returns the exit code instead of exiting so tests can drive it in-process. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  process.exitCode = undefined;
  setEngineFlags({});
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through exitOverride with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    const { exitCode, message } = describeError(err);
    process.stderr.write(`tenure: ${message}\n`);
    return exitCode;
  }
}
