import { Command, CommanderError } from 'commander';
import { COMMAND_MODULES, type Register } from './commands/index.ts';
import { describeError } from './errors.ts';
import { setEngineFlags } from '../app/store.ts';
import { safeMessage } from './terminal.ts';

/** The program's options that take a value (`--threads 2`), for finding the command's name. */
const VALUE_OPTIONS = new Set(['--memory-limit', '--threads', '--temp-dir']);

/**
 * The command a command line runs (its first word that is not an option of the program), when
 * it names a command module; null for help, a version, an unknown command or none.
 */
export function commandOf(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return null;
    if (a.startsWith('-')) {
      if (VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    return Object.hasOwn(COMMAND_MODULES, a) ? a : null;
  }
  return null;
}

/**
 * The program with the command `argv` runs, or with every command (help, an unknown command,
 * no argv): command modules load on demand (commands/index.ts).
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command()
    .name('tenure')
    .description('Tenure: customer lifecycle and churn management for telecom, broadband and cable-TV operators')
    .version('0.1.0')
    .option('--debug', 'on an internal error, print the stack trace (for bug reports)')
    .showHelpAfterError()
    .exitOverride()
    // Engine limits for every store-backed command; the TENURE_* variables set the same (store/duckdb/settings.ts).
    .option('--memory-limit <size>', 'DuckDB memory limit, e.g. 8GB (default: a sixth of RAM, or $TENURE_MEMORY_LIMIT)')
    .option('--threads <n>', 'DuckDB threads (default: the cores available, or $TENURE_THREADS)')
    .option('--temp-dir <dir>', 'where DuckDB spills beyond the memory limit (default: next to the store, or $TENURE_TEMP_DIR)');
  program.hook('preAction', () => setEngineFlags(program.opts<{ memoryLimit?: string; threads?: string; tempDir?: string }>()));
  const name = argv === undefined ? null : commandOf(argv);
  const loaders = name === null ? Object.values(COMMAND_MODULES) : [COMMAND_MODULES[name] as () => Promise<{ register: Register }>];
  for (const { register } of await Promise.all(loaders.map((load) => load()))) register(program);
  return program;
}

/**
 * Whether --debug was given. Commander knows once parsing got that far; an error raised before
 * (or by a subcommand that shadows the name) falls back to the raw arguments, up to a `--`.
 */
function debugRequested(program: Command, argv: readonly string[]): boolean {
  if (program.opts<{ debug?: boolean }>().debug === true) return true;
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--debug');
}

/** Runs the CLI; returns the exit code instead of exiting so tests can drive it in-process. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = await buildProgram(argv);
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
    const { exitCode, message } = describeError(err, { debug: debugRequested(program, argv) });
    // Messages echo user data (paths, values): no control character reaches the terminal.
    process.stderr.write(`tenure: ${safeMessage(message)}\n`);
    return exitCode;
  }
}
